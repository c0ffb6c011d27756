"""Masking apprise URLs for logs and the CLI.

Apprise URLs carry credentials in different places: a password (`mailto://user:pass@host`), tokens
as "host" and path (`slack://TOKEN_A/TOKEN_B/TOKEN_C`), or query values (`?token=...`). A target's
name is what logs should mention; when a URL must be shown, `mask_url` keeps enough to recognise it
and nothing that would let anyone post with it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import overload
from urllib.parse import parse_qsl, quote, unquote, urlsplit

MASK = "****"

# Schemes whose host and path are a real server and a resource on it, not credentials.
_HOST_SCHEMES = {
    "http",
    "https",
    "json",
    "jsons",
    "form",
    "forms",
    "xml",
    "xmls",
    "mailto",
    "mailtos",
    "smtp",
    "smtps",
    "postgres",
    "postgresql",
    "postgresql+psycopg",
    "mysql",
}
# Query keys whose values are secrets on any scheme.
_SECRET_KEYS = re.compile(r"(pass|pwd|secret|token|key|auth|sig|code|webhook|hook|cred|session|bearer)", re.I)
# A path segment that looks generated rather than chosen: long, or letters and digits mixed.
_TOKENISH = re.compile(r"^(?=.*\d)(?=.*[A-Za-z])[A-Za-z0-9_\-.=+~%]{8,}$|^[A-Za-z0-9_\-=+%]{24,}$")
_URL = re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.\-]{1,30}://[^\s'\"<>]+")
_MIN_SECRET = 4  # shorter fragments would mask ordinary words in error texts


def _partial(segment: str) -> str:
    """Keep two characters so an operator can tell tokens apart: 'T0123ABC' -> 'T0***'."""
    if segment.startswith(("#", "@", "+")) or segment == "":
        return segment  # a channel or user name, not a credential
    return segment[:2] + "***" if len(segment) > 6 else MASK


def _split(url: str) -> tuple[str, str, str | None, str | None, str, list[str], list[tuple[str, str]], str]:
    """scheme, separator, user, password, host[:port], path segments, query pairs, fragment."""
    parts = urlsplit(url)
    user = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password else None
    netloc = parts.netloc.rsplit("@", 1)[-1]
    segments = [s for s in parts.path.split("/")]
    query = parse_qsl(parts.query, keep_blank_values=True)
    return parts.scheme.lower(), "://", user, password, netloc, segments, query, parts.fragment


def mask_url(url: str) -> str:
    """An apprise URL with its secrets masked:
    'slack://T0123ABCD/B0123ABCD/abcdefXYZ' -> 'slack://T0***/B0***/****',
    'mailto://user:pass@host' -> 'mailto://user:****@host', 'json://host:8080/hook' unchanged."""
    try:
        scheme, sep, user, password, netloc, segments, query, fragment = _split(url)
    except ValueError:
        return MASK  # unparseable: show nothing rather than something secret
    if not scheme:
        return MASK
    auth = ""
    if user is not None:
        auth = quote(user, safe="@.+-_") + (":" + MASK if password is not None else "") + "@"
    if scheme in _HOST_SCHEMES:
        host = netloc
        path = "/".join(_partial(s) if _TOKENISH.match(s) else s for s in segments)
    else:
        # Token schemes: the "host" and every path segment may be a credential; the last one
        # (the secret part of webhook-style URLs) is hidden entirely.
        host = _partial(netloc)
        masked = [_partial(s) if s else s for s in segments]
        for i in range(len(masked) - 1, -1, -1):
            if segments[i] and not segments[i].startswith(("#", "@", "+")):
                masked[i] = MASK
                break
        else:
            if netloc and not segments[1:]:
                host = MASK  # the whole credential is the host, e.g. 'pover://KEY'
        path = "/".join(masked)
    out = f"{scheme}{sep}{auth}{host}{path}"
    if query:
        pairs = [f"{k}={MASK if _SECRET_KEYS.search(k) else v}" for k, v in query]
        out += "?" + "&".join(pairs)
    if fragment:
        # Apprise reads 'slack://.../#legal' as a channel: a name, kept; anything else is hidden.
        out += "#" + (
            fragment if re.fullmatch(r"[\w.\-]{1,80}", fragment) and not _TOKENISH.match(fragment) else MASK
        )
    return out


def secret_parts(url: str) -> list[str]:
    """The fragments of `url` that must never be printed, longest first (so a token is masked before
    a shorter secret that happens to be part of it)."""
    try:
        scheme, _sep, _user, password, netloc, segments, query, _fragment = _split(url)
    except ValueError:
        return [url]
    found: set[str] = {url}
    if password:
        found.update({password, quote(password, safe="")})
    if scheme not in _HOST_SCHEMES:
        found.add(netloc.split(":")[0])
        found.update(s for s in segments if s and not s.startswith(("#", "@", "+")))
    else:
        found.update(s for s in segments if _TOKENISH.match(s))
    found.update(v for k, v in query if v and _SECRET_KEYS.search(k))
    unquoted = {unquote(s) for s in found}
    return sorted((s for s in found | unquoted if len(s) >= _MIN_SECRET), key=len, reverse=True)


def _mask_match(m: re.Match[str]) -> str:
    url = m.group(0)
    tail = ""
    while url and url[-1] in ".,;:)]}":  # sentence punctuation after a URL is not part of it
        url, tail = url[:-1], url[-1] + tail
    if "***" in url:
        return url + tail  # already masked (by the pass over known URLs)
    return mask_url(url) + tail


def mask_text(text: str, secrets: Iterable[str]) -> str:
    """Scrub `text` (an error message, a log line) of the given URLs or secrets and of anything
    URL-shaped in it: known URLs become their masked form, their credentials become '****'."""
    if not text:
        return text
    secrets = [s for s in secrets if s]
    for secret in sorted(secrets, key=len, reverse=True):
        if "://" in secret:
            text = text.replace(secret, mask_url(secret))
    # URLs we were not told about (e.g. the HTTP form of a webhook URL in a library's message).
    text = _URL.sub(_mask_match, text)
    fragments: set[str] = set()
    for secret in secrets:
        fragments.update(secret_parts(secret) if "://" in secret else [secret])
    for fragment in sorted(fragments, key=len, reverse=True):
        if len(fragment) >= _MIN_SECRET:
            text = text.replace(fragment, MASK)
    return text


# 'scheme://user:password@': the password ends at the first character RFC 3986 forbids in it
# unencoded (a quote or '<' too, as a URL quoted in a message or a page ends there).
_USERINFO = re.compile(r"(\b[a-zA-Z][a-zA-Z0-9+.\-]{1,30}://[^\s/?#@:'\"<>]*):([^\s/?#@'\"<>]+)@")
# A password written as one ${VAR} reference (how `Config.shown` puts it back) names no secret.
_ENV_REF = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*\}")


@overload
def hide_passwords(text: str) -> str: ...
@overload
def hide_passwords(text: None) -> None: ...
def hide_passwords(text: str | None) -> str | None:
    """`text` with the password of every URL in it masked: 'http://user:hunter2@host/p' ->
    'http://user:****@host/p'. Unlike `mask_url`, the rest of the URL is kept whole: a watched page's
    address is no secret, and a person must be able to recognise it. A password shown as written,
    '${SITE_PW}', is kept (it names the variable, not its value)."""
    if not text or "@" not in text:
        return text

    def repl(m: re.Match[str]) -> str:
        password = m.group(2)
        return m.group(0) if password == MASK or _ENV_REF.fullmatch(password) else f"{m.group(1)}:{MASK}@"

    return _USERINFO.sub(repl, text)
