"""Network failures in words an operator can act on.

The HTTP client (aiohttp) reports trouble as its own exception classes, wrapped around the parser's
or the operating system's; a check's error message names what happened instead ("connection
refused (nothing listens on that port)", "the response body was cut short (Not enough data to
satisfy content length header (received 19 of 5000 bytes).)"), never a class name.
"""

from __future__ import annotations

import aiohttp


def caused_by(exc: BaseException, kind: type[BaseException]) -> bool:
    """True when `exc` or an exception it was raised from (or during) is a `kind`."""
    seen: BaseException | None = exc
    for _ in range(16):  # a cycle in the chain must not hang a check
        if seen is None:
            return False
        if isinstance(seen, kind):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


# What an operator can act on, for the OS errors under the client's connection errors.
_OS_PROBLEMS: tuple[tuple[type[OSError], str], ...] = (
    (ConnectionRefusedError, "connection refused (nothing listens on that port)"),
    (ConnectionResetError, "connection reset by the server"),
)
# The client's own errors in words (aiohttp's class names mean nothing to an operator).
_CLIENT_PROBLEMS: tuple[tuple[type[Exception], str], ...] = (
    (aiohttp.ServerDisconnectedError, "the server closed the connection without an answer"),
    (aiohttp.ClientPayloadError, "the response body was cut short"),
    (aiohttp.ClientResponseError, "the server's answer is not valid HTTP"),
    (aiohttp.ClientSSLError, "TLS handshake failed"),
    (aiohttp.ClientConnectorError, "cannot connect"),
)


def network_problem(exc: BaseException) -> str:
    """`exc` as a user reads it: the OS error under the client's wrapper where it is a known one,
    else what the client's error means, with the parser's or the system's own words."""
    for kind, text in _OS_PROBLEMS:
        if caused_by(exc, kind):
            return text
    detail = innermost_words(exc)
    for kind, text in _CLIENT_PROBLEMS:
        if isinstance(exc, kind):
            return f"{text} ({detail})" if detail else text
    return detail or type(exc).__name__


def innermost_words(exc: BaseException) -> str:
    """The first line of the deepest message in `exc`'s chain: aiohttp's HTTP errors carry the
    parser's words in `message` ("Bad status line:", "Not enough data to satisfy content length
    header ..."), an OSError its strerror; the wrappers above them only repeat them with reprs."""
    words = ""
    seen: BaseException | None = exc
    for _ in range(16):
        if seen is None:
            break
        message = getattr(seen, "message", None)
        if isinstance(message, str) and message.strip():
            words = message
        elif isinstance(seen, OSError) and seen.strerror:
            words = seen.strerror
        seen = seen.__cause__ or seen.__context__
    return words.strip().splitlines()[0].rstrip(":") if words.strip() else ""
