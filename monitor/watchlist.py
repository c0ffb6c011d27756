"""Adding and removing `[[watches]]` in the user's TOML file, keeping its comments and layout."""

from __future__ import annotations

from pathlib import Path

import tomlkit
from tomlkit.items import AoT

from monitor.config import ConfigError, WatchConfig, parse_config


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
    watches = doc.get("watches")
    if watches is None:
        watches = tomlkit.aot()
        doc.append("watches", watches)
    if not isinstance(watches, AoT | list):
        raise ConfigError(f"{path}: watches: expected [[watches]] tables")
    if any(str(w.get("name", "")).lower() == watch.name.lower() for w in watches):
        raise ConfigError(f"{path}: watches: a watch named {watch.name!r} already exists")
    table = tomlkit.table()
    for key, value in watch.model_dump(exclude_none=True, exclude_defaults=True).items():
        table[key] = value
    table["name"], table["url"] = watch.name, watch.url
    watches.append(table)
    _save(path, doc)


def remove_watch(path: Path, name: str) -> bool:
    doc = _load(path)
    watches = doc.get("watches") or []
    keep = [w for w in watches if str(w.get("name", "")).lower() != name.lower()]
    if len(keep) == len(watches):
        return False
    if keep:
        aot = tomlkit.aot()
        for w in keep:
            aot.append(w)
        doc["watches"] = aot
    else:
        del doc["watches"]
    _save(path, doc)
    return True
