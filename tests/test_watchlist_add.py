"""`policy-monitor add` writes a well-formed config: the new [[watches]] table set apart by a blank
line on each side, never inside another table or an inline array, every other key kept."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from monitor.cli import main
from monitor.config import ConfigError, WatchConfig
from monitor.watchlist import add_watch

NOTIFY = '[notify]\nops_target = "ops"\n[notify.targets.ops]\nurls = ["json://localhost/pager"]\n'


def _add(path: Path, watch: WatchConfig) -> dict:
    before = tomllib.loads(path.read_text("utf-8"))
    add_watch(path, watch)
    after = tomllib.loads(path.read_text("utf-8"))
    assert {k: v for k, v in after.items() if k != "watches"} == {k: v for k, v in before.items() if k != "watches"}
    assert after["watches"][:-1] == before.get("watches", [])
    return after["watches"][-1]


def test_a_watch_added_before_a_notify_table_is_set_apart_by_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[[watches]]\nname = "Pebblecrest"\nurl = "https://pebble.example/privacy"\n' + NOTIFY, "utf-8")
    new = _add(path, WatchConfig(name="Marlowe", url="https://marlowe.example/privacy", tags=["eu"]))
    assert new == {"name": "Marlowe", "url": "https://marlowe.example/privacy", "tags": ["eu"]}
    assert path.read_text("utf-8") == (
        '[[watches]]\nname = "Pebblecrest"\nurl = "https://pebble.example/privacy"\n'
        '\n[[watches]]\nname = "Marlowe"\nurl = "https://marlowe.example/privacy"\ntags = ["eu"]\n\n' + NOTIFY
    )


def test_headers_are_written_inline_and_a_comment_above_the_next_table_stays_with_it(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        '[[watches]]\nname = "Pebblecrest"\nurl = "https://pebble.example/privacy"\n'
        '[watches.headers]\nAccept-Language = "en"\n\n# where alerts for the night shift go\n' + NOTIFY,
        "utf-8",
    )
    new = _add(path, WatchConfig(name="Marlowe", url="https://marlowe.example/p", headers={"X-Probe": "1"}))
    assert new["headers"] == {"X-Probe": "1"}
    text = path.read_text("utf-8")
    assert '\n\n[[watches]]\nname = "Marlowe"\nurl = "https://marlowe.example/p"\nheaders = {X-Probe = "1"}\n\n' in text
    assert text.endswith("\n# where alerts for the night shift go\n" + NOTIFY)


def test_a_watch_added_to_an_inline_watches_array_keeps_the_file_valid(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('watches = [{name = "Pebblecrest", url = "https://pebble.example/privacy"}]\n' + NOTIFY, "utf-8")
    new = _add(path, WatchConfig(name="Marlowe", url="https://marlowe.example/privacy", headers={"X-Probe": "1"}))
    assert new == {"name": "Marlowe", "url": "https://marlowe.example/privacy", "headers": {"X-Probe": "1"}}


def test_add_on_the_command_line_writes_a_readable_table_before_notify(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[database]\nurl = "sqlite:///./m.db"\n\n[[watches]]\nname = "Pebblecrest"\n'
                    'url = "https://pebble.example/privacy"\n' + NOTIFY, "utf-8")  # fmt: skip
    assert main(["--config", str(path), "add", "Marlowe", "https://marlowe.example/privacy"]) == 0
    text = path.read_text("utf-8")
    assert '\n\n[[watches]]\nname = "Marlowe"\nurl = "https://marlowe.example/privacy"\n\n[notify]\n' in text
    data = tomllib.loads(text)
    assert data["database"] == {"url": "sqlite:///./m.db"} and data["notify"]["ops_target"] == "ops"
    assert [w["name"] for w in data["watches"]] == ["Pebblecrest", "Marlowe"]


def test_a_write_that_would_not_read_back_the_same_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import tomlkit

    path = tmp_path / "config.toml"
    original = '[[watches]]\nname = "Pebblecrest"\nurl = "https://pebble.example/privacy"\n'
    path.write_text(original, "utf-8")
    monkeypatch.setattr(tomlkit, "dumps", lambda doc: 'watches = [{name = "Pebblecrest", url = ]\n')
    with pytest.raises(ConfigError, match="edit it by hand"):
        add_watch(path, WatchConfig(name="Marlowe", url="https://marlowe.example/privacy"))
    assert path.read_text("utf-8") == original
