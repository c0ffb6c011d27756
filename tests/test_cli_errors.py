"""Errors people can act on (issue 10, items 6-9): a database that cannot be opened or written,
`check`'s exit codes, config values never echoed with a secret in them, and notification URLs
apprise cannot use. The CLI runs as a subprocess on real SQLite files (on a real read-only and a
real full filesystem where the machine allows mounting one), a real PostgreSQL server and a real
HTTP server on 127.0.0.1."""

from __future__ import annotations

import json
import os
import random
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from httpserver import LocalHTTPServer, Response
from policies import SECTIONS, edited, policy_html

from monitor.config import ConfigError, load_config

HTML = {"Content-Type": "text/html; charset=utf-8"}
PASSWORD = "pw-Sup3rS3cret"


def cli(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "monitor", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=240,
        env={**os.environ, **(env or {})},
    )


def assert_clean_failure(proc: subprocess.CompletedProcess[str], code: int, *needles: str) -> None:
    """Exit `code`, one or two lines on stderr naming what is wrong, no traceback, no secret."""
    assert proc.returncode == code, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout
    assert PASSWORD not in proc.stderr and PASSWORD not in proc.stdout
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert 1 <= len(lines) <= 2, proc.stderr
    for needle in needles:
        assert needle in proc.stderr, (needle, proc.stderr)


def write_config(tmp_path: Path, db_url: str, server: LocalHTTPServer | None = None, extra: str = "") -> Path:
    watch = f'[[watches]]\nname = "Brindlewick"\nurl = "{server.url("/privacy")}"\n' if server else ""
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        f'[database]\nurl = "{db_url}"\n[fetch]\nallow_private_addresses = true\n'
        f"[defaults]\nretries = 0\njitter = 0\ntimeout = 5\n{watch}{extra}",
        "utf-8",
    )
    return cfg


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- item 6: a database that cannot be opened --------------------------------------------------

COMMANDS = [
    ("list",),
    ("check",),
    ("history", "Brindlewick"),
    ("show", "Brindlewick"),
    ("accept", "Brindlewick"),
    ("rename", "Brindlewick", "Brindlewick Ltd"),
    ("notify", "pending"),
    ("notify", "flush"),
    ("db", "upgrade"),
    ("db", "current"),
]


@pytest.mark.parametrize(
    ("url", "cause"),
    [
        ("foo://db.example/monitor", "unsupported scheme 'foo'"),
        ("not a database url", "not a database URL"),
        (f"postgresql://monitor:{PASSWORD}@127.0.0.1:{closed_port()}/monitor", "Connection refused"),
        ("sqlite:////proc/policy-monitor/m.db", "/proc/policy-monitor"),
        # A fresh user's finds: other databases ended in 'internal error', and these two quietly
        # used a database other than the one meant (the server's default one, or memory).
        (f"mysql://monitor:{PASSWORD}@127.0.0.1/monitor", "unsupported scheme 'mysql'"),
        (f"postgresql+asyncpg://monitor:{PASSWORD}@127.0.0.1/monitor", "unsupported driver"),
        (f"postgresql://monitor:{PASSWORD}@127.0.0.1:5432/", "name the database"),
        ("sqlite://", "in-memory SQLite database keeps nothing"),
    ],
)
def test_database_that_cannot_be_opened_fails_every_command_in_two_lines(
    http_server: LocalHTTPServer, tmp_path: Path, url: str, cause: str
) -> None:
    cfg = write_config(tmp_path, url, http_server)
    for command in COMMANDS:
        proc = cli("--config", str(cfg), *command, cwd=tmp_path)
        assert_clean_failure(proc, 3, "database", cause)
        if "127.0.0.1" in url:
            assert "monitor:***@127.0.0.1" in proc.stderr  # named, password masked
    # The same from --database, which overrides the file.
    proc = cli("--database", url, "list", cwd=tmp_path)
    assert_clean_failure(proc, 3, cause)


def test_traceback_of_a_database_failure_is_logged_at_debug_level_only(tmp_path: Path) -> None:
    url = f"postgresql://monitor:{PASSWORD}@127.0.0.1:{closed_port()}/monitor"
    proc = cli("--database", url, "--log-level", "debug", "list", cwd=tmp_path)
    assert proc.returncode == 3 and "Traceback" in proc.stderr and PASSWORD not in proc.stderr


