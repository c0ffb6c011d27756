"""Watch names in any script with ordinary punctuation, `rename` keeping the history, `--version`,
and `list`'s version count (issue 10, item 11). Real subprocesses, a real SQLite file or the real
PostgreSQL server, a real loopback site."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from httpserver import LocalHTTPServer, Response
from policies import SECTIONS, edited, policy_html

from monitor.config import ConfigError, parse_config

HTML = {"Content-Type": "text/html; charset=utf-8"}
NAMES = ["Müller GmbH — Datenschutz", "L'Oréal, Inc.", "株式会社メルカリ プライバシー", "Яндекс: политика #2"]


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "monitor", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=240,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )


def ok(proc: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert proc.returncode == 0, (proc.returncode, proc.stdout, proc.stderr)
    return proc


@pytest.mark.parametrize("name", [*NAMES, "Acme (EU) / Terms & Privacy + Cookies", "3M", "Ελληνικά ΑΕ"])
def test_names_in_any_script_are_valid(name: str) -> None:
    config = parse_config({"watches": [{"name": name, "url": "https://a.example"}]})
    assert config.watches[0].name == name and config.watch(name.upper()) is config.watches[0]


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("Tab\there", "a tab (U+0009)"),
        ("Two\nlines", "a line break"),
        (" padded", "start or end"),
        ("-rf", "start with '-'"),
        ("— … —", "letter or digit"),
        ("", "1 to 120"),
        ("x" * 121, "1 to 120"),
        ("zero\u200bwidth", "ZERO WIDTH SPACE"),
    ],
)
def test_invalid_names_say_why(name: str, why: str) -> None:
    with pytest.raises(ConfigError, match="watches\\[0\\].name") as err:
        parse_config({"watches": [{"name": name, "url": "https://a.example"}]})
    assert why in str(err.value)


def test_names_differing_only_in_case_form_or_space_kind_are_the_same_watch() -> None:
    decomposed = unicodedata.normalize("NFD", "Müller GmbH")
    config = parse_config({"watches": [{"name": "Müller\u00a0GmbH", "url": "https://a.example"}]})
    assert config.watches[0].name == "Müller GmbH"  # NFC, a plain space
    assert config.watch(decomposed.upper()) is config.watches[0]
    with pytest.raises(ConfigError, match="duplicate watch name"):
        parse_config(
            {
                "watches": [
                    {"name": "Müller GmbH", "url": "https://a.example"},
                    {"name": decomposed.lower(), "url": "https://b.example"},
                ]
            }
        )


def _config(tmp_path: Path, db_url: str) -> Path:
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        f'# the team\'s watches\n[database]\nurl = "{db_url}"\n\n[fetch]\nallow_private_addresses = true\n'
        "\n[defaults]\nretries = 0\njitter = 0\n",
        "utf-8",
    )
    return cfg


def test_unicode_names_through_add_check_history_diff_show_and_rename(
    http_server: LocalHTTPServer, tmp_path: Path, db_url: str
) -> None:
    cfg = _config(tmp_path, db_url)
    c = ("--config", str(cfg))
    for i, name in enumerate(NAMES):
        http_server.route(f"/p{i}", Response(200, policy_html(), HTML))
        ok(cli(*c, "add", name, http_server.url(f"/p{i}"), cwd=tmp_path))
    assert all(name in cfg.read_text("utf-8") for name in NAMES)
    first = json.loads(ok(cli(*c, "check", "--json", cwd=tmp_path)).stdout)
    assert sorted(r["watch"] for r in first) == sorted(NAMES) and {r["outcome"] for r in first} == {"first"}

    muller, loreal = NAMES[0], NAMES[1]
    http_server.route("/p0", Response(200, policy_html(edited(Retention="We keep your data for 9 years.")), HTML))
    # Typed in another case (and decomposed, as macOS file names are): still the same watch.
    (changed,) = json.loads(
        ok(cli(*c, "check", "--watch", unicodedata.normalize("NFD", muller.upper()), "--json", cwd=tmp_path)).stdout
    )
    assert changed["watch"] == muller and changed["outcome"] == "changed"
    history = json.loads(ok(cli(*c, "history", muller, "--json", cwd=tmp_path)).stdout)
    assert history["watch"] == muller and [v["version"] for v in history["versions"]] == [1, 2]
    assert "9 years" in ok(cli(*c, "show", muller.lower(), cwd=tmp_path)).stdout
    diff = json.loads(ok(cli(*c, "diff", f"{muller}@1", f"{muller}@2", "--format", "json", cwd=tmp_path)).stdout)
    assert diff["substantive"] is True
    assert ok(cli(*c, "diff", "--watch", muller, "1", "2", cwd=tmp_path)).stdout
    assert loreal in ok(cli(*c, "list", cwd=tmp_path)).stdout

    # rename keeps the history and the file's comments; the old name is gone everywhere.
    text = cfg.read_text("utf-8").replace(f'name = "{muller}"', f'name = "{muller}" # our payroll vendor')
    cfg.write_text(text, "utf-8")
    new = "Müller Group — Privacy"
    out = ok(cli(*c, "rename", muller.lower(), new, cwd=tmp_path)).stdout
    assert "history" in out and new in out
    assert "kill -HUP" in out  # how a running daemon picks the new name up, as add and remove say
    after = cfg.read_text("utf-8")
    assert f'name = "{new}" # our payroll vendor' in after and "# the team's watches" in after
    assert muller not in after
    history = json.loads(ok(cli(*c, "history", new, "--json", cwd=tmp_path)).stdout)
    assert [v["version"] for v in history["versions"]] == [1, 2] and len(history["events"]) == 1
    # A check after the rename continues the same history (no fresh "first").
    (again,) = json.loads(ok(cli(*c, "check", "--watch", new, "--json", cwd=tmp_path)).stdout)
    assert again["outcome"] == "unchanged" and again["version"] == 2
    gone = cli(*c, "history", muller, cwd=tmp_path)
    assert gone.returncode == 2 and "no watch named" in gone.stderr

    # Refusals: a name taken by another watch, an invalid name, an unknown watch. Nothing changes.
    before = cfg.read_text("utf-8")
    taken = cli(*c, "rename", new, loreal.upper(), cwd=tmp_path)
    assert taken.returncode == 2 and "already exists" in taken.stderr
    bad = cli(*c, "rename", new, "bad\tname", cwd=tmp_path)
    assert bad.returncode == 2 and "not allowed" in bad.stderr
    unknown = cli(*c, "rename", "Nobody", "Somebody", cwd=tmp_path)
    assert unknown.returncode == 2 and "no watch named 'Nobody'" in unknown.stderr
    assert cfg.read_text("utf-8") == before
    for proc in (taken, bad, unknown):
        assert "Traceback" not in proc.stderr


def test_rename_refuses_a_name_whose_history_is_in_the_database(
    http_server: LocalHTTPServer, tmp_path: Path
) -> None:
    cfg = _config(tmp_path, f"sqlite:///{tmp_path}/m.db")
    c = ("--config", str(cfg))
    http_server.route("/a", Response(200, policy_html(), HTML))
    http_server.route("/b", Response(200, policy_html(edited(Retention="We keep data 2 years.")), HTML))
    ok(cli(*c, "add", "Old Vendor", http_server.url("/a"), cwd=tmp_path))
    ok(cli(*c, "add", "Current Vendor", http_server.url("/b"), cwd=tmp_path))
    ok(cli(*c, "check", cwd=tmp_path))
    ok(cli(*c, "remove", "Old Vendor", cwd=tmp_path))  # its history stays in the database
    clash = cli(*c, "rename", "Current Vendor", "old vendor", cwd=tmp_path)
    assert clash.returncode == 2 and "history" in clash.stderr and "Old Vendor" in clash.stderr
    assert "Current Vendor" in cfg.read_text("utf-8")
    # A watch not yet checked is renamed in the file alone.
    ok(cli(*c, "add", "Fresh", http_server.url("/a"), cwd=tmp_path))
    ok(cli(*c, "rename", "Fresh", "Fresh One", cwd=tmp_path))
    assert 'name = "Fresh One"' in cfg.read_text("utf-8")


def test_version_flag_and_list_counts(http_server: LocalHTTPServer, tmp_path: Path) -> None:
    from importlib.metadata import version

    out = ok(cli("--version", cwd=tmp_path)).stdout
    assert out.strip() == f"policy-monitor {version('policy-monitor')}"
    cfg = _config(tmp_path, f"sqlite:///{tmp_path}/m.db")
    c = ("--config", str(cfg))
    http_server.route("/a", Response(200, policy_html(), HTML))
    ok(cli(*c, "add", "Brindlewick", http_server.url("/a"), cwd=tmp_path))
    ok(cli(*c, "add", "Unchecked", http_server.url("/a"), cwd=tmp_path))
    ok(cli(*c, "check", "--watch", "Brindlewick", cwd=tmp_path))
    lines = ok(cli(*c, "list", cwd=tmp_path)).stdout.splitlines()
    assert "1 version " in lines[0] and " v1" not in lines[0]
    assert "0 versions" in lines[1]
    http_server.route("/a", Response(200, policy_html(edited(Retention=SECTIONS["Retention"] + " Also 7 years.")), HTML))
    ok(cli(*c, "check", "--watch", "Brindlewick", cwd=tmp_path))
    assert "2 versions" in ok(cli(*c, "list", cwd=tmp_path)).stdout.splitlines()[0]


def test_a_watch_named_twice_is_checked_once_and_names_are_read_back_as_stored(
    http_server: LocalHTTPServer, tmp_path: Path
) -> None:
    # A fresh user's finds: `check --watch dead --watch dead` checked it twice ("2 of 2 watches
    # failed ... dead, dead"), `rename X X` said "renamed", `remove dup5` echoed "dup5", not "Dup5".
    cfg = _config(tmp_path, f"sqlite:///{tmp_path}/m.db")
    c = ("--config", str(cfg))
    http_server.route("/a", Response(200, policy_html(), HTML))
    ok(cli(*c, "add", "Dup5", http_server.url("/a"), cwd=tmp_path))
    ok(cli(*c, "add", "Dead", "http://127.0.0.1:9/x", cwd=tmp_path))
    twice = cli(*c, "check", "--watch", "dead", "--watch", "Dead", "--watch", "DUP5", cwd=tmp_path)
    assert twice.returncode == 1 and twice.stdout.count("Dead: error") == 1, twice.stdout
    assert "1 of 2 watches failed or was suspect: Dead\n" in twice.stderr, twice.stderr
    as_json = json.loads(cli(*c, "check", "--json", "--watch", "dup5", "--watch", "Dup5", cwd=tmp_path).stdout)
    assert [r["watch"] for r in as_json] == ["Dup5"]

    before = cfg.read_text("utf-8")
    for typed in ("Dup5", "dup5"):
        same = ok(cli(*c, "rename", typed, "Dup5", cwd=tmp_path)).stdout
        assert "nothing changed" in same and "renamed" not in same, same
    assert cfg.read_text("utf-8") == before
    assert json.loads(ok(cli(*c, "history", "Dup5", "--json", cwd=tmp_path)).stdout)["watch"] == "Dup5"

    removed = ok(cli(*c, "remove", "dup5", cwd=tmp_path)).stdout
    assert removed.startswith("removed 'Dup5' from "), removed
