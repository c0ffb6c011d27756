"""Config: defaults, env substitution, and errors that name the file and the key."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from monitor.config import ConfigError, load_config, parse_config, parse_duration

ROOT = Path(__file__).resolve().parents[1]


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "config.toml"
    p.write_text(text, "utf-8")
    return p


def test_defaults_without_a_file() -> None:
    c = load_config(None)
    assert c.database.url == "sqlite:///./data/monitor.db"
    assert c.fetch.max_body_bytes == 10_000_000
    assert c.fetch.allow_private_addresses is False
    assert c.watches == []


def test_example_config_is_valid_and_watches_the_seed_companies(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("SLACK_TOKEN_A", "SLACK_TOKEN_B", "SLACK_TOKEN_C", "SMTP_PASSWORD"):
        monkeypatch.setenv(var, "secret")
    c = load_config(ROOT / "config.example.toml")
    names = " ".join(w.name for w in c.watches).lower()
    for company in ("trengo", "cequens", "thechatcenter", "trueconf"):
        assert company in names
    assert c.notify.ops_target == "ops"
    assert c.watch("TrueConf Privacy Policy").interval == "0 6 * * 1"


def test_env_substitution_and_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOOK", "127.0.0.1:9999")
    p = write(
        tmp_path,
        """
[notify.targets.hook]
urls = ["json://${HOOK}/x", "json://${MISSING:-localhost}/y"]
""",
    )
    c = load_config(p)
    assert c.notify.targets["hook"].urls == ["json://127.0.0.1:9999/x", "json://localhost/y"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[[watches]]\nname = "A"\nurl = "ftp://x.example"\n', "watches[0].url (watch 'A')"),
        ('[[watches]]\nname = "A"\nurl = "https://a.example"\ninterval = "soon"\n', "watches[0].interval"),
        # A cron expression naming no real date, and an interval past a year: never due (fresh-user finding).
        ('[[watches]]\nname = "A"\nurl = "https://a.example"\ninterval = "0 0 30 2 *"\n', "never fires"),
        ('[[watches]]\nname = "A"\nurl = "https://a.example"\ninterval = "0 0 31 4 *"\n', "watches[0].interval"),
        ('[defaults]\ninterval = "1000000w"\n', "longest interval"),
        ('[defaults]\ninteral = "1d"\n', "defaults.interal: unknown key"),
        ('[[watches]]\nname = "A"\nurl = "https://a.example"\nnotify = ["nope"]\n', "unknown target 'nope'"),
        ('[[watches]]\nname = "A"\nurl = "https://a.example"\nselect = ["div["]\n', "bad CSS selector"),
        # An empty tag names nothing: `add --tag ''` wrote `tags = [""]` (fresh-user finding).
        ('[[watches]]\nname = "A"\nurl = "https://a.example"\ntags = ["eu", ""]\n',
         "watches[0].tags[1] (watch 'A'): a tag cannot be empty (got '')"),
        ('[[watches]]\nname = "A"\nurl = "https://a.example"\ntags = [" "]\n', "a tag cannot be empty"),
        ("[database\nurl = 1\n", "invalid TOML"),
        ("[fetch]\nconcurrency = 0\n", "fetch.concurrency"),
        (
            '[[watches]]\nname = "A"\nurl = "https://a.example"\n[[watches]]\nname = "a"\nurl = "https://b.example"\n',
            "duplicate watch name",
        ),
    ],
)
def test_bad_config_names_file_and_key(tmp_path: Path, text: str, expected: str) -> None:
    p = write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_config(p)
    assert str(p) in str(err.value)
    assert expected in str(err.value)


def test_missing_file() -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_config("/nonexistent/config.toml")


def test_durations() -> None:
    assert parse_duration("6h") == timedelta(hours=6)
    assert parse_duration("1d") == timedelta(days=1)
    assert parse_duration("90s") == timedelta(seconds=90)
    with pytest.raises(ValueError):
        parse_duration("0m")


def test_routing_defaults() -> None:
    c = parse_config(
        {
            "notify": {
                "ops_target": "ops",
                "targets": {"a": {"urls": "json://h/a"}, "ops": {"urls": "json://h/o"}},
            },
            "watches": [
                {"name": "W1", "url": "https://a.example/p"},
                {"name": "W2", "url": "https://a.example/q", "notify": []},
            ],
        }
    )
    assert c.targets_of(c.watches[0]) == ["a"]  # everything but the ops target
    assert c.targets_of(c.watches[1]) == []


def test_cli_bad_config_exits_2_without_traceback(tmp_path: Path) -> None:
    p = write(tmp_path, '[[watches]]\nname = "A"\nurl = "https://a.example"\ninterval = "often"\n')
    proc = subprocess.run(
        [sys.executable, "-m", "monitor", "--config", str(p), "check"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert str(p) in proc.stderr and "watches[0].interval" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_web_token_from_an_unset_variable_is_checked_only_when_serving(monkeypatch: pytest.MonkeyPatch) -> None:
    from monitor.config import parse_config

    monkeypatch.delenv("PM_WEB_TOKEN_UNSET", raising=False)
    data = {"web": {"token": "${PM_WEB_TOKEN_UNSET}"}, "watches": [{"name": "A", "url": "https://a.example"}]}
    config = parse_config(data)  # every command but serving works
    assert config.watch("A") is not None
    with pytest.raises(ConfigError) as err:
        config.web.served_token()
    assert "web.token" in str(err.value) and "PM_WEB_TOKEN_UNSET" in str(err.value)
    monkeypatch.setenv("PM_WEB_TOKEN_UNSET", "s3cret-value")
    config = parse_config(data)
    assert config.web.token == "s3cret-value" and config.web.served_token() == "s3cret-value"
    assert parse_config({"web": {}}).web.served_token() is None  # no token: an open view, as before
    monkeypatch.setenv("PM_WEB_TOKEN_UNSET", " ")
    with pytest.raises(ConfigError, match="empty token"):
        parse_config(data)  # set but blank is still refused at load, as before


def test_watch_lookup_follows_the_watches_of_each_copy() -> None:
    # `Config.watch` keeps an index; a copy with other watches (a reload, --database) must not
    # answer from the index of the config it was copied from.
    c = parse_config({"watches": [{"name": f"Policy {i}", "url": f"https://example.com/{i}"} for i in range(50)]})
    assert c.watch("POLICY 7") is c.watches[7] and c.watch("Policy 50") is None
    fewer = c.model_copy(update={"watches": c.watches[:5]})
    assert fewer.watch("Policy 7") is None and fewer.watch("policy 3") is fewer.watches[3]
    same = c.model_copy(update={"database": c.database.model_copy(update={"url": "sqlite:///x.db"})})
    assert same.watch("Policy 49") is c.watches[49]
    assert c.watch("Policy 7") is c.watches[7]  # the original is untouched by its copies' lookups


def test_a_value_of_the_wrong_type_is_quoted_beside_its_key() -> None:
    with pytest.raises(ConfigError) as err:
        parse_config({"defaults": {"timeout": "five", "retries": "x"}}, "c.toml")
    lines = str(err.value).splitlines()
    assert any(ln.startswith("c.toml: defaults.timeout:") and "(got 'five')" in ln for ln in lines), lines
    assert any(ln.startswith("c.toml: defaults.retries:") and "(got 'x')" in ln for ln in lines), lines


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("http://127.0.0.1:99999/privacy", "Port out of range"),
        ("http://exa mple.com/privacy", "characters no host name has"),
    ],
)
def test_a_url_the_fetcher_would_refuse_is_refused_on_load(url: str, words: str) -> None:
    # Caught with the rest of the config, not as a failed check hours later.
    with pytest.raises(ConfigError) as err:
        parse_config({"watches": [{"name": "Acme", "url": url}]})
    assert "watches[0].url" in str(err.value) and words in str(err.value)


@pytest.mark.parametrize(("written", "shown"), [("10", "10"), ('"big"', "'big'"), ("5_000_000_000", "5000000000")])
def test_an_invalid_max_body_bytes_shows_the_value_and_the_allowed_range(
    tmp_path: Path, written: str, shown: str
) -> None:
    path = write(tmp_path, f"[fetch]\nmax_body_bytes = {written}\n")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert str(err.value) == (
        f"{path}: fetch.max_body_bytes: must be a whole number from 1,024 to 1,000,000,000 (got {shown})"
    )


def test_a_number_out_of_range_in_a_watch_names_the_watch_and_the_range(tmp_path: Path) -> None:
    path = write(tmp_path, '[[watches]]\nname = "Acme"\nurl = "https://acme.example/privacy"\nretries = -1\n')
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert str(err.value) == f"{path}: watches[0].retries (watch 'Acme'): must be a whole number from 0 to 10 (got -1)"


def test_add_sets_each_new_watch_apart_by_one_blank_line_and_keeps_comments(tmp_path: Path) -> None:
    from monitor.config import WatchConfig
    from monitor.watchlist import add_watch, remove_watch

    path = write(tmp_path, '# my watches\n[database]\nurl = "sqlite:///./m.db"\n\n[defaults]\nretries = 0\n')
    add_watch(path, WatchConfig(name="One", url="https://one.example/privacy"))
    add_watch(path, WatchConfig(name="Two", url="https://two.example/privacy"))
    assert path.read_text("utf-8") == (
        '# my watches\n[database]\nurl = "sqlite:///./m.db"\n\n[defaults]\nretries = 0\n'
        '\n[[watches]]\nname = "One"\nurl = "https://one.example/privacy"\n'
        '\n[[watches]]\nname = "Two"\nurl = "https://two.example/privacy"\n'
    )
    assert [w.name for w in load_config(path).watches] == ["One", "Two"]
    remove_watch(path, "One")
    assert [w.name for w in load_config(path).watches] == ["Two"] and "# my watches" in path.read_text("utf-8")
    # A new file starts with the table itself, and a file without a final line break gets one blank line.
    fresh = tmp_path / "fresh.toml"
    add_watch(fresh, WatchConfig(name="One", url="https://one.example/privacy"))
    assert fresh.read_text("utf-8") == '[[watches]]\nname = "One"\nurl = "https://one.example/privacy"\n'
    bare = write(tmp_path, '[database]\nurl = "sqlite:///./m.db"')
    add_watch(bare, WatchConfig(name="One", url="https://one.example/privacy"))
    assert bare.read_text("utf-8").startswith('[database]\nurl = "sqlite:///./m.db"\n\n[[watches]]\n')


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ('{ "Accept-Language" = "dé\\nX-Injected: 1" }', "header 'Accept-Language': a line break (U+000A)"),
        ('{ "X-A" = "a\\r\\nb" }', "header 'X-A': a line break (U+000D)"),
        ('{ "X-A" = "a\\u0000b" }', "header 'X-A': U+0000 is not allowed in a header value"),
        ('{ "X-A" = "a\\u001bb" }', "header 'X-A': U+001B is not allowed"),
        ('{ "Bad Name" = "x" }', "header 'Bad Name': SPACE (U+0020) is not allowed in a header name"),
        ('{ "X-A:" = "x" }', "header 'X-A:': COLON (U+003A) is not allowed in a header name"),
        ('{ "" = "x" }', "header '': a header name cannot be empty"),
    ],
)
def test_a_header_that_could_not_be_sent_is_refused_on_load(tmp_path: Path, headers: str, expected: str) -> None:
    # A fresh user's find: a line break in a header value loaded, then every check of the watch
    # ended in "internal error: ValueError(...)" with a traceback in the log.
    p = write(tmp_path, f'[[watches]]\nname = "A"\nurl = "https://a.example"\nheaders = {headers}\n')
    with pytest.raises(ConfigError) as err:
        load_config(p)
    assert str(err.value).startswith(f"{p}: watches[0].headers (watch 'A'): {expected}"), str(err.value)


def test_a_user_agent_with_a_line_break_is_refused_and_ordinary_headers_load(tmp_path: Path) -> None:
    p = write(tmp_path, '[defaults]\nuser_agent = "pm\\r\\nX-Injected: 1"\n')
    with pytest.raises(ConfigError, match=r"defaults\.user_agent: a line break \(U\+000D\) is not allowed"):
        load_config(p)
    p = write(
        tmp_path,
        '[[watches]]\nname = "A"\nurl = "https://a.example"\nuser_agent = "pm/1 (tab\\there)"\n'
        'headers = { "Accept-Language" = "dé, en;q=0.8", "X-Token_1.~" = "a b\\tc" }\n',
    )
    assert load_config(p).watches[0].headers["Accept-Language"] == "dé, en;q=0.8"


def test_an_unset_variable_in_a_notification_url_is_an_error_only_for_sending(tmp_path: Path) -> None:
    # A fresh user's find: `history` and `db current` failed for want of ${SLACK_TOKEN_A}.
    p = write(
        tmp_path,
        '[notify.targets.x]\nurls = ["json://${NOT_SET_ANYWHERE}", "json://127.0.0.1:9/${NOR_THIS:-ok}"]\n'
        '[notify.targets.y]\nurls = "slack://${NOT_SET_EITHER}/B/C"\n',
    )
    config = load_config(p)  # what read-only commands use
    assert config.notify.targets["x"].urls == ["json://${NOT_SET_ANYWHERE}", "json://127.0.0.1:9/ok"]
    with pytest.raises(ConfigError) as err:
        config.require_targets()  # what commands that send alerts call
    assert str(err.value).splitlines() == [
        f"{p}: notify.targets.x.urls[0]: environment variable ${{NOT_SET_ANYWHERE}} is not set "
        "(sending alerts needs it: set it, or remove the URL)",
        f"{p}: notify.targets.y.urls[0]: environment variable ${{NOT_SET_EITHER}} is not set "
        "(sending alerts needs it: set it, or remove the URL)",
    ]
    # A URL apprise cannot use is still refused on load, whatever else is unset.
    p.write_text(p.read_text("utf-8") + '[notify.targets.z]\nurls = ["jsno://127.0.0.1:9/x"]\n', "utf-8")
    with pytest.raises(ConfigError, match=r"notify\.targets\.z\.urls\[0\]: apprise cannot use"):
        load_config(p)


def test_every_unset_variable_is_named_with_its_key_and_file(tmp_path: Path) -> None:
    # A fresh user's find: only the first unset variable was named, so each run showed one more.
    targets = (
        '[notify.targets.mail]\nurls = ["mailto://${NO_USER_HERE}:${NO_PASSWORD_HERE}@127.0.0.1"]\n'
        '[notify.targets.hook]\nurls = ["json://127.0.0.1:9/${NO_HOOK_HERE}"]\n'
    )
    p = write(
        tmp_path,
        '[database]\nurl = "sqlite:///${NO_DIR_HERE}/${NO_NAME_HERE}.db"\n'
        '[defaults]\nuser_agent = "bot ${NO_AGENT_HERE}"\n' + targets,
    )
    with pytest.raises(ConfigError) as err:
        load_config(p)
    assert str(err.value).splitlines() == [
        f"{p}: database.url: environment variables ${{NO_DIR_HERE}} and ${{NO_NAME_HERE}} are not set",
        f"{p}: defaults.user_agent: environment variable ${{NO_AGENT_HERE}} is not set",
    ]
    p.write_text(targets, "utf-8")
    config = load_config(p)  # what read-only commands use
    with pytest.raises(ConfigError) as err:
        config.require_targets()  # what commands that send alerts call
    assert str(err.value).splitlines() == [
        f"{p}: notify.targets.mail.urls[0]: environment variables ${{NO_USER_HERE}} and ${{NO_PASSWORD_HERE}} "
        "are not set (sending alerts needs them: set them, or remove the URL)",
        f"{p}: notify.targets.hook.urls[0]: environment variable ${{NO_HOOK_HERE}} is not set "
        "(sending alerts needs it: set it, or remove the URL)",
    ]


def test_add_refuses_an_empty_tag_and_leaves_the_file_as_it_was(tmp_path: Path) -> None:
    p = write(tmp_path, '# mine\n[[watches]]\nname = "A"\nurl = "https://a.example"\n')
    before = p.read_text("utf-8")
    for tag in ("", "  "):
        proc = subprocess.run(
            [sys.executable, "-m", "monitor", "--config", str(p), "add", "B", "https://b.example", "--tag", "eu",
             "--tag", tag],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
        assert proc.stderr == f"policy-monitor: {p}: watch 'B': --tag: a tag cannot be empty (got {tag!r})\n"
        assert p.read_text("utf-8") == before


def test_a_cron_that_stopped_firing_keeps_the_watch_on_a_yearly_round() -> None:
    # Refused at load; a schedule stored before that rule (or a cron whose years ran out) must not
    # stop the daemon's claim loop, as the AssertionError it raised did (fresh-user finding).
    from datetime import UTC, datetime

    from monitor.claims import next_due
    from monitor.config import MAX_INTERVAL

    after = datetime(2026, 1, 1, tzinfo=UTC)
    assert next_due("0 0 30 2 *", after) == after + MAX_INTERVAL
    assert next_due("0 6 * * 1", after) == datetime(2026, 1, 5, 6, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("cron", "first"),
    [
        ("0 6 * * 1", (2026, 1, 5)),  # Monday in crontab(5); APScheduler 3 alone made it Tuesday
        ("0 6 * * 0", (2026, 1, 4)),  # Sunday
        ("0 6 * * 7", (2026, 1, 4)),  # Sunday too
        ("0 6 * * 6", (2026, 1, 3)),  # Saturday
        ("0 6 * * 2-3", (2026, 1, 6)),  # Tuesday to Wednesday
        ("0 6 * * mon", (2026, 1, 5)),
    ],
)
def test_cron_weekdays_are_crontabs(cron: str, first: tuple[int, int, int]) -> None:
    from datetime import UTC, datetime

    from monitor.claims import next_due

    # 2026-01-01 is a Thursday: the next fire time names the weekday the expression meant.
    assert next_due(cron, datetime(2026, 1, 1, 7, 0, tzinfo=UTC)) == datetime(*first, 6, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("cron", "after", "first"),
    [
        # Both days restricted: the 1st of the month OR a Monday, as crontab(5) reads it. APScheduler 3
        # alone wanted both (a Monday the 1st: 1 June 2026), and "0 6 30 2 1" (the 30th of
        # February or a Monday) it refused as never firing.
        ("0 6 1 * 1", (2026, 1, 1, 7), (2026, 1, 5)),  # Monday 5 January
        ("0 6 1 * 1", (2026, 1, 27, 7), (2026, 2, 1)),  # Sunday 1 February
        ("0 6 30 2 1", (2026, 1, 1, 7), (2026, 2, 2)),  # Mondays in February
        ("0 6 13 * 5", (2026, 2, 1, 7), (2026, 2, 6)),  # the 13th or a Friday: Friday 6 February
        # One field a star (or starting with one, as crontab(5) counts it): both must match.
        ("0 6 1-7 * *", (2026, 1, 8, 7), (2026, 2, 1)),
        ("0 6 */10 * 1", (2026, 1, 1, 7), (2026, 5, 11)),  # a Monday the 1st, 11th, 21st or 31st
    ],
)
def test_day_of_month_and_weekday_are_either_when_both_are_given(
    cron: str, after: tuple[int, int, int, int], first: tuple[int, int, int]
) -> None:
    from datetime import UTC, datetime

    from monitor.claims import next_due

    assert next_due(cron, datetime(*after, tzinfo=UTC)) == datetime(*first, 6, 0, tzinfo=UTC)
    assert parse_config({"defaults": {"interval": cron}}).defaults.interval == cron  # valid


def test_a_weekday_out_of_range_is_a_config_error(tmp_path: Path) -> None:
    p = write(tmp_path, '[[watches]]\nname = "A"\nurl = "https://a.example"\ninterval = "0 6 * * 8"\n')
    with pytest.raises(ConfigError) as err:
        load_config(p)
    assert "watches[0].interval" in str(err.value) and str(p) in str(err.value)


@pytest.mark.parametrize("cron", ["0 6 * * 8", "0 6 * * 1-9", "0 6 * * 1,8"])
def test_a_weekday_out_of_range_names_crontabs_range(tmp_path: Path, cron: str) -> None:
    # 7 is accepted (Sunday, as in crontab(5)): the message must not say the maximum is 6.
    p = write(tmp_path, f'[[watches]]\nname = "A"\nurl = "https://a.example"\ninterval = "{cron}"\n')
    with pytest.raises(ConfigError) as err:
        load_config(p)
    assert "0-7" in str(err.value) and "maximum value (6)" not in str(err.value)
    assert parse_config({"defaults": {"interval": "0 6 * * 7"}}).defaults.interval == "0 6 * * 7"


def test_an_interval_that_is_neither_names_both_forms(tmp_path: Path) -> None:
    p = write(tmp_path, '[[watches]]\nname = "A"\nurl = "https://a.example"\ninterval = "soon"\n')
    with pytest.raises(ConfigError) as err:
        load_config(p)
    assert "'30m'" in str(err.value) and "a cron expression like '0 6 * * 1'" in str(err.value)
    # A setting that takes only a duration does not offer cron.
    with pytest.raises(ConfigError) as err:
        parse_config({"database": {"lease": "soon"}})
    assert "cron" not in str(err.value)


def test_one_load_reports_every_problem_of_the_file_each_with_file_and_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A fresh user fixed one key per run: an unset variable hid the bad values, a bad value hid the
    # repeated name and the unknown targets, and those came one at a time.
    monkeypatch.delenv("WREN_TIMEOUT", raising=False)
    path = write(
        tmp_path,
        '[defaults]\ninteral = "1d"\nnotify = ["pager"]\n\n[fetch]\nconcurrency = 0\n\n'
        '[notify]\nops_target = "night"\n\n[notify.targets.desk]\nurls = ["json://localhost/desk"]\n\n'
        '[[watches]]\nname = "Quillfeather"\nurl = "https://quill.example/privacy"\n\n'
        '[[watches]]\nname = "Wren"\nurl = "https://wren.example/privacy"\ntimeout = "${WREN_TIMEOUT}"\n'
        'notify = ["desk", "lobby"]\n\n'
        '[[watches]]\nname = "QUILLFEATHER"\nurl = "https://quill.example/other"\n'
        'wait_for = "main"\n',
    )
    with pytest.raises(ConfigError) as err:
        load_config(path)
    lines = str(err.value).splitlines()
    assert lines == [
        f"{path}: watches[1].timeout: environment variable ${{WREN_TIMEOUT}} is not set",
        f"{path}: fetch.concurrency: must be a whole number from 1 to 256 (got 0)",
        f"{path}: defaults.interal: unknown key",
        f"{path}: watches[1].notify: unknown target 'lobby' (define [notify.targets.lobby])",
        f"{path}: watches[2].name: duplicate watch name 'QUILLFEATHER', the same as watches[0].name "
        "'Quillfeather' (case, Unicode form and kind of space do not count)",
        f"{path}: watches[2].wait_for (watch 'QUILLFEATHER'): only the browser fetcher waits for a selector; "
        'add fetcher = "browser" to the watch or to [defaults]',
        f"{path}: defaults.notify: unknown target 'pager' (define [notify.targets.pager])",
        f"{path}: notify.ops_target: unknown target 'night' (define [notify.targets.night])",
    ]


def test_a_repeated_watch_name_names_both_watches(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[[watches]]\nname = "Larkspur"\nurl = "https://lark.example/a"\n\n'
        '[[watches]]\nname = "Heron"\nurl = "https://heron.example/a"\n\n'
        '[[watches]]\nname = "Larkspur"\nurl = "https://lark.example/b"\n',
    )
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert str(err.value) == (
        f"{path}: watches[2].name: duplicate watch name 'Larkspur', the same as watches[0].name 'Larkspur'"
    )


def test_an_apprise_url_problem_is_reported_with_the_files_other_problems(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[fetch]\nretries_x = 1\n\n[notify.targets.desk]\nurls = ["nosuchscheme://desk.example"]\n',
    )
    with pytest.raises(ConfigError) as err:
        load_config(path)
    lines = str(err.value).splitlines()
    assert lines[0] == f"{path}: fetch.retries_x: unknown key"
    assert len(lines) == 2 and lines[1].startswith(f"{path}: notify.targets.desk.urls[0]: apprise cannot use ")
