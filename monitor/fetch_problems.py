"""Network failures in words an operator can act on.

The HTTP client (aiohttp) reports trouble as its own exception classes, wrapped around the parser's
or the operating system's; a check's error message names what happened instead ("connection
refused (nothing listens on that port)", "the response body was cut short (19 of 5000 bytes
received)", "the site's TLS certificate is not valid for this name (policy.example)", "the host
name policy.example does not resolve (no such name)"), never a class name nor OpenSSL's or the
resolver's codes; those go to the debug log.
"""

from __future__ import annotations

import logging
import re
import socket
import ssl

import aiohttp
from aiohttp.http_exceptions import LineTooLong

from monitor.netguard import MAX_HEADER_BYTES

log = logging.getLogger(__name__)


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
    (aiohttp.ClientResponseError, "the server's answer is not valid HTTP"),
    (aiohttp.ClientConnectorError, "cannot connect"),
)


def network_problem(exc: BaseException) -> str:
    """`exc` as a user reads it: the OS error under the client's wrapper where it is a known one,
    else what the client's error means, with the parser's or the system's own words."""
    for kind, text in _OS_PROBLEMS:
        if caused_by(exc, kind):
            return text
    detail = innermost_words(exc).rstrip(". ")  # a sentence of its own would end in ".)"
    if caused_by(exc, LineTooLong):
        # aiohttp says "Got more than 65536 bytes when reading: b'...'": not "invalid HTTP", too big.
        log.debug("header line too long: %s", detail)
        return f"the server's response headers are too large (a header line over {MAX_HEADER_BYTES // 1024} KB)"
    if isinstance(exc, aiohttp.ClientPayloadError):
        # The parser's own sentence already holds parentheses ("... header (received 19 of 5000
        # bytes)."): only the figures are worth keeping.
        got = re.search(r"received (\d+) of (\d+) bytes", detail)
        if got:
            return f"the response body was cut short ({got[1]} of {got[2]} bytes received)"
        log.debug("body cut short: %s", detail)
        return "the response body was cut short (the connection ended before the body did)"
    if isinstance(exc, aiohttp.ClientSSLError):
        return tls_problem(exc)
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


# OpenSSL's verification codes (X509_V_ERR_*) in words: what is wrong with the site's certificate.
_CERTIFICATE_PROBLEMS = {
    9: "the site's TLS certificate is not valid yet",
    10: "the site's TLS certificate has expired",
    18: "the site's TLS certificate is self-signed, not issued by a trusted authority",
    19: "the site's TLS certificate is not issued by a trusted authority (self-signed root)",
    20: "the site's TLS certificate is not issued by a trusted authority",
    21: "the site's TLS certificate is not issued by a trusted authority",
    23: "the site's TLS certificate has been revoked",
    62: "the site's TLS certificate is not valid for this name",
    64: "the site's TLS certificate is not valid for this address",
}


def certificate_problem(error: BaseException, host: str) -> str:
    """A certificate that failed verification, in words: "the site's TLS certificate is not valid for
    this name (policy.example)". OpenSSL's own text ("[SSL: CERTIFICATE_VERIFY_FAILED] certificate
    verify failed: Hostname mismatch ... (_ssl.c:1006)") goes to the debug log only."""
    log.debug("TLS certificate verification failed for %s: %s", host, first_line(error))
    code = getattr(error, "verify_code", None)
    text = _CERTIFICATE_PROBLEMS.get(code) if isinstance(code, int) else None
    if text is None:
        return f"the site's TLS certificate could not be verified ({_openssl_words(error) or 'no reason given'})"
    return f"{text} ({host})" if code in (62, 64) else text


def tls_problem(exc: BaseException) -> str:
    """A TLS handshake that failed for another reason than the certificate (a server speaking plain
    HTTP on 443, no protocol version in common)."""
    words = _openssl_words(exc)
    log.debug("TLS handshake failed: %s", innermost_words(exc) or first_line(exc))
    return f"the TLS handshake with the site failed ({words})" if words else "the TLS handshake with the site failed"


def _openssl_words(exc: BaseException) -> str:
    """OpenSSL's reason without its codes: "wrong version number" from "[SSL: WRONG_VERSION_NUMBER]
    wrong version number (_ssl.c:1006)"."""
    seen: BaseException | None = exc
    for _ in range(16):
        if seen is None:
            return ""
        if isinstance(seen, ssl.SSLError):
            text = getattr(seen, "verify_message", None) or seen.strerror or str(seen)
            text = re.sub(r"^\[[A-Z0-9_]+: [A-Z0-9_]+\]\s*|\s*\(_ssl\.c:\d+\)$", "", str(text)).strip()
            return text.removeprefix("certificate verify failed: ")
        seen = seen.__cause__ or seen.__context__
    return ""


# getaddrinfo's errors (EAI_*) in words; the rest keep the system's short text.
_RESOLVER_PROBLEMS = {
    socket.EAI_NONAME: "does not resolve (no such name)",
    socket.EAI_AGAIN: "could not be resolved just now (the DNS server did not answer in time)",
    socket.EAI_FAIL: "could not be resolved (the DNS server failed)",
}
if hasattr(socket, "EAI_NODATA"):
    _RESOLVER_PROBLEMS[socket.EAI_NODATA] = "has no address (the name exists but has no address record)"


def dns_problem(host: str, error: BaseException) -> str:
    """A host name that did not resolve, in words: "the host name policy.example does not resolve
    (no such name)", not "[Errno -2] Name or service not known"."""
    log.debug("resolving %s failed: %r", host, error)
    code = error.errno if isinstance(error, OSError) else None
    text = _RESOLVER_PROBLEMS.get(code) if code is not None else None
    if text is None:
        words = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        return f"the host name {host} could not be resolved ({words})" if words else f"the host name {host} could not be resolved"
    return f"the host name {host} {text}"
