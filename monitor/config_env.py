"""${VAR} in the config: substitution from the environment, putting values back as written for
messages, and the values only some commands need (read when used, not when the file is loaded).

Kept apart from monitor.config so that module stays a schema.
"""

from __future__ import annotations

import os
import re
from typing import Any

ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


class ConfigError(Exception):
    """A config problem, already phrased for the user: `file: key: what is wrong`."""


def substitute_env(value: Any, where: str = "", written: dict[str, str] | None = None) -> Any:
    """Replace ${VAR} / ${VAR:-default} in every string of a parsed TOML tree. `written`, when
    given, collects {substituted string: string as written} and {variable's value: '${VAR}'}, so
    error messages can show values as written (see `as_written`), never with a secret in them.
    Raises ConfigError naming every unset variable: one line per key, `KEY: environment variable
    ${A} is not set` or `KEY: environment variables ${A} and ${B} are not set`, so that one run
    shows all that is missing, not one variable per attempt."""
    unset: dict[str, list[str]] = {}
    out = _substitute(value, where, written, unset)
    if unset:
        raise ConfigError("\n".join(f"{key or 'value'}: {unset_text(names)}" for key, names in unset.items()))
    return out


def collect_env(value: Any, written: dict[str, str]) -> tuple[Any, dict[str, list[str]]]:
    """As `substitute_env`, without raising: (the tree with every set ${VAR} substituted and every
    unset one left as written, {key: names of its unset variables}), so that a load can go on to
    report the file's other problems with the unset variables."""
    unset: dict[str, list[str]] = {}
    return _substitute(value, "", written, unset), unset


def unset_text(names: list[str]) -> str:
    """'environment variable ${A} is not set', 'environment variables ${A}, ${B} and ${C} are not set'."""
    refs = [f"${{{n}}}" for n in dict.fromkeys(names)]
    if len(refs) == 1:
        return f"environment variable {refs[0]} is not set"
    return f"environment variables {', '.join(refs[:-1])} and {refs[-1]} are not set"


def _substitute(value: Any, where: str, written: dict[str, str] | None, unset: dict[str, list[str]]) -> Any:
    if isinstance(value, str):

        def repl(m: re.Match[str]) -> str:
            var, default = m.group(1), m.group(2)
            if var in os.environ:
                if written is not None:
                    written[os.environ[var]] = m.group(0)
                return os.environ[var]
            if default is not None:
                return default
            unset.setdefault(where, []).append(var)
            return m.group(0)

        out = ENV_REF.sub(repl, value)
        if written is not None and out != value and where not in unset:
            written[out] = value
        return out
    if isinstance(value, dict):
        return {k: _substitute(v, f"{where}.{k}" if where else k, written, unset) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, f"{where}[{i}]", written, unset) for i, v in enumerate(value)]
    return value


_MIN_SECRET = 4  # shorter variable values would garble ordinary words in a message


def as_written(text: str, written: dict[str, str]) -> str:
    """`text` with every substituted value put back as written: 'smtp://u:hunter22@h' ->
    'smtp://u:${SMTP_PASSWORD}@h'; a variable's value anywhere else becomes '${VAR}'."""
    for value in sorted(written, key=len, reverse=True):
        if len(value) >= _MIN_SECRET:
            text = text.replace(value, written[value])
    return text


def defer_web_token(data: dict[str, Any], source: str) -> tuple[dict[str, Any], str | None]:
    """`data` without [web] token when its ${VAR} is unset, and the message saying so (for
    WebConfig.served_token); `data` unchanged and None otherwise."""
    web = data.get("web")
    if not isinstance(web, dict) or not isinstance(web.get("token"), str):
        return data, None
    try:
        substitute_env(web["token"], "web.token")
    except ConfigError as exc:
        problem = f"{source}: {exc} (the web view needs it: set it, or remove [web] token for an open view)"
        return {**data, "web": {k: v for k, v in web.items() if k != "token"}}, problem
    return data, None


def defer_target_urls(
    data: dict[str, Any], source: str
) -> tuple[dict[str, Any], dict[tuple[str, int], str], dict[str, str]]:
    """Notification URLs whose ${VAR} is unset, set aside: `data` with each such URL blanked (so
    substitution passes), {(target, index): URL as written} to put back after substitution, and
    {target: the lines naming each of its URLs} (for `Config.require_targets`). Only commands that
    send alerts need these variables, and only those of the targets they send to: `history` or
    `list` must not fail for want of a Slack token, nor `notify test ops` for want of a mail password."""
    targets = (data.get("notify") or {}).get("targets") if isinstance(data.get("notify"), dict) else None
    if not isinstance(targets, dict):
        return data, {}, {}
    deferred: dict[tuple[str, int], str] = {}
    problems: dict[str, list[str]] = {}
    new_targets: dict[str, Any] = {}
    for name, target in targets.items():
        urls = target.get("urls") if isinstance(target, dict) else None
        listed = [urls] if isinstance(urls, str) else urls
        if not isinstance(listed, list):
            new_targets[name] = target
            continue
        kept = list(listed)
        for i, url in enumerate(listed):
            if not isinstance(url, str):
                continue
            key, unset = f"notify.targets.{name}.urls[{i}]", dict[str, list[str]]()
            _substitute(url, key, None, unset)
            if unset:
                deferred[(name, i)], kept[i] = url, ""
                them = "it: set it" if len(set(unset[key])) == 1 else "them: set them"
                problems.setdefault(name, []).append(
                    f"{source}: {key}: {unset_text(unset[key])} (sending alerts needs {them}, or remove the URL)"
                )
        new_targets[name] = {**target, "urls": kept} if kept != listed else target
    if not deferred:
        return data, {}, {}
    notify = {**data["notify"], "targets": new_targets}
    return {**data, "notify": notify}, deferred, {name: "\n".join(lines) for name, lines in problems.items()}


def require_read(problems: dict[str, str], targets: list[str] | None = None) -> None:
    """Raise ConfigError with the lines of `problems` ({target: why some of its URLs could not be
    read}, from `defer_target_urls`) that concern `targets` (every target by default)."""
    lines = [why for name, why in problems.items() if targets is None or name in targets]
    if lines:
        raise ConfigError("\n".join(lines))
