"""monitor.fetch and monitor.netguard against a real HTTP server on 127.0.0.1.

The server is reached through an address guard that lets 127.0.0.1 (and nothing else private)
through, so every other refusal stays live. Names other than "localhost" are served by a stub resolver
that answers 127.0.0.1: no test ever asks a real DNS server anything.
"""

from __future__ import annotations

import asyncio
import gzip
import io
import ipaddress
import shutil
import socket
import ssl
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from httpserver import LocalHTTPServer, RequestRecord, Response

from monitor.fetch import Fetcher, FetchPolicy, FetchRequest, FetchResult, decode_body, parse_retry_after
from monitor.fetch_sniff import RETRY_AFTER_MAX
from monitor.netguard import AddressGuard, BlockedAddress, IPAddress, check_url_allowed, is_public_address

pytestmark = pytest.mark.anyio

FAST = FetchPolicy(backoff_base=0.001, backoff_max=0.01)
HTML = {"Content-Type": "text/html; charset=utf-8"}


async def stub_resolver(host: str, port: int) -> list[IPAddress]:
    """Every name is 127.0.0.1; literal addresses are themselves."""
    try:
        return [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        return [ipaddress.ip_address("127.0.0.1")]


LOCAL_ONLY = AddressGuard.allowing("127.0.0.1/32", resolver=stub_resolver)


async def fetch(
    request: FetchRequest | str,
    policy: FetchPolicy = FAST,
    guard: AddressGuard | None = LOCAL_ONLY,
    delays: list[float] | None = None,
) -> FetchResult:
    async def record_sleep(seconds: float) -> None:
        if delays is not None:
            delays.append(seconds)

    if isinstance(request, str):
        request = FetchRequest(request, timeout=5.0)
    async with Fetcher(policy, guard=guard, sleep=record_sleep) as fetcher:
        return await fetcher.fetch(request)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_pdf(text: str) -> bytes:
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    pdf.drawString(72, 720, text)
    pdf.save()
    return buffer.getvalue()


# --- success and decoding ------------------------------------------------------------------------


async def test_html_page_is_fetched_and_decoded(http_server: LocalHTTPServer) -> None:
    http_server.route("/privacy", Response(body="<html><h1>Privacy</h1><p>Données</p></html>", headers=HTML))

    result = await fetch(
        FetchRequest(http_server.url("/privacy"), user_agent="pm-test/1", headers={"X-A": "b"})
    )

    assert result.ok and result.error is None and result.error_kind is None
    assert (result.status, result.media_type, result.encoding, result.attempts) == (
        200,
        "text/html",
        "utf-8",
        1,
    )
    assert result.text == "<html><h1>Privacy</h1><p>Données</p></html>"
    assert result.body == result.text.encode("utf-8")
    assert result.url == http_server.url("/privacy")
    sent = http_server.requests[0].headers
    assert sent["user-agent"] == "pm-test/1" and sent["x-a"] == "b"
    assert "if-none-match" not in sent and "if-modified-since" not in sent


@pytest.mark.parametrize(
    "meta",
    [
        '<meta charset="windows-1252">',
        '<meta http-equiv="Content-Type" content="text/html; charset=windows-1252">',
    ],
)
async def test_meta_charset_decides_when_header_has_none(http_server: LocalHTTPServer, meta: str) -> None:
    page = f"<html><head>{meta}</head><body>“Quoted” — café, naïve, €5</body></html>"
    http_server.route("/p", Response(body=page.encode("cp1252"), headers={"Content-Type": "text/html"}))

    result = await fetch(http_server.url("/p"))

    assert result.ok and result.text == page and result.encoding == "windows-1252"


async def test_header_charset_latin1(http_server: LocalHTTPServer) -> None:
    page = "Données à caractère personnel: durée de conservation"
    headers = {"Content-Type": "text/plain; charset=ISO-8859-1"}
    http_server.route("/p", Response(body=page.encode("latin-1"), headers=headers))

    result = await fetch(http_server.url("/p"))

    assert result.ok and result.media_type == "text/plain" and result.text == page


async def test_header_charset_beats_meta(http_server: LocalHTTPServer) -> None:
    page = '<html><head><meta charset="windows-1252"></head><body>Żółć</body></html>'
    headers = {"Content-Type": "text/html; charset=utf-8"}
    http_server.route("/p", Response(body=page.encode("utf-8"), headers=headers))

    result = await fetch(http_server.url("/p"))

    assert result.text == page and result.encoding == "utf-8"


async def test_bom_is_used_and_stripped(http_server: LocalHTTPServer) -> None:
    text = "Privacy — Привет"
    http_server.route("/u16", Response(body=text.encode("utf-16"), headers={"Content-Type": "text/plain"}))
    http_server.route(
        "/u8", Response(body=b"\xef\xbb\xbf" + text.encode(), headers={"Content-Type": "text/plain"})
    )

    assert (await fetch(http_server.url("/u16"))).text == text
    assert (await fetch(http_server.url("/u8"))).text == text


async def test_undeclared_legacy_charset_is_detected(http_server: LocalHTTPServer) -> None:
    text = (
        "Политика конфиденциальности. Мы храним ваши персональные данные не дольше, чем это необходимо "
        "для целей обработки, и передаём их третьим лицам только с вашего согласия.\n"
    ) * 5
    http_server.route("/p", Response(body=text.encode("cp1251"), headers={"Content-Type": "text/plain"}))

    result = await fetch(http_server.url("/p"))

    assert result.ok and result.text == text


async def test_gzip_body_is_decompressed(http_server: LocalHTTPServer) -> None:
    page = "<html><p>compressed policy</p></html>"
    headers = {**HTML, "Content-Encoding": "gzip"}
    http_server.route("/z", Response(body=gzip.compress(page.encode()), headers=headers))

    result = await fetch(http_server.url("/z"))

    assert result.ok and result.text == page
    assert "gzip" in http_server.requests[0].headers["accept-encoding"]


# --- media types -----------------------------------------------------------------------------------


async def test_pdf_body_is_kept_raw(http_server: LocalHTTPServer) -> None:
    pdf = make_pdf("We keep your data for 30 days.")
    http_server.route("/p.pdf", Response(body=pdf, headers={"Content-Type": "application/pdf"}))
    http_server.route("/untyped", Response(body=pdf, headers={"Content-Type": "application/octet-stream"}))

    typed = await fetch(http_server.url("/p.pdf"))
    sniffed = await fetch(http_server.url("/untyped"))

    for result in (typed, sniffed):
        assert result.ok and result.media_type == "application/pdf"
        assert result.body == pdf and result.body.startswith(b"%PDF-") and result.text is None


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"<!DOCTYPE html><html><body>x</body></html>", "text/html"),
        (b"\n  <HTML><body>x</body></HTML>", "text/html"),
        (b"# Privacy\n\nWe collect nothing.", "text/plain"),
    ],
)
async def test_untyped_body_is_sniffed(http_server: LocalHTTPServer, body: bytes, expected: str) -> None:
    http_server.route("/x", Response(body=body))  # no Content-Type at all

    result = await fetch(http_server.url("/x"))

    assert result.ok and result.media_type == expected and result.text == body.decode()


