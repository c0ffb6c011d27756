"""Reading and validating the TOML config.

Every problem is reported as a `ConfigError` naming the file, the key and what is wrong, so the CLI can
print one line and exit 2 instead of a traceback. `${VAR}` (or `${VAR:-default}`) in any string is
replaced from the environment, so secrets such as Slack tokens stay out of the file.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import tomllib
import unicodedata
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from monitor.config_cross import cross_problems
from monitor.config_env import (
    ENV_REF,
    ConfigError,
    as_written,
    collect_env,
    defer_target_urls,
    defer_web_token,
    require_read,
    unset_text,
)
from monitor.config_problems import describe, loc_text, problem_text
from monitor.config_values import Tag, char_label, check_header, check_header_value
from monitor.cron import cron_trigger, is_cron

DEFAULT_DB_URL = "sqlite:///./data/monitor.db"
DEFAULT_USER_AGENT = "policy-monitor/0.1 (+https://github.com/policy-monitor/policy-monitor)"
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d|w)\s*$", re.I)
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_NAME_MAX = 120
# Inside a name: any letter, digit, mark, punctuation or symbol of any script, and plain spaces.
# Not allowed: control and other invisible characters (except the joiners some scripts need),
# tabs and line breaks.
_NAME_JOINERS = {"\u200c", "\u200d"}
_CROSS_CHECKED = "cross_checked"  # validation context: parse_config checked between keys itself


def parse_duration(text: str) -> timedelta:
    """'90s', '30m', '6h', '1d', '2w' -> timedelta. Raises ValueError with a readable message."""
    m = _DURATION.match(str(text))
    if not m:
        raise ValueError(f"{text!r} is not a duration like '30m', '6h', '1d' or '1w'")
    seconds = float(m.group(1)) * _UNIT_SECONDS[m.group(2).lower()]
    if seconds <= 0:
        raise ValueError(f"{text!r} must be longer than zero")
    return timedelta(seconds=seconds)


MAX_INTERVAL = timedelta(days=366)  # a watch checked less than yearly is not watched


def check_watch_name(name: str) -> str:
    """A watch name as stored: NFC-normalised, every kind of space a plain one, 1-120 characters of
    any script with ordinary punctuation ("Müller GmbH — Datenschutz", "L'Oréal, Inc.", "株式会社メルカリ").
    Raises ValueError for control characters, tabs or line breaks, leading or trailing spaces, a
    leading '-' (it would read as an option), or a name without any letter or digit."""
    # A no-break or other space pasted from a web page is a space: names that look alike are alike.
    v = "".join(" " if unicodedata.category(ch) == "Zs" else ch for ch in unicodedata.normalize("NFC", name))
    if not v or len(v) > _NAME_MAX:
        raise ValueError(f"{name!r}: a name has 1 to {_NAME_MAX} characters")
    if v != v.strip():
        raise ValueError(f"{name!r}: no spaces at the start or end of a name")
    for ch in v:
        cat = unicodedata.category(ch)
        if cat[0] in "CZ" and ch != " " and ch not in _NAME_JOINERS:
            raise ValueError(
                f"{name!r}: {char_label(ch)} is not allowed in a name "
                "(letters, digits, spaces and punctuation of any script are)"
            )
    if v.startswith("-"):
        raise ValueError(f"{name!r}: a name cannot start with '-' (it would read as an option)")
    if not any(ch.isalnum() for ch in v):
        raise ValueError(f"{name!r}: a name needs at least one letter or digit")
    return v


def name_key(name: str) -> str:
    """What makes two watch names the same: case, Unicode normal form and the kind of space do not count."""
    v = unicodedata.normalize("NFC", name)
    return "".join(" " if unicodedata.category(ch) == "Zs" else ch for ch in v).casefold()


def validate_schedule(text: str) -> str:
    """An interval is a duration ('6h', '1d') or a five-field cron expression ('0 6 * * 1')."""
    if is_cron(text):
        try:
            trigger = cron_trigger(text)
        except ValueError as exc:
            raise ValueError(f"{text!r} is not a valid cron expression: {exc}") from None
        # "0 0 30 2 *" parses but names no real day: a watch on it would never be due again.
        if trigger.get_next_fire_time(None, datetime.now(UTC)) is None:
            raise ValueError(f"{text!r} never fires: no date matches it (a 30th of February?)")
        return text
    if not _DURATION.match(str(text)):  # either form is welcome here, unlike a lease or full_fetch_after
        raise ValueError(
            f"{text!r} is not a duration like '30m', '6h', '1d' or '1w', or a cron expression like '0 6 * * 1'"
        )
    if parse_duration(text) > MAX_INTERVAL:
        raise ValueError(f"{text!r} is longer than the longest interval, 1 year ('52w')")
    return text


class _Model(BaseModel):
    # A misspelt key is an error, not silently ignored: "interal = '6h'" must not watch daily.
    model_config = ConfigDict(extra="forbid", frozen=True)


class DatabaseConfig(_Model):
    url: str = DEFAULT_DB_URL
    keep_raw_bodies: int = Field(5, ge=0, description="raw bodies kept per watch, newest first")
    recent_versions: int = Field(5, ge=1, description="how many recent versions count as a flap")
    # How long a worker's claim on a watch lasts without renewal; a running daemon renews its claims,
    # so this is how soon other workers take over the watches of one that died on another host.
    lease: str = "15m"

    @field_validator("lease")
    @classmethod
    def _lease(cls, v: str) -> str:
        if parse_duration(v).total_seconds() < 2:
            raise ValueError("must be at least 2s")
        return v


class FetchConfig(_Model):
    concurrency: int = Field(8, ge=1, le=256)
    per_host: int = Field(2, ge=1, le=64)
    # Bodies are held in memory whole: beyond 1 GB no policy page, much more than a worker can hold.
    max_body_bytes: int = Field(10_000_000, ge=1024, le=1_000_000_000)
    max_redirects: int = Field(5, ge=0, le=20)
    allow_private_addresses: bool = False
    # The browser fetcher: Chromium's executable (default: `chromium` on PATH, then /usr/bin/chromium)
    # and how many pages it renders at once.
    browser_executable: str | None = None
    browser_pages: int = Field(3, ge=1, le=16)
    # Processes for extraction, diff and classification: None = one per core, 0 or 1 = in-process.
    workers: int | None = Field(None, ge=0, le=64)


FetcherKind = Literal["http", "browser"]


def _check_css(selector: str) -> str:
    import soupsieve

    try:
        soupsieve.compile(selector)
    except Exception as exc:  # soupsieve raises its own SelectorSyntaxError
        raise ValueError(f"bad CSS selector {selector!r}: {str(exc).splitlines()[0]}") from None
    return selector


class DefaultsConfig(_Model):
    interval: str = "1d"
    timeout: float = Field(30.0, gt=0, le=600)
    user_agent: str = DEFAULT_USER_AGENT
    retries: int = Field(3, ge=0, le=10)
    jitter: float = Field(0.1, ge=0, le=0.5, description="random spread of each interval, as a fraction")
    notify: list[str] | None = None  # targets for watches that name none; None = every change target
    # Conditional requests (If-None-Match / If-Modified-Since) save bandwidth, but a cache that answers
    # 304 to a stale validator would hide a change for ever: so every `full_fetch_every`-th check, and
    # any check more than `full_fetch_after` after the last full one, fetches unconditionally.
    conditional: bool = True
    full_fetch_every: int = Field(10, ge=1, le=1000, description="at least every Nth check is a full fetch")
    full_fetch_after: str = "1d"
    fetcher: FetcherKind = "http"  # "browser": render pages in headless Chromium (pip install '.[browser]')

    @field_validator("interval")
    @classmethod
    def _interval(cls, v: str) -> str:
        return validate_schedule(v)

    @field_validator("user_agent")
    @classmethod
    def _user_agent(cls, v: str) -> str:
        return check_header_value(v)

    @field_validator("full_fetch_after")
    @classmethod
    def _full_fetch_after(cls, v: str) -> str:
        parse_duration(v)
        return v


class WatchConfig(_Model):
    name: str
    url: str
    interval: str | None = None
    tags: list[Tag] = []
    notify: list[str] | None = None
    headers: dict[str, str] = {}
    select: list[str] | None = None
    remove: list[str] | None = None
    timeout: float | None = Field(None, gt=0, le=600)
    retries: int | None = Field(None, ge=0, le=10)
    user_agent: str | None = None
    conditional: bool | None = None  # false: never send validators for this watch
    fetcher: FetcherKind | None = None  # "browser" renders the page in headless Chromium
    wait_for: str | None = None  # browser only: a CSS selector to wait for instead of network idle

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        return check_watch_name(v)

    @field_validator("url")
    @classmethod
    def _url(cls, v: str) -> str:
        if not re.match(r"^https?://[^\s/]+", v):
            raise ValueError(f"{v!r} is not an http(s) URL")
        from monitor.fetch import check_url_syntax  # the fetcher's own test: what it would refuse

        problem = check_url_syntax(v)
        if problem is not None:
            raise ValueError(problem)
        return v

    @field_validator("interval")
    @classmethod
    def _interval(cls, v: str | None) -> str | None:
        return None if v is None else validate_schedule(v)

    @field_validator("headers")
    @classmethod
    def _headers(cls, v: dict[str, str]) -> dict[str, str]:
        for name, value in v.items():
            check_header(name, value)
        return v

    @field_validator("user_agent")
    @classmethod
    def _user_agent(cls, v: str | None) -> str | None:
        return None if v is None else check_header_value(v)

    @field_validator("select", "remove")
    @classmethod
    def _selectors(cls, v: list[str] | None) -> list[str] | None:
        if v is None:
            return None
        for sel in v:
            _check_css(sel)
        return v

    @field_validator("wait_for")
    @classmethod
    def _wait_for(cls, v: str | None) -> str | None:
        if v is not None and not v.strip():
            raise ValueError("empty selector; remove the key to wait for the network to be idle")
        return None if v is None else _check_css(v)


class TargetConfig(_Model):
    urls: list[str] = Field(min_length=1)
    min_severity: Literal["low", "medium", "high"] = "low"
    substantive_only: bool = True
    digest: Literal["none", "hourly", "daily"] = "none"
    # For mailto targets: attach the HTML diff report.
    attach_report: bool = True
    # Seconds to wait for the receiver's answer once a message is sent, and to connect. A slow
    # receiver that does answer within `timeout` is not sent the message again.
    timeout: float = Field(30.0, gt=0, le=600)
    connect_timeout: float = Field(10.0, gt=0, le=120)

    @field_validator("urls", mode="before")
    @classmethod
    def _one_url(cls, v: Any) -> Any:
        return [v] if isinstance(v, str) else v


class NotifyConfig(_Model):
    targets: dict[str, TargetConfig] = {}
    ops_target: str | None = None
    failure_threshold: int = Field(3, ge=1, description="consecutive failed checks before an ops alert")
    max_attempts: int = Field(12, ge=1, description="delivery attempts before a notification is given up")
    retry_base: float = Field(30.0, gt=0, description="seconds before the first retry; doubles each time")
    retry_max: float = Field(3600.0, gt=0)
    # A send that timed out after the request went out may have been accepted: it is retried only
    # this many seconds later (never sooner, not even by `notify flush`), so a slow receiver has
    # answered long before; if it had accepted, the copy carries the same id and can be dropped.
    resend_after_timeout: float = Field(600.0, gt=0, le=86400)


class LogConfig(_Model):
    level: Literal["debug", "info", "warning", "error"] = "info"
    format: Literal["auto", "json", "text"] = "auto"


class WebConfig(_Model):
    """The read-only web view (`policy-monitor serve`, or inside `run` when `listen` is set)."""

    listen: str | None = None  # "127.0.0.1:8000"; inside `run` the web view is off unless set
    token: str | None = None  # when set, pages, API, feed and metrics need it (bearer or basic password)

    @field_validator("listen")
    @classmethod
    def _listen(cls, v: str | None) -> str | None:
        if v is not None:
            parse_listen(v)
        return v

    # Why `token` could not be read (its ${VAR} is unset): only serving needs it (`served_token`).
    _token_problem: str | None = PrivateAttr(default=None)

    @field_validator("token")
    @classmethod
    def _token(cls, v: str | None) -> str | None:
        if v is not None and not v.strip():
            raise ValueError("an empty token would let anyone in: remove the key or set a value")
        return v

    def served_token(self) -> str | None:
        """The token the web view must ask for (None: an open view). Raises ConfigError when the
        token is written as a ${VAR} that is not set: the view must not start open by accident.
        Only `serve` and `run` with `listen` call this, so other commands work without the variable."""
        if self._token_problem:
            raise ConfigError(self._token_problem)
        return self.token


def parse_listen(text: str) -> tuple[str, int]:
    """'127.0.0.1:8000', '[::1]:8000', ':8000' or '8000' -> (host, port); the host defaults to
    127.0.0.1. Raises ValueError with a readable message."""
    text = str(text).strip()
    host, sep, port = text.rpartition(":")
    if not sep:
        host, port = "", text
    host = host.strip("[]") or "127.0.0.1"
    if not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ValueError(f"{text!r} is not HOST:PORT like '127.0.0.1:8000'")
    return host, int(port)


class Config(_Model):
    database: DatabaseConfig = DatabaseConfig()
    fetch: FetchConfig = FetchConfig()
    defaults: DefaultsConfig = DefaultsConfig()
    watches: list[WatchConfig] = []
    notify: NotifyConfig = NotifyConfig()
    log: LogConfig = LogConfig()
    web: WebConfig = WebConfig()
    path: Path | None = Field(None, exclude=True)
    # {substituted value: as written} from ${VAR} substitution (see `shown`); not part of the config.
    _written: dict[str, str] = PrivateAttr(default_factory=dict)
    # Why some notification URLs could not be read (their ${VAR} unset): see `require_targets`.
    _targets_problem: dict[str, str] = PrivateAttr(default_factory=dict)
    # (the watches list it was built from, {name_key: watch}) for `watch`; rebuilt for another list.
    _by_key: tuple[list[WatchConfig], dict[str, WatchConfig]] | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _cross_checks(self, info: ValidationInfo) -> Config:
        # parse_config reads these from the file's tree, with every other problem of the same load;
        # a Config built any other way is checked here.
        if not (info.context or {}).get(_CROSS_CHECKED):
            problems = cross_problems(self.model_dump(include={"watches", "defaults", "notify"}))
            if problems:
                raise ValueError("; ".join(problems))
        return self

    # -- derived views -------------------------------------------------------------------------
    def shown(self, text: str | None) -> str | None:
        """`text` (a URL, an error detail) fit to print: every value substituted from the
        environment put back as written ('${API_KEY}'), and the password of any URL in it that
        was written in the file masked ('http://user:****@host'), so no secret is echoed."""
        from monitor.secrets import hide_passwords

        return hide_passwords(as_written(text, self._written)) if text else text

    def require_targets(self, targets: list[str] | None = None) -> None:
        """Raise ConfigError when a notification URL of `targets` (default: all) is written with a
        ${VAR} that is not set (one line per URL, naming file, key and every unset variable). Only
        commands that send alerts call this (check, accept, run, notify test and flush), and `notify
        test T` for T alone: reading history needs no Slack token; an unread URL is never sent to."""
        require_read(self._targets_problem, targets)

    def watch(self, name: str) -> WatchConfig | None:
        """The watch of that name in any case and Unicode normal form, or None."""
        # A dict, not a scan: the daemon looks a watch up on every check, and name_key (Unicode
        # normalisation) over 10,000 watches per lookup cost milliseconds. model_copy keeps this
        # private attribute, so the index remembers which list it indexes.
        if self._by_key is None or self._by_key[0] is not self.watches:
            index: dict[str, WatchConfig] = {}
            for w in self.watches:
                index.setdefault(name_key(w.name), w)  # the first, as the scan found it
            self._by_key = (self.watches, index)
        return self._by_key[1].get(name_key(name))

    def interval_of(self, watch: WatchConfig) -> str:
        return watch.interval or self.defaults.interval

    def targets_of(self, watch: WatchConfig) -> list[str]:
        """The change targets a watch routes to: its own list, else the default list, else all
        targets except the ops target."""
        if watch.notify is not None:
            return list(watch.notify)
        if self.defaults.notify is not None:
            return list(self.defaults.notify)
        return [n for n in self.notify.targets if n != self.notify.ops_target]


def parse_config(data: dict[str, Any], source: str = "<config>", *, check_targets: bool = True) -> Config:
    """Validate a parsed TOML tree (with ${VAR}s substituted) into a Config. Raises ConfigError with
    one line per problem, `source: key: what is wrong`, values shown as written (never with a
    secret substituted). With `check_targets`, every notification URL must be one apprise can use.
    Every problem of the file is reported at once: unset variables, bad values, problems between
    keys (a repeated watch name, naming both watches) and URLs apprise refuses."""
    written: dict[str, str] = {}
    data, token_problem = defer_web_token(data, source)
    data, deferred, targets_problem = defer_target_urls(data, source)
    subst, unset = collect_env(data, written)
    for (name, i), url in deferred.items():  # as written: no secret in it, and never sent
        subst["notify"]["targets"][name]["urls"][i] = url
    problems = [f"{key or 'value'}: {unset_text(names)}" for key, names in unset.items()]
    config = None
    try:
        config = Config.model_validate(subst, context={_CROSS_CHECKED: True})
    except ValidationError as exc:
        for err in exc.errors():
            loc = tuple(err["loc"])
            if _under(loc_text(loc), unset):
                continue  # a value left as "${VAR}": its unset variable is the problem, said above
            msg = problem_text(err, Config)
            key = describe(subst, loc)
            problems.append(f"{key}: {msg}" if key else msg)
    problems += [p for p in cross_problems(subst) if not _under(p.partition(":")[0], unset)]
    if check_targets:
        problems += _target_problems(subst, data, set(deferred))
    if problems or config is None:
        raise ConfigError(as_written("\n".join(f"{source}: {p}" for p in problems), written))
    config._written.update(written)
    config.web._token_problem = token_problem
    config._targets_problem = targets_problem
    return config


def _under(key: str, unset: dict[str, list[str]]) -> bool:
    """Whether `key` ('watches[0].timeout (watch 'A')') is, or is inside, a key whose ${VAR} is unset."""
    key = key.split(" (", 1)[0]
    return any(key == k or key.startswith((k + ".", k + "[")) for k in unset)


def _target_problems(subst: dict[str, Any], raw: dict[str, Any], deferred: set[tuple[str, int]]) -> list[str]:
    """'notify.targets.NAME.urls[i]: apprise cannot use URL: why' for each URL apprise rejects,
    read from the tree (`subst`, ${VAR}s substituted) so that they are found even when another key
    of the file is wrong; the URL is shown as written in the file (`raw`), with any literal
    credential masked. `deferred` URLs (their ${VAR} unset) are not known yet:
    `Config.require_targets` speaks for them."""
    from monitor.secrets import mask_text

    out = []

    def targets_of(tree: dict[str, Any]) -> dict[str, Any]:
        notify = tree.get("notify")
        targets = notify.get("targets") if isinstance(notify, dict) else None
        return targets if isinstance(targets, dict) else {}

    def urls_of(target: Any) -> list[Any]:
        urls = target.get("urls", []) if isinstance(target, dict) else []
        return [urls] if isinstance(urls, str) else list(urls) if isinstance(urls, list) else []

    raw_targets = targets_of(raw)
    for name, target in targets_of(subst).items():
        raw_urls = urls_of(raw_targets.get(name))
        for i, url in enumerate(urls_of(target)):
            if (name, i) in deferred or not isinstance(url, str):
                continue  # a URL that is no string is reported by validation
            why = apprise_problem(url)
            if why is None:
                continue
            shown = _shown_url(raw_urls[i] if i < len(raw_urls) and isinstance(raw_urls[i], str) else url)
            out.append(f"notify.targets.{name}.urls[{i}]: apprise cannot use {shown}: {mask_text(why, [url])}")
    return out


def _shown_url(written: str) -> str:
    """A URL as written, its literal secrets masked and its ${VAR} references kept where they are
    not in a credential position: 'mailto://me:${SMTP_PASSWORD}@host' -> 'mailto://me:****@host'."""
    from monitor.secrets import mask_url

    if not ENV_REF.sub("", written).strip():
        return written  # only references: nothing secret in them
    refs: dict[str, str] = {}

    def hold(m: re.Match[str]) -> str:
        key = f"ENVREF{chr(65 + len(refs) % 26)}"
        refs[key] = m.group(0)
        return key

    masked = mask_url(ENV_REF.sub(hold, written))
    for key, ref in refs.items():
        masked = masked.replace(key, ref)
    return masked


_APPRISE_LOCK = threading.Lock()


def apprise_problem(url: str) -> str | None:
    """None when apprise can send to `url`; else apprise's own reason ('Unparseable URL ...',
    'mqtt:// is disabled on this system.'), which may contain the URL (mask it before showing)."""
    import apprise

    logger = logging.getLogger("apprise")
    records: list[logging.LogRecord] = []

    class _Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler = _Keep(logging.WARNING)
    with _APPRISE_LOCK:
        # apprise logs why it refuses a URL; catch that here instead of letting it reach the log
        # (with the URL in it) or the terminal.
        propagate, level = logger.propagate, logger.level
        logger.addHandler(handler)
        logger.propagate = False
        if logger.getEffectiveLevel() > logging.WARNING:
            logger.setLevel(logging.WARNING)
        try:
            ok = apprise.Apprise().add(url)
        finally:
            logger.removeHandler(handler)
            logger.propagate = propagate
            logger.setLevel(level)
    if ok:
        return None
    reasons = [r.getMessage() for r in records if r.levelno >= logging.ERROR] or [
        r.getMessage() for r in records
    ]
    return "; ".join(dict.fromkeys(reasons)) or "not a URL apprise knows"


def load_config(path: str | os.PathLike[str] | None) -> Config:
    """Load a config file; with no path, an empty config (SQLite default, no watches)."""
    if path is None:
        return Config()
    p = Path(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{p}: file not found (copy config.example.toml to start)") from None
    except OSError as exc:
        raise ConfigError(f"{p}: cannot read: {exc.strerror}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{p}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{p}: invalid TOML: {exc}") from None
    config = parse_config(data, str(p))
    return config.model_copy(update={"path": p})
