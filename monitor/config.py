"""Reading and validating the TOML config.

Every problem is reported as a `ConfigError` naming the file, the key and what is wrong, so the CLI can
print one line and exit 2 instead of a traceback. `${VAR}` (or `${VAR:-default}`) in any string is
replaced from the environment, so secrets such as Slack tokens stay out of the file.
"""

from __future__ import annotations

import os
import re
import tomllib
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

DEFAULT_DB_URL = "sqlite:///./data/monitor.db"
DEFAULT_USER_AGENT = "policy-monitor/0.1 (+https://github.com/policy-monitor/policy-monitor)"
_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d|w)\s*$", re.I)
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._()/&+-]{0,119}$")


class ConfigError(Exception):
    """A config problem, already phrased for the user: `file: key: what is wrong`."""


def parse_duration(text: str) -> timedelta:
    """'90s', '30m', '6h', '1d', '2w' -> timedelta. Raises ValueError with a readable message."""
    m = _DURATION.match(str(text))
    if not m:
        raise ValueError(f"{text!r} is not a duration like '30m', '6h', '1d' or '1w'")
    seconds = float(m.group(1)) * _UNIT_SECONDS[m.group(2).lower()]
    if seconds <= 0:
        raise ValueError(f"{text!r} must be longer than zero")
    return timedelta(seconds=seconds)


def is_cron(text: str) -> bool:
    return len(str(text).split()) == 5


def validate_schedule(text: str) -> str:
    """An interval is a duration ('6h', '1d') or a five-field cron expression ('0 6 * * 1')."""
    if is_cron(text):
        from apscheduler.triggers.cron import CronTrigger

        try:
            CronTrigger.from_crontab(text, timezone="UTC")
        except ValueError as exc:
            raise ValueError(f"{text!r} is not a valid cron expression: {exc}") from None
        return text
    parse_duration(text)
    return text


class _Model(BaseModel):
    # A misspelt key is an error, not silently ignored: "interal = '6h'" must not watch daily.
    model_config = ConfigDict(extra="forbid", frozen=True)


class DatabaseConfig(_Model):
    url: str = DEFAULT_DB_URL
    keep_raw_bodies: int = Field(5, ge=0, description="raw bodies kept per watch, newest first")
    recent_versions: int = Field(5, ge=1, description="how many recent versions count as a flap")


class FetchConfig(_Model):
    concurrency: int = Field(8, ge=1, le=256)
    per_host: int = Field(2, ge=1, le=64)
    max_body_bytes: int = Field(10_000_000, ge=1024)
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

    @field_validator("full_fetch_after")
    @classmethod
    def _full_fetch_after(cls, v: str) -> str:
        parse_duration(v)
        return v


class WatchConfig(_Model):
    name: str
    url: str
    interval: str | None = None
    tags: list[str] = []
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
        if not _NAME.match(v):
            raise ValueError(f"{v!r}: use letters, digits, spaces and . _ - ( ) / & + (at most 120)")
        return v

    @field_validator("url")
    @classmethod
    def _url(cls, v: str) -> str:
        if not re.match(r"^https?://[^\s/]+", v):
            raise ValueError(f"{v!r} is not an http(s) URL")
        return v

    @field_validator("interval")
    @classmethod
    def _interval(cls, v: str | None) -> str | None:
        return None if v is None else validate_schedule(v)

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

    @field_validator("token")
    @classmethod
    def _token(cls, v: str | None) -> str | None:
        if v is not None and not v.strip():
            raise ValueError("an empty token would let anyone in: remove the key or set a value")
        return v


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

    @model_validator(mode="after")
    def _cross_checks(self) -> Config:
        seen: set[str] = set()
        for i, w in enumerate(self.watches):
            if w.name.lower() in seen:
                raise ValueError(f"watches[{i}].name: duplicate watch name {w.name!r}")
            seen.add(w.name.lower())
            if w.wait_for is not None and (w.fetcher or self.defaults.fetcher) != "browser":
                raise ValueError(
                    f"watches[{i}].wait_for (watch {w.name!r}): only the browser fetcher waits for a "
                    'selector; add fetcher = "browser" to the watch or to [defaults]'
                )
            for t in w.notify or []:
                if t not in self.notify.targets:
                    raise ValueError(
                        f"watches[{i}].notify: unknown target {t!r} (define [notify.targets.{t}])"
                    )
        for t in self.defaults.notify or []:
            if t not in self.notify.targets:
                raise ValueError(f"defaults.notify: unknown target {t!r} (define [notify.targets.{t}])")
        ops = self.notify.ops_target
        if ops and ops not in self.notify.targets:
            raise ValueError(f"notify.ops_target: unknown target {ops!r} (define [notify.targets.{ops}])")
        return self

    # -- derived views -------------------------------------------------------------------------
    def watch(self, name: str) -> WatchConfig | None:
        return next((w for w in self.watches if w.name.lower() == name.lower()), None)

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


def substitute_env(value: Any, where: str = "") -> Any:
    """Replace ${VAR} / ${VAR:-default} in every string of a parsed TOML tree."""
    if isinstance(value, str):

        def repl(m: re.Match[str]) -> str:
            var, default = m.group(1), m.group(2)
            if var in os.environ:
                return os.environ[var]
            if default is not None:
                return default
            raise ConfigError(f"{where or 'value'}: environment variable ${{{var}}} is not set")

        return _ENV.sub(repl, value)
    if isinstance(value, dict):
        return {k: substitute_env(v, f"{where}.{k}" if where else k) for k, v in value.items()}
    if isinstance(value, list):
        return [substitute_env(v, f"{where}[{i}]") for i, v in enumerate(value)]
    return value


def _loc(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _describe(data: dict[str, Any], loc: tuple[Any, ...]) -> str:
    """Add the watch name to a location inside [[watches]], which is what a user searches for."""
    key = _loc(loc)
    if len(loc) >= 2 and loc[0] == "watches" and isinstance(loc[1], int):
        try:
            name = data["watches"][loc[1]].get("name")
        except (IndexError, AttributeError, KeyError):
            name = None
        if name:
            key += f" (watch {name!r})"
    return key


def parse_config(data: dict[str, Any], source: str = "<config>") -> Config:
    try:
        data = substitute_env(data)
    except ConfigError as exc:
        raise ConfigError(f"{source}: {exc}") from None
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            msg = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                msg = "unknown key"
            key = _describe(data, tuple(err["loc"]))
            problems.append(f"{source}: {key}: {msg}" if key else f"{source}: {msg}")
        raise ConfigError("\n".join(problems)) from None


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
