"""Problems between keys of a config (a watch name used twice, a target no table defines), read
from the parsed TOML tree itself rather than from a validated Config.

Read from the tree, they are found in the same load as every problem of a single value: a config
with a bad interval, a repeated name and an unknown target is reported whole, not one round of
fixes at a time. A value of the wrong shape is skipped here (its own check reports it).
"""

from __future__ import annotations

from typing import Any


def cross_problems(data: dict[str, Any]) -> list[str]:
    """'KEY: what is wrong' for each problem between keys of `data` (a parsed config with ${VAR}s
    substituted), in the order of the file: repeated watch names (naming both places), `wait_for`
    without the browser fetcher, and notify lists or the ops target naming an undefined target."""
    # monitor.config imports this module: its name rules are read at call time.
    from monitor.config import check_watch_name, name_key

    out: list[str] = []
    notify = data.get("notify") if isinstance(data.get("notify"), dict) else {}
    targets = notify.get("targets", {})
    known = set(targets) if isinstance(targets, dict) else None  # None: the table is malformed
    defaults = data.get("defaults") if isinstance(data.get("defaults"), dict) else {}
    default_fetcher = defaults.get("fetcher", "http")
    watches = data.get("watches")
    first: dict[str, tuple[int, str]] = {}  # name key -> (index, name as written) of its first watch
    for i, w in enumerate(watches if isinstance(watches, list) else []):
        if not isinstance(w, dict):
            continue
        name = w.get("name")
        if isinstance(name, str):
            try:
                key = name_key(check_watch_name(name))
            except ValueError:
                key = None  # an invalid name is reported as such, not as a repeat
            if key is not None and key in first:
                j, earlier = first[key]
                out.append(
                    f"watches[{i}].name: duplicate watch name {name!r}, the same as watches[{j}].name {earlier!r}"
                    + ("" if name == earlier else " (case, Unicode form and kind of space do not count)")
                )
            elif key is not None:
                first[key] = (i, name)
        fetcher = w.get("fetcher") or default_fetcher
        if w.get("wait_for") is not None and fetcher == "http":  # any other value is reported as invalid
            out.append(
                f"watches[{i}].wait_for (watch {name!r}): only the browser fetcher waits for a "
                'selector; add fetcher = "browser" to the watch or to [defaults]'
            )
        out += _unknown_targets(f"watches[{i}].notify", w.get("notify"), known)
    out += _unknown_targets("defaults.notify", defaults.get("notify"), known)
    ops = notify.get("ops_target")
    if isinstance(ops, str) and ops and known is not None and ops not in known:
        out.append(f"notify.ops_target: unknown target {ops!r} (define [notify.targets.{ops}])")
    return out


def _unknown_targets(key: str, listed: Any, known: set[str] | None) -> list[str]:
    if known is None or not isinstance(listed, list):
        return []
    return [
        f"{key}: unknown target {t!r} (define [notify.targets.{t}])"
        for t in listed
        if isinstance(t, str) and t not in known
    ]


__all__ = ["cross_problems"]
