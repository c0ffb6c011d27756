"""Sending one message to one apprise URL: the stable message id, the target's timeouts, and whether
a failure was ambiguous (the request went out, no answer came: the receiver may have the message).

apprise URL parameters used (see apprise's URLBase and the json/form/xml and email plugins):
`cto`/`rto` connect and read timeouts, `+Name=value` a request (or e-mail) header, and for json://
`:key=value` a field added to the JSON payload.
"""

from __future__ import annotations

import contextlib
import re
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from monitor.config import TargetConfig
from monitor.render import Message


class DeliveryError(Exception):
    """A message was not accepted; the text is safe to log (no secrets)."""


class AmbiguousDelivery(DeliveryError):
    """The request went out but no answer came in time: the receiver may or may not have it."""


ID_HEADER = "X-Policy-Monitor-Event"
_WEBHOOK_SCHEMES = frozenset({"json", "jsons", "form", "forms", "xml", "xmls"})
_EMAIL_SCHEMES = frozenset({"mailto", "mailtos"})


def _safe_filename(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip(".-")[:100] or "attachment"


def prepare_url(url: str, target: TargetConfig, msg_id: str | None) -> str:
    """The apprise URL as sent: the target's timeouts (apprise `cto`/`rto`) and, for webhooks and
    e-mail, the message id as headers (`+Name=value`) and, for json://, as the payload field `id`
    (`:id=value`). Parameters the user wrote in the URL win. Appended at the end, so the configured
    URL stays a prefix and is still masked in logs."""
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    present = {k.lower() for k, _ in _query(url)}
    params: list[tuple[str, str]] = [
        ("cto", f"{target.connect_timeout:g}"),
        ("rto", f"{target.timeout:g}"),
    ]
    if msg_id is not None and (scheme in _WEBHOOK_SCHEMES or scheme in _EMAIL_SCHEMES):
        params += [(f"+{ID_HEADER}", msg_id)]
        if scheme in _WEBHOOK_SCHEMES:
            params += [("+Idempotency-Key", msg_id)]
        if scheme in ("json", "jsons"):
            params += [(":id", msg_id)]
    extra = "&".join(
        f"{quote(k, safe='+:')}={quote(v, safe='')}" for k, v in params if k.lower() not in present
    )
    if not extra:
        return url
    return url + ("&" if "?" in url else "?") + extra


# One send at a time per process: what apprise does is observed through process-wide hooks (below),
# and apprise runs a service in a worker thread, where thread-locals and context variables of the
# caller are not seen. Sends are sequential in the sender anyway.
_SEND_LOCK = threading.Lock()
_STATE: dict[str, Any] = {"msgid": None, "errors": None}


def _install_hooks() -> None:
    """Once per process: (1) apprise's e-mail plugin makes a random Message-ID with
    email.utils.make_msgid after the custom headers, so a stable one means answering that call;
    (2) requests' HTTPAdapter.send is wrapped to record the exception of a failed request, because
    apprise only logs it (at DEBUG) and whether the request went out decides if a retry may double it."""
    import apprise.plugins.email.base as email_base
    from requests.adapters import HTTPAdapter

    if not getattr(email_base.make_msgid, "_policy_monitor", False):
        original_msgid = email_base.make_msgid

        def make_msgid(idstring: str | None = None, domain: str | None = None) -> str:
            wanted = _STATE["msgid"]
            if wanted is None:
                return original_msgid(idstring=idstring, domain=domain)
            right = re.sub(r"[^A-Za-z0-9.-]", "", domain or "") or "policy-monitor"
            return f"<{wanted}@{right}>"

        make_msgid._policy_monitor = True  # type: ignore[attr-defined]
        email_base.make_msgid = make_msgid

    if not getattr(HTTPAdapter.send, "_policy_monitor", False):
        original_send = HTTPAdapter.send

        def send(self: HTTPAdapter, request: Any, *args: Any, **kwargs: Any) -> Any:
            try:
                return original_send(self, request, *args, **kwargs)
            except Exception as exc:
                errors = _STATE["errors"]
                if errors is not None:
                    errors.append(exc)
                raise

        send._policy_monitor = True  # type: ignore[attr-defined]
        HTTPAdapter.send = send  # type: ignore[method-assign]


@contextlib.contextmanager
def _observed(msg_id: str | None) -> Iterator[list[BaseException]]:
    """Hold the send lock; answer Message-ID requests with `msg_id`; collect request exceptions."""
    _install_hooks()
    errors: list[BaseException] = []
    with _SEND_LOCK:
        _STATE["msgid"], _STATE["errors"] = msg_id, errors
        try:
            yield errors
        finally:
            _STATE["msgid"], _STATE["errors"] = None, None


def ambiguous(exc: BaseException) -> str | None:
    """Why a failed request may have reached the receiver (it was sent, no answer came), or None
    when it certainly did not (refused, name not resolved, connect timeout, TLS failure)."""
    import requests
    from urllib3.exceptions import ProtocolError

    if isinstance(exc, requests.exceptions.ReadTimeout):
        return "sent, but no answer within {rto}s"
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return None
    if any(isinstance(e, ProtocolError) for e in _causes(exc)):  # the connection broke once made
        return "sent, but the connection closed before an answer"
    return None


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """`exc` and everything it wraps: causes, contexts, urllib3's `reason`, exception arguments."""
    stack: list[object] = [exc]
    seen: set[int] = set()
    while stack:
        e = stack.pop()
        if not isinstance(e, BaseException) or id(e) in seen:
            continue
        seen.add(id(e))
        yield e
        stack += [e.__cause__, e.__context__, getattr(e, "reason", None), *e.args]


def _query(url: str) -> list[tuple[str, str]]:
    # Not parse_qsl: it reads "+" as a space, and apprise's "+Header=value" keys start with one.
    pairs = []
    for part in urlsplit(url).query.split("&"):
        if part:
            key, _, value = part.partition("=")
            pairs.append((unquote(key), unquote(value)))
    return pairs


def _url_param(url: str, name: str) -> str | None:
    return next((value for key, value in _query(url) if key == name), None)


def apprise_send(url: str, message: Message) -> None:
    """Send one message to one apprise URL; raises DeliveryError (with apprise's own reason), or
    AmbiguousDelivery when the request went out but no answer came (read timeout, dropped connection).
    The URL comes from `prepare_url`: its `+X-Policy-Monitor-Event` also becomes an e-mail's Message-ID."""
    import apprise

    rto = _number(_url_param(url, "rto")) or 4.0
    cto = _number(_url_param(url, "cto")) or 4.0
    # apprise abandons a service after `service_timeout` (60 s by default): never before our own timeouts.
    asset = apprise.AppriseAsset(async_mode=False, service_timeout=cto + rto + 30)
    ap = apprise.Apprise(asset=asset)
    if not ap.add(url):
        raise DeliveryError("not a valid apprise URL (or its plugin is unavailable)")
    # Attachments go through files: the email plugin reads them by path; the directory is removed after.
    with (
        tempfile.TemporaryDirectory(prefix="policy-monitor-") as tmp,
        _observed(_url_param(url, f"+{ID_HEADER}")) as errors,
    ):
        attach = None
        if message.attachments:
            attach = apprise.AppriseAttachment()
            for name, data, _mime in message.attachments:
                path = Path(tmp) / _safe_filename(name)
                path.write_bytes(data)
                attach.add(str(path))
        result = ap.notify(
            body=message.body, title=message.title, body_format=message.body_format, attach=attach
        )
    if not result:
        reasons = [e.message for e in result.logs() if str(e.level).upper() in ("WARNING", "ERROR")]
        reason = "; ".join(dict.fromkeys(reasons)) or "the service did not accept the message"
        why = next((w for w in map(ambiguous, errors) if w), None)
        if why is not None:
            raise AmbiguousDelivery(f"{reason} ({why.format(rto=f'{rto:g}')})")
        raise DeliveryError(reason)


def _number(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None