@pytest.mark.postgres
def test_postgres_database_that_does_not_exist(postgres_url: str, tmp_path: Path) -> None:
    from sqlalchemy.engine import make_url

    url = make_url(postgres_url).set(database="pm_no_such_database", password=PASSWORD)
    shown = url.render_as_string(hide_password=False)
    for command in (("list",), ("db", "upgrade"), ("notify", "pending")):
        proc = cli("--database", shown, *command, cwd=tmp_path)
        assert_clean_failure(proc, 3, "pm_no_such_database", "does not exist")


def _mount_tmpfs(path: Path, size: str) -> None:
    if os.geteuid() != 0:
        pytest.skip("mounting a small filesystem needs root")
    path.mkdir()
    proc = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True, text=True
    )
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {proc.stderr.strip()}")


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 600 KiB filesystem (tmpfs), unmounted after the test."""
    disk = tmp_path / "disk"
    _mount_tmpfs(disk, "600k")
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], capture_output=True)


def test_read_only_database_fails_check_with_exit_3(
    http_server: LocalHTTPServer, tmp_path: Path, small_disk: Path
) -> None:
    http_server.route("/privacy", Response(200, policy_html(), HTML))
    cfg = write_config(tmp_path, f"sqlite:///{small_disk}/m.db", http_server)
    assert cli("--config", str(cfg), "check", cwd=tmp_path).returncode == 0
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    for command in (("check",), ("check", "--json"), ("list",), ("db", "upgrade"), ("rename", "Brindlewick", "B2")):
        proc = cli("--config", str(cfg), *command, cwd=tmp_path)
        assert_clean_failure(proc, 3, f"database sqlite:///{small_disk}/m.db")
        assert "success" not in proc.stdout.lower()
    assert "Brindlewick" in cfg.read_text()  # the failed rename left the config as it was


def _fill(disk: Path, leave: int) -> None:
    """Fill the filesystem, then free `leave` bytes again."""
    filler = disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        while os.write(fd, b"\1" * 4096):
            pass
    except OSError:
        pass  # full
    finally:
        os.close(fd)
    if leave:
        with open(filler, "r+b") as f:
            f.truncate(max(filler.stat().st_size - leave, 0))


def _long_policy(seed: int) -> str:
    words = " ".join(SECTIONS.values()).split()
    rng = random.Random(seed)
    sentences = [" ".join(rng.choice(words) for _ in range(14)).capitalize() + "." for _ in range(2500)]
    return policy_html(edited(Retention=SECTIONS["Retention"] + " " + " ".join(sentences)))


@pytest.mark.parametrize("leave", [0, 64 * 1024], ids=["full", "nearly-full"])
def test_full_disk_makes_check_fail_with_exit_3_and_loses_nothing(
    http_server: LocalHTTPServer, tmp_path: Path, small_disk: Path, leave: int
) -> None:
    http_server.route("/privacy", Response(200, policy_html(), HTML))
    cfg = write_config(tmp_path, f"sqlite:///{small_disk}/m.db", http_server)
    c = ("--config", str(cfg))
    assert cli(*c, "check", cwd=tmp_path).returncode == 0
    _fill(small_disk, leave)
    http_server.route("/privacy", Response(200, _long_policy(1), HTML))
    for args in (("check",), ("check", "--json")):
        proc = cli(*c, *args, cwd=tmp_path)
        assert_clean_failure(proc, 3, f"database sqlite:///{small_disk}/m.db", "full")
        if "--json" in args and proc.stdout.strip():
            (result,) = json.loads(proc.stdout)  # the result is printed before the exit code says why
            assert result["outcome"] == "error" and result["detail"].startswith("database error")
    # Space again: the change is found and stored as usual; nothing half-written in between.
    (small_disk / "filler").unlink()
    proc = cli(*c, "check", "--json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)[0]["outcome"] == "changed"
    history = json.loads(cli(*c, "history", "Brindlewick", "--json", cwd=tmp_path).stdout)
    assert [v["version"] for v in history["versions"]] == [1, 2] and len(history["events"]) == 1


# -- item 7: check's exit code -----------------------------------------------------------------


def test_check_exit_codes_and_json_keeps_every_result(http_server: LocalHTTPServer, tmp_path: Path) -> None:
    http_server.route("/privacy", Response(200, policy_html(), HTML))
    http_server.route("/gone", Response(404, "not here", HTML))
    extra = f'[[watches]]\nname = "Gone"\nurl = "{http_server.url("/gone")}"\n'
    cfg = write_config(tmp_path, f"sqlite:///{tmp_path}/m.db", http_server, extra)
    c = ("--config", str(cfg))
    proc = cli(*c, "check", "--json", "--strict", cwd=tmp_path)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    results = {r["watch"]: r["outcome"] for r in json.loads(proc.stdout)}
    assert results["Brindlewick"] == "first" and results["Gone"] in ("error", "suspect")
    assert "Gone" in proc.stderr
    text = cli(*c, "check", cwd=tmp_path)
    assert text.returncode == 1 and "Brindlewick: unchanged" in text.stdout and "Gone:" in text.stdout
    # Plain --json: every outcome is in the output, the exit code 0 (stderr still names the failure).
    proc = cli(*c, "check", "--json", cwd=tmp_path)
    assert proc.returncode == 0 and "Gone" in proc.stderr
    assert {r["watch"]: r["outcome"] for r in json.loads(proc.stdout)}["Gone"] in ("error", "suspect")
    # Only the healthy watch: 0; a change is not a failure.
    assert cli(*c, "check", "--watch", "Brindlewick", cwd=tmp_path).returncode == 0
    http_server.route("/privacy", Response(200, policy_html(edited(Retention="We keep data 9 years.")), HTML))
    assert cli(*c, "check", "--watch", "brindlewick", cwd=tmp_path).returncode == 0
    # A suspect capture (an empty page) fails the command too.
    http_server.route("/privacy", Response(200, "<html><body></body></html>", HTML))
    proc = cli(*c, "check", "--watch", "Brindlewick", "--json", "--strict", cwd=tmp_path)
    assert proc.returncode == 1 and json.loads(proc.stdout)[0]["outcome"] == "suspect"
    assert cli(*c, "check", "--watch", "Brindlewick", cwd=tmp_path).returncode == 1
    # The codes are in --help.
    helptext = cli("--help", cwd=tmp_path).stdout + cli("check", "--help", cwd=tmp_path).stdout
    for code in ("0 ", "1 ", "2 ", "3 "):
        assert f"  {code}" in helptext
    assert "database" in helptext
    # A usage error is 2.
    assert cli(*c, "check", "--watch", "Nobody", cwd=tmp_path).returncode == 2


# -- item 8: no secret in a config error -------------------------------------------------------


@pytest.mark.parametrize(
    ("toml", "shown"),
    [
        ('[[watches]]\nname = "A"\nurl = "ftp://user:${SECRET}@files.example/x"\n', "${SECRET}"),
        ('[[watches]]\nname = "A"\nurl = "https://a.example"\ninterval = "${SECRET}"\n', "${SECRET}"),
        ('[[watches]]\nname = "A"\nurl = "https://a.example"\nselect = ["${SECRET} >"]\n', "${SECRET}"),
        ('[[watches]]\nname = "A\\t${SECRET}"\nurl = "https://a.example"\n', "${SECRET}"),
        ('[defaults]\nuser_agent = "x"\ninterval = "${SECRET}"\n', "${SECRET}"),
        ('[database]\nurl = "${SECRET}"\nrecent_versions = 0\n', "recent_versions"),
        ('[notify.targets.mail]\nurls = ["mailtoo://me:${SECRET}@smtp.example"]\n', "notify.targets.mail"),
        ('[notify.targets.slack]\nurls = ["slack://${SECRET}"]\n', "notify.targets.slack"),
        ('[notify.targets.x]\nurls = ["json://${SECRET}:notaport/x"]\n', "notify.targets.x"),
    ],
)
def test_config_errors_show_values_as_written_never_the_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, toml: str, shown: str
) -> None:
    secret = "S3cr3tValue42"
    monkeypatch.setenv("SECRET", secret)
    cfg = tmp_path / "config.toml"
    cfg.write_text(toml, "utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(cfg)
    message = str(err.value)
    assert secret not in message and shown in message and str(cfg) in message
    proc = cli("--config", str(cfg), "list", cwd=tmp_path, env={"SECRET": secret})
    assert_clean_failure(proc, 2, shown)
    assert secret not in proc.stderr


# -- item 9: notification URLs apprise cannot use ----------------------------------------------


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("foo://bar", "Unparseable URL"),
        ("mailto://", "Could not load"),
        ("json://", "Unparseable"),
        ("tgram://abc", "Unparseable"),
        ("https://", "Unparseable"),
    ],
)
def test_notification_url_apprise_cannot_use_is_a_config_error_at_load(
    tmp_path: Path, url: str, why: str
) -> None:
    cfg = write_config(
        tmp_path,
        f"sqlite:///{tmp_path}/m.db",
        extra=f'[notify.targets.legal]\nurls = ["json://127.0.0.1:9/ok", "{url}"]\n',
    )
    for command in (("list",), ("check",), ("notify", "test", "legal"), ("notify", "flush")):
        proc = cli("--config", str(cfg), *command, cwd=tmp_path)
        assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
        assert str(cfg) in proc.stderr and "notify.targets.legal.urls[1]" in proc.stderr
        assert why in proc.stderr and "FAILED" not in proc.stdout
    assert not (tmp_path / "m.db").exists()  # refused before anything was opened


def test_notification_url_from_environment_is_checked_once_substituted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text('[notify.targets.hook]\nurls = ["${HOOK_URL}"]\n', "utf-8")
    with pytest.raises(ConfigError, match=r"\$\{HOOK_URL\} is not set"):
        load_config(cfg).require_targets()  # only commands that send alerts need it
    monkeypatch.setenv("HOOK_URL", "json://127.0.0.1:9/hook")
    assert load_config(cfg).notify.targets["hook"].urls == ["json://127.0.0.1:9/hook"]
    monkeypatch.setenv("HOOK_URL", "jsno://127.0.0.1:9/t0kenValue99")
    with pytest.raises(ConfigError) as err:
        load_config(cfg)
    assert "${HOOK_URL}" in str(err.value) and "t0kenValue99" not in str(err.value)


def test_valid_target_urls_load_quietly(tmp_path: Path) -> None:
    cfg = write_config(
        tmp_path,
        f"sqlite:///{tmp_path}/m.db",
        extra='[notify.targets.mail]\nurls = ["mailto://me:pw@smtp.example?to=legal@example.com"]\n'
        '[notify.targets.chat]\nurls = ["slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ/#legal"]\n',
    )
    assert cli("--config", str(cfg), "db", "upgrade", cwd=tmp_path).returncode == 0  # `list` makes no database
    proc = cli("--config", str(cfg), "list", cwd=tmp_path)
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr


def test_urls_with_secrets_from_the_environment_are_listed_as_written(
    http_server: LocalHTTPServer, tmp_path: Path
) -> None:
    secret = "k3yFromTheEnv77"
    http_server.route("/privacy", Response(200, policy_html(), HTML))
    http_server.route("/gone", Response(404, "no", HTML))
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        f'[database]\nurl = "sqlite:///{tmp_path}/m.db"\n[fetch]\nallow_private_addresses = true\n'
        "[defaults]\nretries = 0\n"
        f'[[watches]]\nname = "Keyed"\nurl = "{http_server.url("/privacy")}?key=${{API_KEY}}"\n'
        f'[[watches]]\nname = "Gone"\nurl = "{http_server.url("/gone")}?key=${{API_KEY}}"\n',
        "utf-8",
    )
    env = {"API_KEY": secret}
    c = ("--config", str(cfg))
    outputs = [
        cli(*c, "check", "--json", cwd=tmp_path, env=env),
        cli(*c, "check", cwd=tmp_path, env=env),
        cli(*c, "list", cwd=tmp_path, env=env),
        cli(*c, "list", "--json", cwd=tmp_path, env=env),
        cli(*c, "history", "Keyed", cwd=tmp_path, env=env),
        cli(*c, "history", "Gone", "--json", cwd=tmp_path, env=env),
    ]
    assert all(p.returncode in (0, 1) for p in outputs), [p.stderr for p in outputs]
    assert any("?key=${API_KEY}" in p.stdout for p in outputs)
    for p in outputs:
        assert secret not in p.stdout and secret not in p.stderr
    # The watch was really fetched with the key.
    assert any(secret in r.path for r in http_server.requests)


# -- version numbers out of range, an output path that cannot be written --------------------------

HUGE = "99999999999999999999999"  # beyond SQLite's 64-bit INTEGER


def test_a_version_number_out_of_range_is_no_such_version(http_server: LocalHTTPServer, tmp_path: Path) -> None:
    http_server.route("/privacy", Response(200, policy_html(), HTML))
    cfg = write_config(tmp_path, f"sqlite:///{tmp_path}/m.db", http_server)
    c = ("--config", str(cfg))
    assert cli(*c, "check", cwd=tmp_path).returncode == 0
    assert_clean_failure(cli(*c, "show", "Brindlewick", HUGE, cwd=tmp_path), 2, f"no version {HUGE}")
    assert_clean_failure(
        cli(*c, "diff", "Brindlewick@1", f"Brindlewick@{HUGE}", cwd=tmp_path), 2, f"no version {HUGE}"
    )
    assert_clean_failure(cli(*c, "diff", "--watch", "Brindlewick", HUGE, "1", cwd=tmp_path), 2, "no version")
    assert cli(*c, "show", "Brindlewick", "1", cwd=tmp_path).returncode == 0  # the control


def test_diff_output_into_a_missing_directory_names_the_path(http_server: LocalHTTPServer, tmp_path: Path) -> None:
    http_server.route("/privacy", Response(200, policy_html(), HTML))
    cfg = write_config(tmp_path, f"sqlite:///{tmp_path}/m.db", http_server)
    c = ("--config", str(cfg))
    assert cli(*c, "check", cwd=tmp_path).returncode == 0
    target = tmp_path / "nonexistent" / "dir" / "r.html"
    args = (*c, "diff", "Brindlewick@1", "Brindlewick@1", "--format", "html", "-o")
    assert_clean_failure(cli(*args, str(target), cwd=tmp_path), 2, str(target))
    assert not target.parent.exists()  # nothing created behind the user's back
    ok = tmp_path / "r.html"
    assert cli(*args, str(ok), cwd=tmp_path).returncode == 0 and "<html" in ok.read_text("utf-8")


# -- [web] token from an unset variable only matters when serving -----------------------------------

TOKEN_VAR = "PM_WEB_TOKEN_FOR_TESTS"


def test_an_unset_web_token_variable_stops_only_serving(http_server: LocalHTTPServer, tmp_path: Path) -> None:
    http_server.route("/privacy", Response(200, policy_html(), HTML))
    extra = f'[web]\ntoken = "${{{TOKEN_VAR}}}"\n'
    cfg = write_config(tmp_path, f"sqlite:///{tmp_path}/m.db", http_server, extra)
    c = ("--config", str(cfg))
    unset = {k: v for k, v in os.environ.items() if k != TOKEN_VAR}  # cli() would merge os.environ
    run = lambda *a: subprocess.run(  # noqa: E731
        [sys.executable, "-m", "monitor", *c, *a], cwd=tmp_path, capture_output=True, text=True, timeout=120, env=unset
    )
    checked = run("check")
    assert checked.returncode == 0, checked.stderr
    assert run("list").returncode == 0 and run("show", "Brindlewick").returncode == 0
    port = str(closed_port())
    assert_clean_failure(run("serve", "--listen", f"127.0.0.1:{port}"), 2, "web.token", TOKEN_VAR)
    listen_cfg = write_config(tmp_path, f"sqlite:///{tmp_path}/m.db", http_server, extra + f'listen = "127.0.0.1:{port}"\n')
    assert_clean_failure(
        subprocess.run(
            [sys.executable, "-m", "monitor", "--config", str(listen_cfg), "run"],
            cwd=tmp_path, capture_output=True, text=True, timeout=120, env=unset,
        ),
        2,
        "web.token",
        TOKEN_VAR,
    )


def test_diff_of_a_directory_says_it_is_a_directory(tmp_path: Path) -> None:
    (tmp_path / "policy.md").write_text("# Privacy\n\nWe collect your name and e-mail address.\n", "utf-8")
    for name in ("adir", "dir.md"):
        (tmp_path / name).mkdir()
        proc = cli("diff", str(tmp_path / name), str(tmp_path / "policy.md"), cwd=tmp_path)
        assert_clean_failure(proc, 2, "is a directory")


def test_without_a_config_file_the_missing_default_is_named(tmp_path: Path) -> None:
    env = {"MONITOR_CONFIG": "", "MONITOR_DATABASE_URL": f"sqlite:///{tmp_path}/m.db"}
    proc = cli("check", cwd=tmp_path, env=env)
    assert_clean_failure(proc, 2, "./config.toml does not exist", "config.example.toml")
    # Nor a database: `list` says both, and creates neither the file nor its directory.
    listed = cli("list", cwd=tmp_path, env=env)
    assert_clean_failure(listed, 3, "./config.toml does not exist", f"no database file at {tmp_path}/m.db")
    assert not (tmp_path / "m.db").exists()


def test_read_only_commands_create_no_database(http_server: LocalHTTPServer, tmp_path: Path) -> None:
    # A fresh user's finds: `cd /tmp && policy-monitor list` left /tmp/data/monitor.db behind, and
    # `--database sqlite:////nonexistent/dir/x.db list` made the directories and an empty database.
    http_server.route("/privacy", Response(200, policy_html(), HTML))
    missing = tmp_path / "nowhere" / "deeper" / "x.db"
    cfg = write_config(tmp_path, f"sqlite:///{missing}", http_server)
    c = ("--config", str(cfg))
    for args in (("list",), ("list", "--json"), ("history", "Brindlewick"), ("show", "Brindlewick"),
                 ("diff", "Brindlewick@1", "Brindlewick@2"), ("accept", "Brindlewick"), ("db", "current"),
                 ("db", "downgrade"), ("notify", "pending"), ("serve", "--listen", f"127.0.0.1:{closed_port()}")):  # fmt: skip
        proc = cli(*c, *args, cwd=tmp_path)
        assert_clean_failure(proc, 3, f"no database file at {missing}", "`policy-monitor check`")
        assert not (tmp_path / "nowhere").exists(), args
    proc = cli("--database", f"sqlite:///{tmp_path}/rel/x.db", "list", cwd=tmp_path)  # the default's shape
    assert_clean_failure(proc, 3, f"no database file at {tmp_path}/rel/x.db")
    assert not (tmp_path / "rel").exists()
    # The commands that make one still do.
    assert cli(*c, "check", cwd=tmp_path).returncode == 0 and missing.exists()
    for args in (("list",), ("history", "Brindlewick"), ("db", "current"), ("notify", "pending")):
        assert cli(*c, *args, cwd=tmp_path).returncode == 0, args
    upgraded = tmp_path / "up" / "y.db"
    assert cli("--database", f"sqlite:///{upgraded}", "db", "upgrade", cwd=tmp_path).returncode == 0
    assert upgraded.exists()


def test_list_names_watches_the_database_keeps_but_the_config_no_longer_has(
    http_server: LocalHTTPServer, tmp_path: Path
) -> None:
    http_server.route("/privacy", Response(200, policy_html(), HTML))
    db = f"sqlite:///{tmp_path}/m.db"
    write_config(tmp_path, db, http_server)
    assert cli("check", cwd=tmp_path).returncode == 0
    write_config(tmp_path, db)  # the watch is taken out of the config; its history stays
    proc = cli("list", cwd=tmp_path)
    assert proc.returncode == 0, proc
    assert "1 watch in the database but not in the config" in proc.stdout and "Brindlewick" in proc.stdout


def test_history_limit_must_be_a_positive_number(tmp_path: Path) -> None:
    for bad in ("-5", "0", "ten"):
        proc = cli("history", "Brindlewick", "--limit", bad, cwd=tmp_path)
        assert proc.returncode == 2 and "--limit" in proc.stderr and "Traceback" not in proc.stderr, proc


def test_a_database_path_under_a_file_says_the_file_is_in_the_way(tmp_path: Path) -> None:
    (tmp_path / "data").write_text("not a directory", "utf-8")
    proc = cli("--database", f"sqlite:///{tmp_path}/data/m.db", "list", cwd=tmp_path)
    assert_clean_failure(proc, 3, f"{tmp_path}/data", "is a file, not a directory")
    assert "File exists" not in proc.stderr


def test_a_database_url_naming_a_directory_says_so_and_what_to_give(tmp_path: Path) -> None:
    # A fresh user's find: `sqlite:////root` said "its directory is missing or not writable".
    (tmp_path / "data").mkdir()
    for url, path in ((f"sqlite:///{tmp_path}/data", f"{tmp_path}/data"), (f"sqlite:///{tmp_path}/new/", f"{tmp_path}/new/")):
        cfg = write_config(tmp_path, url, None, '[[watches]]\nname = "A"\nurl = "http://127.0.0.1:9/p"\n')
        for args in (("list",), ("db", "upgrade"), ("check",)):
            proc = cli("--config", str(cfg), *args, cwd=tmp_path)
            assert_clean_failure(
                proc, 3, f"database {url}: {path} is a directory, not a database file "
                f"(give a file in it, e.g. sqlite:///{path.rstrip('/')}/monitor.db)",
            )  # fmt: skip
    assert not (tmp_path / "new").exists() and not list((tmp_path / "data").iterdir())  # nothing made


def test_a_sqlite_file_of_another_application_is_left_alone(tmp_path: Path) -> None:
    """A fresh user pointed `serve` at a SQLite file of their own: it gained this tool's tables.
    Every command that would migrate it refuses, names the file and its tables, and changes nothing."""
    import sqlite3

    path = tmp_path / "theirs.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
    url = f"sqlite:///{path}"
    cfg = write_config(tmp_path, url, None, '[[watches]]\nname = "A"\nurl = "http://127.0.0.1:9/p"\n')
    for args in (("list",), ("db", "upgrade"), ("check",), ("serve", "--listen", "127.0.0.1:0")):
        proc = cli("--config", str(cfg), *args, cwd=tmp_path)
        assert_clean_failure(
            proc, 3, f"database {url}: the file holds another application's tables (invoices) and no "
            "policy-monitor schema",
        )  # fmt: skip
    with sqlite3.connect(path) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert tables == {"invoices"}


def test_read_only_commands_need_no_notification_variables(http_server: LocalHTTPServer, tmp_path: Path) -> None:
    # A fresh user's find: with config.example.toml, `history` and `db current` failed for want of
    # ${SLACK_TOKEN_A}. Only the commands that send alerts need the variables of target URLs.
    http_server.route("/privacy", Response(200, policy_html(), HTML))
    hook = "HOOK_PATH_FOR_THIS_TEST"
    extra = f'[notify.targets.legal]\nurls = ["json://127.0.0.1:{closed_port()}/${{{hook}}}"]\n'
    cfg = write_config(tmp_path, f"sqlite:///{tmp_path}/m.db", http_server, extra)
    assert cli("--config", str(cfg), "check", cwd=tmp_path, env={hook: "h"}).returncode == 0
    unset = {k: v for k, v in os.environ.items() if k != hook}  # cli() would merge os.environ

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "monitor", "--config", str(cfg), *args],
            cwd=tmp_path, capture_output=True, text=True, timeout=120, env=unset,
        )  # fmt: skip

    for args in (("list",), ("history", "brindlewick"), ("show", "Brindlewick"), ("db", "current"),
                 ("notify", "pending"), ("diff", "--watch", "Brindlewick", "1", "1")):  # fmt: skip
        proc = run(*args)
        assert proc.returncode == 0 and not proc.stderr, (args, proc.stderr)
    for args in (("check",), ("accept", "Brindlewick"), ("notify", "flush"), ("notify", "test", "legal"), ("run",)):
        assert_clean_failure(
            run(*args), 2, f"{cfg}: notify.targets.legal.urls[0]: environment variable ${{{hook}}} is not set"
        )


def test_notify_test_needs_only_the_variables_of_the_target_it_tests(tmp_path: Path) -> None:
    # A fresh user's find: `notify test ops` was refused for want of the mail target's password.
    from receivers import WebhookReceiver

    hook = WebhookReceiver()
    hook.start()
    try:
        extra = (
            f'[notify]\nops_target = "ops"\n[notify.targets.ops]\nurls = ["{hook.url()}"]\n'
            '[notify.targets.legal]\nurls = ["mailto://${NO_USER_FOR_THIS}:${NO_PASSWORD_FOR_THIS}@127.0.0.1"]\n'
        )
        cfg = write_config(tmp_path, f"sqlite:///{tmp_path}/m.db", None, extra)
        ok = cli("--config", str(cfg), "notify", "test", "ops", cwd=tmp_path)
        assert ok.returncode == 0 and "sent" in ok.stdout and not ok.stderr, (ok.stdout, ok.stderr)
        assert len(hook.received) == 1
        refused = cli("--config", str(cfg), "notify", "test", "legal", cwd=tmp_path)
        assert_clean_failure(
            refused, 2,
            f"{cfg}: notify.targets.legal.urls[0]: environment variables ${{NO_USER_FOR_THIS}} and "
            "${NO_PASSWORD_FOR_THIS} are not set",
        )  # fmt: skip
        # `notify flush` may send to any target: it still needs them all.
        assert_clean_failure(cli("--config", str(cfg), "notify", "flush", cwd=tmp_path), 2, "${NO_USER_FOR_THIS}")
        assert len(hook.received) == 1
    finally:
        hook.stop()
