"""Adding, removing and renaming `[[watches]]` in the user's TOML file, keeping its comments and layout."""

from __future__ import annotations

import tomllib
from pathlib import Path

import tomlkit
from tomlkit.items import AoT, Array, Comment, InlineTable, Table

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
    data = doc.unwrap()
    parse_config(data, str(path))
    text = tomlkit.dumps(doc)
    # What is written must read back as the document it came from: tomlkit can render an edit to
    # a layout it did not parse (a table put inside an inline array) as broken or other TOML.
    try:
        same = tomllib.loads(text) == data
    except tomllib.TOMLDecodeError:
        same = False
    if not same:
        raise ConfigError(f"{path}: cannot write this change without altering the file's other keys; edit it by hand")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text, "utf-8")
    tmp.replace(path)


def add_watch(path: Path, watch: WatchConfig) -> None:
    """Append `watch` to the file's watches, set apart by one blank line before it and, when a
    table follows (`[notify]`), one after it; `watches = [...]` written inline gets an inline
    table. Raises ConfigError when the name is taken or the result would not be a valid config
    that keeps every other key."""
    doc = _load(path)
    written = tomlkit.dumps(doc)  # before an empty [[watches]] array is added, which renders as "watches = []"
    watches = doc.get("watches")
    if watches is None:
        watches = tomlkit.aot()
        doc.append("watches", watches)
    if not isinstance(watches, AoT | Array):
        raise ConfigError(f"{path}: watches: expected [[watches]] tables")
    if any(isinstance(w, dict) and name_key(str(w.get("name", ""))) == name_key(watch.name) for w in watches):
        raise ConfigError(f"{path}: watches: a watch named {watch.name!r} already exists")
    values = {"name": watch.name, "url": watch.url, **watch.model_dump(exclude_none=True, exclude_defaults=True)}
    if isinstance(watches, Array):  # a [[watches]] table inside `watches = [...]` would break the file
        item = tomlkit.inline_table()
        item.update(values)
        watches.append(item)
        _save(path, doc)
        return
    table = tomlkit.table()
    for key, value in values.items():
        # headers as `headers = { ... }`: a [watches.headers] sub-table would read as a table of its own
        table[key] = _inline(value) if isinstance(value, dict) else value
    previous = watches[-1] if len(watches) else None
    follows = previous is not None and not written.endswith(previous.as_string())  # e.g. [notify]
    # Comment lines right above the table that follows ("# the ops pager" over [notify]) are about
    # it, but tomlkit reads them as the end of the last watch: they move down with that table.
    moved = _trailing_comments(previous) if follows else []
    table.trivia.indent = _blank_line_before(previous.as_string() if previous is not None else written)
    watches.append(table)
    if follows:  # a blank line between the new watch and the table after it
        table.add(tomlkit.nl())
        for comment in moved:
            table.add(comment)
    _save(path, doc)


def _trailing_comments(table: Table | None) -> list[Comment]:
    """Remove and return the comment lines that end `table` (after its last key or blank line),
    or its last sub-table ([watches.headers]) when it ends with one."""
    if table is None:
        return []
    body = table.value.body
    if body and isinstance(body[-1][1], Table):
        return _trailing_comments(body[-1][1])
    n = 0
    while n < len(body) and body[-1 - n][0] is None and isinstance(body[-1 - n][1], Comment):
        n += 1
    if n == 0 or n == len(body):
        return []
    moved = [item for _, item in body[len(body) - n :]]
    del body[len(body) - n :]
    return moved  # type: ignore[return-value]


def _inline(value: dict[str, object]) -> InlineTable:
    out = tomlkit.inline_table()
    out.update(value)
    return out


def _blank_line_before(text: str) -> str:
    """What goes before a table written after `text` (the file, or the watch before it) so that
    one blank line sets it apart, as a person writes a config: nothing at the top of an empty file
    or after a blank line already."""
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