async def test_markdown_is_accepted(http_server: LocalHTTPServer) -> None:
    http_server.route(
        "/m", Response(body="# Policy", headers={"Content-Type": "text/markdown; charset=utf-8"})
    )

    result = await fetch(http_server.url("/m"))

    assert result.ok and result.media_type == "text/markdown" and result.text == "# Policy"


@pytest.mark.parametrize(
    ("content_type", "body", "reported"),
    [
        ("image/png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "image/png"),
        ("application/json; charset=utf-8", b'{"policy": 1}', "application/json"),
        ("application/zip", b"PK\x03\x04" + b"\x00" * 64, "application/zip"),
        ("application/octet-stream", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "application/octet-stream"),
    ],
)
async def test_unsupported_type_is_refused(
    http_server: LocalHTTPServer, content_type: str, body: bytes, reported: str
) -> None:
    http_server.route("/x", Response(body=body, headers={"Content-Type": content_type}))

    result = await fetch(http_server.url("/x"))

    assert not result.ok and result.error_kind == "unsupported_type" and result.attempts == 1
    assert result.status == 200 and result.media_type == reported
    assert reported in (result.error or "") and "text/html" in (result.error or "")
    assert result.text is None and result.body is None


# --- conditional requests --------------------------------------------------------------------------


async def test_etag_round_trip_gives_304(http_server: LocalHTTPServer) -> None:
    def etag_aware(request: RequestRecord) -> Response:
        if request.headers.get("if-none-match") == '"v1"':
            return Response(304, headers={"ETag": '"v1"'})
        return Response(body="<html>v1</html>", headers={**HTML, "ETag": '"v1"'})

    http_server.route("/p", etag_aware)

    first = await fetch(http_server.url("/p"))
    second = await fetch(FetchRequest(http_server.url("/p"), etag=first.etag))

    assert first.ok and not first.not_modified and first.etag == '"v1"'
    assert second.ok and second.not_modified and second.status == 304
    assert second.text is None and second.body is None and second.etag == '"v1"'
    assert http_server.requests[1].headers["if-none-match"] == '"v1"'


async def test_last_modified_round_trip_gives_304(http_server: LocalHTTPServer) -> None:
    stamp = "Wed, 01 May 2024 10:00:00 GMT"

    def date_aware(request: RequestRecord) -> Response:
        if request.headers.get("if-modified-since") == stamp:
            return Response(304)
        return Response(body="<html>v1</html>", headers={**HTML, "Last-Modified": stamp})

    http_server.route("/p", date_aware)

    first = await fetch(http_server.url("/p"))
    second = await fetch(FetchRequest(http_server.url("/p"), last_modified=first.last_modified))

    assert first.ok and not first.not_modified and first.last_modified == stamp
    assert second.ok and second.not_modified and second.status == 304 and second.body is None
    assert second.last_modified == stamp  # kept although the 304 did not repeat it


# --- redirects -------------------------------------------------------------------------------------


async def test_redirect_chain_is_followed(http_server: LocalHTTPServer) -> None:
    http_server.route("/old", Response(301, headers={"Location": "/older"}))
    http_server.route(
        "/older", Response(302, headers={"Location": http_server.url("/legal/privacy?lang=en")})
    )
    http_server.route("/legal/privacy", Response(307, headers={"Location": "current"}))
    http_server.route("/legal/current", Response(body="<html>final</html>", headers=HTML))

    result = await fetch(http_server.url("/old"))

    assert result.ok and result.text == "<html>final</html>" and result.attempts == 1
    assert result.url == http_server.url("/legal/current")
    assert [r.path for r in http_server.requests] == [
        "/old",
        "/older",
        "/legal/privacy?lang=en",
        "/legal/current",
    ]


async def test_too_many_redirects(http_server: LocalHTTPServer) -> None:
    for n in range(5):
        http_server.route(f"/r{n}", Response(302, headers={"Location": f"/r{n + 1}"}))
    http_server.route("/r5", Response(body="<html>too far</html>", headers=HTML))

    result = await fetch(http_server.url("/r0"), policy=FetchPolicy(max_redirects=2))

    assert not result.ok and result.error_kind == "redirects" and result.attempts == 1
    assert http_server.count() == 3  # the first request and two followed hops, then it stops


async def test_redirect_loop_stops(http_server: LocalHTTPServer) -> None:
    http_server.route("/loop", Response(302, headers={"Location": "/loop"}))

    result = await fetch(http_server.url("/loop"))

    assert result.error_kind == "redirects" and http_server.count() == FAST.max_redirects + 1


async def test_redirect_to_file_scheme_is_bad_url(http_server: LocalHTTPServer) -> None:
    http_server.route("/r", Response(302, headers={"Location": "file:///etc/passwd"}))

    result = await fetch(http_server.url("/r"))

    assert not result.ok and result.error_kind == "bad_url" and result.url.startswith("file:")
    assert result.error == (
        f"redirect from {http_server.url('/r')} to file:///etc/passwd not followed: "
        "only http and https URLs are fetched, not 'file'"
    )


async def test_credentials_are_not_forwarded_to_another_origin(http_server: LocalHTTPServer) -> None:
    other = f"http://policy.test:{http_server.port}/there"  # same server, different origin
    http_server.route("/here", Response(302, headers={"Location": other}))
    http_server.route("/there", Response(body="<html>x</html>", headers=HTML))
    headers = {"Authorization": "Bearer s3cret", "X-Tenant": "acme"}

    result = await fetch(FetchRequest(http_server.url("/here"), headers=headers))

    assert result.ok and result.url == other
    first, second = (r.headers for r in http_server.requests)
    assert first["authorization"] == "Bearer s3cret" and "authorization" not in second
    assert second["x-tenant"] == "acme" and second["host"] == f"policy.test:{http_server.port}"


# --- retries ---------------------------------------------------------------------------------------


async def test_503_twice_then_success(http_server: LocalHTTPServer) -> None:
    http_server.sequence("/p", Response(503), Response(503), Response(body="<html>ok</html>", headers=HTML))
    delays: list[float] = []

    result = await fetch(http_server.url("/p"), delays=delays)

    assert result.ok and result.text == "<html>ok</html>" and result.attempts == 3
    assert http_server.count("/p") == 3 and len(delays) == 2


async def test_429_honours_retry_after_zero(http_server: LocalHTTPServer) -> None:
    http_server.sequence(
        "/p", Response(429, headers={"Retry-After": "0"}), Response(body="<html>ok</html>", headers=HTML)
    )
    delays: list[float] = []

    result = await fetch(http_server.url("/p"), policy=FetchPolicy(backoff_base=50.0), delays=delays)

    assert result.ok and result.attempts == 2 and delays == [0.0]


async def test_retry_after_is_capped(http_server: LocalHTTPServer) -> None:
    # Issue 8, item 3: a wait longer than the cap is not slept (capped) any more; it ends the fetch
    # at once and is handed to the caller, which schedules the next check after it.
    http_server.sequence(
        "/p", Response(503, headers={"Retry-After": "3600"}), Response(body="<html>ok</html>", headers=HTML)
    )
    delays: list[float] = []

    result = await fetch(http_server.url("/p"), policy=FetchPolicy(retry_after_max=7.5), delays=delays)

    assert not result.ok and result.error_kind == "retry_later" and result.retry_after == 3600.0
    assert delays == [] and http_server.count("/p") == 1 and result.status == 503


async def test_retry_after_within_the_cap_is_honoured(http_server: LocalHTTPServer) -> None:
    http_server.sequence(
        "/p", Response(503, headers={"Retry-After": "5"}), Response(body="<html>ok</html>", headers=HTML)
    )
    delays: list[float] = []

    result = await fetch(http_server.url("/p"), policy=FetchPolicy(retry_after_max=7.5), delays=delays)

    assert result.ok and delays == [5.0] and result.attempts == 2


async def test_5xx_after_retries_is_an_error_with_status(http_server: LocalHTTPServer) -> None:
    http_server.route("/p", Response(500, "boom"))

    result = await fetch(FetchRequest(http_server.url("/p"), retries=2))

    assert not result.ok and result.error_kind == "http_status" and result.status == 500
    assert result.attempts == 3 and http_server.count("/p") == 3


async def test_404_is_not_retried(http_server: LocalHTTPServer) -> None:
    result = await fetch(http_server.url("/missing"))

    assert not result.ok and result.error_kind == "http_status" and result.status == 404
    assert result.attempts == 1 and http_server.count() == 1
    assert result.error == "HTTP 404 Not Found"


async def test_timeout_is_retried_then_reported(http_server: LocalHTTPServer) -> None:
    http_server.route("/slow", Response(body="<html>late</html>", headers=HTML, delay=5.0))

    result = await fetch(FetchRequest(http_server.url("/slow"), timeout=0.2, retries=2))

    assert not result.ok and result.error_kind == "timeout" and result.attempts == 3
    assert http_server.count("/slow") == 3
    # The message names the configured timeout and the whole wait, not what the budget had left.
    assert result.error.startswith("no complete response within 0.2 s (3 attempts, ")
    assert result.error.endswith(" s in all)")


async def test_slow_trickle_hits_the_whole_attempt_deadline(http_server: LocalHTTPServer) -> None:
    # Every chunk arrives well within the timeout, the whole body does not: a per-read timeout alone
    # would let a trickling server hold the fetch (and its concurrency slots) for ever.
    trickle = Response(
        body=b"x" * 200, headers={"Content-Type": "text/plain"}, chunked=True, chunk_size=1, chunk_delay=0.02
    )
    http_server.route("/t", trickle)

    result = await fetch(FetchRequest(http_server.url("/t"), timeout=0.3, retries=0))

    assert result.error_kind == "timeout" and result.attempts == 1


async def test_connection_refused_is_a_network_error() -> None:
    delays: list[float] = []
    policy = FetchPolicy(backoff_base=0.5, backoff_max=0.75)

    result = await fetch(FetchRequest(f"http://127.0.0.1:{closed_port()}/", retries=3), policy, delays=delays)

    assert not result.ok and result.error_kind == "network" and result.attempts == 4
    assert "connection refused" in (result.error or ""), result.error  # not "All connection attempts failed"
    # Full jitter: each delay is somewhere in [0, min(max, base * 2^n)].
    assert len(delays) == 3
    assert all(0.0 <= d <= ceiling for d, ceiling in zip(delays, [0.5, 0.75, 0.75], strict=True))


async def test_queueing_does_not_count_against_the_timeout(http_server: LocalHTTPServer) -> None:
    http_server.route("/slow", Response(body="<html>x</html>", headers=HTML, delay=0.1))
    policy = FetchPolicy(concurrency=8, per_host=1)
    request = FetchRequest(http_server.url("/slow"), timeout=0.5, retries=0)

    async with Fetcher(policy, guard=LOCAL_ONLY) as fetcher:
        results = await asyncio.gather(*(fetcher.fetch(request) for _ in range(8)))

    # Served one at a time the last waits ~0.7s in the queue, longer than its 0.5s timeout.
    assert [r.error_kind for r in results] == [None] * 8 and http_server.max_concurrent == 1


async def test_resolution_failure_is_a_retried_network_error() -> None:
    calls: list[str] = []

    async def failing(host: str, port: int) -> list[IPAddress]:
        calls.append(host)
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    guard = AddressGuard(resolver=failing)
    result = await fetch(FetchRequest("https://policy.test/privacy", retries=2), guard=guard)

    assert not result.ok and result.error_kind == "network" and result.attempts == 3
    assert "resolve" in (result.error or "") and calls == ["policy.test"] * 3
    assert result.error == "the host name policy.test does not resolve (no such name)"  # not "[Errno -2] ..."


@pytest.fixture(scope="module")
def self_signed(tmp_path_factory: pytest.TempPathFactory) -> tuple[ssl.SSLContext, Path]:
    """A server context for 127.0.0.1 with a fresh self-signed certificate, and that certificate."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl command not available to make a test certificate")
    folder: Path = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context, cert


@pytest.fixture
def https_server(self_signed: tuple[ssl.SSLContext, Path]) -> Iterator[LocalHTTPServer]:
    with LocalHTTPServer(tls=self_signed[0]) as server:
        yield server


async def test_untrusted_certificate_is_refused_without_retry(https_server: LocalHTTPServer) -> None:
    https_server.route("/p", Response(body="<html>x</html>", headers=HTML))

    result = await fetch(FetchRequest(https_server.url("/p"), retries=3))

    assert https_server.url("/p").startswith("https://127.0.0.1:")
    assert not result.ok and result.error_kind == "network" and result.attempts == 1
    # In words, without OpenSSL's codes ("[SSL: CERTIFICATE_VERIFY_FAILED] ... (_ssl.c:1006)").
    assert result.error == "the site's TLS certificate is self-signed, not issued by a trusted authority"
    assert https_server.count() == 0  # no HTTP request went over the unverified channel


async def test_a_certificate_for_another_name_is_said_so_in_words(
    https_server: LocalHTTPServer, self_signed: tuple[ssl.SSLContext, Path]
) -> None:
    # The certificate is trusted but names 127.0.0.1 only; the stub resolver sends policy.test there.
    https_server.route("/p", Response(body="<html>x</html>", headers=HTML))
    trusting = ssl.create_default_context(cafile=self_signed[1])

    async with Fetcher(FAST, guard=LOCAL_ONLY, ssl_context=trusting) as fetcher:
        result = await fetcher.fetch(FetchRequest(f"https://policy.test:{https_server.port}/p", retries=0))

    assert result.error == "the site's TLS certificate is not valid for this name (policy.test)", result.error



async def test_a_failed_tls_handshake_is_said_in_words(http_server: LocalHTTPServer) -> None:
    # https:// to a server speaking plain HTTP: OpenSSL's "[SSL: WRONG_VERSION_NUMBER] ... (_ssl.c:...)".
    http_server.route("/p", Response(body="<html>x</html>", headers=HTML))

    result = await fetch(FetchRequest(http_server.url("/p").replace("http://", "https://"), retries=0))

    assert not result.ok and result.error_kind == "network"
    error = result.error or ""
    assert error.startswith("the TLS handshake with the site failed") and "SSL" not in error and "_ssl.c" not in error

async def test_trusted_certificate_is_accepted(
    https_server: LocalHTTPServer, self_signed: tuple[ssl.SSLContext, Path]
) -> None:
    # The counterpart of the test above: the same server works once its certificate is trusted.
    https_server.route("/p", Response(body="<html>x</html>", headers=HTML))
    trusting = ssl.create_default_context(cafile=self_signed[1])

    async with Fetcher(FAST, guard=LOCAL_ONLY, ssl_context=trusting) as fetcher:
        result = await fetcher.fetch(FetchRequest(https_server.url("/p")))

    assert result.ok and result.text == "<html>x</html>" and https_server.count() == 1


# --- size limit ------------------------------------------------------------------------------------


async def test_oversized_body_with_content_length(http_server: LocalHTTPServer) -> None:
    http_server.route("/big", Response(body=b"a" * 2_000, headers={"Content-Type": "text/plain"}))
    http_server.route("/fits", Response(body=b"a" * 1_000, headers={"Content-Type": "text/plain"}))
    policy = FetchPolicy(max_body_bytes=1_000)

    big = await fetch(http_server.url("/big"), policy=policy)
    fits = await fetch(http_server.url("/fits"), policy=policy)

    assert not big.ok and big.error_kind == "too_large" and big.body is None and big.attempts == 1
    assert "Content-Length" in (big.error or "")
    assert fits.ok and fits.body == b"a" * 1_000


async def test_oversized_body_without_content_length(http_server: LocalHTTPServer) -> None:
    body = b"<html>" + b"a" * 4_000_000
    http_server.route("/big", Response(body=body, headers=HTML, chunked=True, chunk_size=16_384))

    result = await fetch(http_server.url("/big"), policy=FetchPolicy(max_body_bytes=100_000))

    assert not result.ok and result.error_kind == "too_large" and result.attempts == 1
    assert "Content-Length" not in (result.error or "")


async def test_gzip_bomb_is_bounded_by_decompressed_size(http_server: LocalHTTPServer) -> None:
    bomb = gzip.compress(b" " * 5_000_000)  # a few kilobytes on the wire
    http_server.route("/bomb", Response(body=bomb, headers={**HTML, "Content-Encoding": "gzip"}))

    result = await fetch(http_server.url("/bomb"), policy=FetchPolicy(max_body_bytes=100_000))

    assert len(bomb) < 100_000 and result.error_kind == "too_large"


# --- concurrency -----------------------------------------------------------------------------------


async def test_per_host_limit_is_honoured(http_server: LocalHTTPServer) -> None:
    http_server.route("/slow", Response(body="<html>x</html>", headers=HTML, delay=0.15))
    policy = FetchPolicy(concurrency=8, per_host=2)

    async with Fetcher(policy, guard=LOCAL_ONLY) as fetcher:
        results = await asyncio.gather(
            *(fetcher.fetch(FetchRequest(http_server.url("/slow"))) for _ in range(6))
        )

    assert all(r.ok for r in results)
    assert http_server.max_concurrent == 2  # reached, never exceeded


async def test_overall_limit_spans_hosts(http_server: LocalHTTPServer) -> None:
    http_server.route("/slow", Response(body="<html>x</html>", headers=HTML, delay=0.15))
    urls = [http_server.url("/slow"), f"http://policy.test:{http_server.port}/slow"] * 3
    policy = FetchPolicy(concurrency=3, per_host=2)

    async with Fetcher(policy, guard=LOCAL_ONLY) as fetcher:
        results = await asyncio.gather(*(fetcher.fetch(FetchRequest(u)) for u in urls))

    assert all(r.ok for r in results)
    assert http_server.max_concurrent == 3


# --- address guard ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://10.0.0.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://[fd00::1]/",
        "http://100.64.0.1/",
        "http://0.0.0.0/",
        "https://192.168.1.1/",
        "http://localhost/",
    ],
)
async def test_default_guard_refuses_private_targets(url: str) -> None:
    result = await fetch(url, policy=FetchPolicy(), guard=None)

    assert not result.ok and result.error_kind == "blocked_address" and result.attempts == 1
    assert "non-public" in (result.error or "")


async def test_default_guard_refuses_the_local_server(http_server: LocalHTTPServer) -> None:
    http_server.route("/p", Response(body="<html>x</html>", headers=HTML))

    result = await fetch(http_server.url("/p"), policy=FetchPolicy(), guard=None)

    assert result.error_kind == "blocked_address" and http_server.count() == 0


async def test_allow_private_addresses_reaches_the_local_server(http_server: LocalHTTPServer) -> None:
    http_server.route("/p", Response(body="<html>x</html>", headers=HTML))

    result = await fetch(http_server.url("/p"), policy=FetchPolicy(allow_private_addresses=True), guard=None)

    assert result.ok and http_server.count() == 1


async def test_redirect_hop_is_rechecked(http_server: LocalHTTPServer) -> None:
    http_server.route("/go", Response(302, headers={"Location": "http://10.1.2.3/internal"}))

    result = await fetch(http_server.url("/go"))

    assert not result.ok and result.error_kind == "blocked_address" and result.attempts == 1
    assert result.url == "http://10.1.2.3/internal" and http_server.count() == 1
    # It says it was a redirect, and from where: the watched URL itself is not private.
    assert result.error == (
        f"redirect from {http_server.url('/go')} to http://10.1.2.3/internal not followed: "
        "10.1.2.3 is a non-public address"
    )


async def test_dns_rebinding_is_caught_at_connect_time(http_server: LocalHTTPServer) -> None:
    http_server.route("/p", Response(body="<html>x</html>", headers=HTML))
    answers = iter(["127.0.0.1", "10.0.0.7", "10.0.0.7", "10.0.0.7"])

    async def rebinding(host: str, port: int) -> list[IPAddress]:
        return [ipaddress.ip_address(next(answers))]  # first answer passes the pre-check, then flips

    guard = AddressGuard.allowing("127.0.0.1/32", resolver=rebinding)
    result = await fetch(FetchRequest(f"http://rebind.test:{http_server.port}/p", retries=0), guard=guard)

    assert result.error_kind == "blocked_address" and "10.0.0.7" in (result.error or "")
    assert http_server.count() == 0


async def test_resolved_address_is_what_gets_dialled(http_server: LocalHTTPServer) -> None:
    # policy.test does not exist in DNS: reaching the server proves the guard's answer is the one used.
    http_server.route("/p", Response(body="<html>x</html>", headers=HTML))

    result = await fetch(f"http://policy.test:{http_server.port}/p")

    assert result.ok and http_server.requests[0].headers["host"] == f"policy.test:{http_server.port}"


@pytest.mark.parametrize(
    "url",
    ["file:///etc/passwd", "ftp://example.org/policy.txt", "data:text/html,<p>x</p>", "/relative", "http://"],
)
async def test_non_http_urls_are_bad_url(url: str) -> None:
    result = await fetch(url, guard=None)

    assert not result.ok and result.error_kind == "bad_url" and result.attempts == 1


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("8.8.8.8", True),
        ("1.1.1.1", True),
        ("2606:4700:4700::1111", True),
        ("::ffff:8.8.8.8", True),
        ("2002:808:808::1", True),  # 6to4 of a public address
        ("64:ff9b::808:808", True),  # NAT64 of a public address
        ("0.0.0.0", False),
        ("10.1.2.3", False),
        ("100.64.0.1", False),
        ("100.127.255.254", False),
        ("127.0.0.1", False),
        ("127.255.255.254", False),
        ("169.254.169.254", False),
        ("172.16.0.1", False),
        ("172.31.255.255", False),
        ("192.0.0.8", False),
        ("192.0.2.1", False),
        ("192.168.0.1", False),
        ("198.18.0.1", False),
        ("198.51.100.7", False),
        ("203.0.113.9", False),
        ("224.0.0.1", False),
        ("239.255.255.250", False),
        ("240.0.0.1", False),
        ("255.255.255.255", False),
        ("::", False),
        ("::1", False),
        ("::127.0.0.1", False),  # deprecated IPv4-compatible form
        ("::ffff:127.0.0.1", False),
        ("::ffff:10.0.0.1", False),
        ("::ffff:169.254.169.254", False),
        ("2002:7f00:1::", False),  # 6to4 of 127.0.0.1
        ("2002:a00:1::", False),  # 6to4 of 10.0.0.1
        ("64:ff9b::7f00:1", False),  # NAT64 of 127.0.0.1
        ("64:ff9b::a9fe:a9fe", False),  # NAT64 of 169.254.169.254
        ("64:ff9b:1::1", False),
        ("2001::1", False),  # Teredo
        ("2001:db8::1", False),
        ("fc00::1", False),
        ("fd12:3456::1", False),
        ("fe80::1", False),
        ("fec0::1", False),
        ("ff02::1", False),
        ("100::1", False),
    ],
)
def test_is_public_address(address: str, public: bool) -> None:
    assert is_public_address(ipaddress.ip_address(address)) is public


async def test_check_url_allowed() -> None:
    await check_url_allowed("https://8.8.8.8/policy", allow_private=False)  # literal: no DNS involved
    await check_url_allowed("http://10.0.0.1/", allow_private=True)
    await check_url_allowed("http://127.0.0.1:8080/", allow_private=False, allowed_networks=["127.0.0.0/8"])
    with pytest.raises(BlockedAddress, match="10.0.0.1"):
        await check_url_allowed("http://10.0.0.1/", allow_private=False)
    with pytest.raises(BlockedAddress, match="localhost"):
        await check_url_allowed("http://localhost:9/", allow_private=False)


async def test_any_private_answer_refuses_the_host() -> None:
    async def mixed(host: str, port: int) -> list[IPAddress]:
        return [ipaddress.ip_address("8.8.8.8"), ipaddress.ip_address("10.0.0.1")]

    with pytest.raises(BlockedAddress, match="10.0.0.1"):
        await check_url_allowed("https://policy.test/", allow_private=False, resolver=mixed)


# --- pure helpers ----------------------------------------------------------------------------------


def test_parse_retry_after() -> None:
    now = datetime(2024, 5, 1, 10, 0, 0, tzinfo=UTC)
    assert parse_retry_after("120", now=now) == 120.0
    assert parse_retry_after("Wed, 01 May 2024 10:00:30 GMT", now=now) == 30.0
    assert parse_retry_after("Wed, 01 May 2024 09:00:00 GMT", now=now) == 0.0
    assert parse_retry_after("soon", now=now) is None
    assert parse_retry_after(None) is None
    # A server cannot put its checks off for good, nor overflow a date (fresh-user finding).
    assert parse_retry_after("999999999999", now=now) == RETRY_AFTER_MAX == 7 * 86400
    assert parse_retry_after("Thu, 21 Oct 9999 07:28:00 GMT", now=now) == RETRY_AFTER_MAX


def test_meta_claiming_utf16_means_utf8() -> None:
    body = '<html><meta charset="utf-16"><p>café</p></html>'.encode()
    assert decode_body(body, "text/html", "text/html") == (body.decode(), "utf-8")
