"""Adding, removing and renaming `[[watches]]` in the user's TOML file, keeping its comments and layout."""

from __future__ import annotations

from pathlib import Path

import tomlkit
from tomlkit.items import AoT

from monitor.config import ConfigError, WatchConfig, check_watch_name, name_key, parse_config


def _load(path: Path) -> tomlkit.TOMLDocument:
    if not path.exists():
        return tomlkit.document()
    try:
        return tomlkit.parse(path.read_text("utf-8"))
    except Exception as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None


def _save(path: Path, doc: tomlkit.TOMLDocument) -> None:
    # Validate the whole result before writing, so a bad `add` never leaves a broken config behind.
    parse_config(doc.unwrap(), str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(tomlkit.dumps(doc), "utf-8")
    tmp.replace(path)


def add_watch(path: Path, watch: WatchConfig) -> None:
    doc = _load(path)
    written = tomlkit.dumps(doc)  # before an empty [[watches]] array is added, which renders as "watches = []"
    watches = doc.get("watches")
    if watches is None:
        watches = tomlkit.aot()
        doc.append("watches", watches)
    if not isinstance(watches, AoT | list):
        raise ConfigError(f"{path}: watches: expected [[watches]] tables")
    if any(name_key(str(w.get("name", ""))) == name_key(watch.name) for w in watches):
        raise ConfigError(f"{path}: watches: a watch named {watch.name!r} already exists")
    table = tomlkit.table()
    for key, value in watch.model_dump(exclude_none=True, exclude_defaults=True).items():
        table[key] = value
    table["name"], table["url"] = watch.name, watch.url
    table.trivia.indent = _blank_line_before(written)
    watches.append(table)
    _save(path, doc)


def _blank_line_before(text: str) -> str:
    """What goes before a table appended to `text` so that one blank line sets it apart, as a
    person writes a config: nothing at the top of an empty file or after a blank line already."""
    if not text.strip() or text.endswith("\n\n"):
        return ""
    return "\n"  # tomlkit ends a last line that has no line break itself


def remove_watch(path: Path, name: str) -> str | None:
    """Remove the watch `name` (any case or Unicode form) from the file. Returns its name as
    written there (what the user should read back), or None when the file has no such watch."""
    doc = _load(path)
    watches = doc.get("watches") or []
    keep = [w for w in watches if name_key(str(w.get("name", ""))) != name_key(name)]
    if len(keep) == len(watches):
        return None
    removed = next(str(w.get("name")) for w in watches if name_key(str(w.get("name", ""))) == name_key(name))
    if keep:
        aot = tomlkit.aot()
        for w in keep:
            aot.append(w)
        doc["watches"] = aot
    else:
        del doc["watches"]
    _save(path, doc)
    return removed


def rename_watch(path: Path, old: str, new: str) -> str | None:
    """Rename the watch `old` (any case or Unicode form) to `new` in the file, keeping comments and
    layout (a comment after the name stays). Returns the old name as written, or None when the file
    has no such watch. Raises ConfigError when `new` is not a valid name or another watch has it;
    the file is only written when the whole result is a valid config."""
    try:
        new = check_watch_name(new)
    except ValueError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    doc = _load(path)
    watches = doc.get("watches") or []
    found = next((w for w in watches if name_key(str(w.get("name", ""))) == name_key(old)), None)
    if found is None:
        return None
    clash = next((w for w in watches if w is not found and name_key(str(w.get("name", ""))) == name_key(new)), None)
    if clash is not None:
        raise ConfigError(f"{path}: watches: a watch named {str(clash.get('name'))!r} already exists")
    before = str(found["name"])
    item = tomlkit.string(new)
    try:
        item.trivia.comment_ws = found.item("name").trivia.comment_ws
        item.trivia.comment = found.item("name").trivia.comment
    except (AttributeError, KeyError):  # an inline table keeps no per-value comment
        pass
    found["name"] = item
    _save(path, doc)
    return before
