"""The address guard: which hosts the fetcher may connect to.

A watch URL comes from configuration and every redirect hop comes from a remote server, so without a
guard the service could be steered into the internal network (cloud metadata at 169.254.169.254,
admin consoles on 10/8, services on loopback). The rule is strict on purpose: a host is refused when
*any* of its addresses is not public, because the connection could land on any of them.

DNS rebinding is handled by `GuardedNetworkBackend` (in this module too): it resolves and checks at
connect time and then connects to the very address it checked, so a name cannot answer "public" to
the pre-check and "private" to the connection.
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import socket
import ssl
import typing
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

import httpcore
import httpx
from httpcore._utils import is_socket_readable  # httpcore's own test, so the answers stay its answers

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], Awaitable[list[IPAddress]]]


class BlockedAddress(Exception):
    """The URL's host is, or resolves to, an address the fetcher must not connect to."""


# Python's is_private/is_global tables have changed between patch releases, so the ranges we refuse
# are spelled out here and is_global is only a second opinion on top.
_BLOCKED_V4 = tuple(
    ipaddress.IPv4Network(n)
    for n in (
        "0.0.0.0/8",  # "this network", includes the unspecified address
        "10.0.0.0/8",
        "100.64.0.0/10",  # carrier-grade NAT
        "127.0.0.0/8",
        "169.254.0.0/16",  # link-local, cloud metadata services
        "172.16.0.0/12",
        "192.0.0.0/24",  # IETF protocol assignments
        "192.0.2.0/24",  # documentation
        "192.88.99.0/24",  # deprecated 6to4 relay anycast
        "192.168.0.0/16",
        "198.18.0.0/15",  # benchmarking
        "198.51.100.0/24",  # documentation
        "203.0.113.0/24",  # documentation
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, includes broadcast
    )
)
_BLOCKED_V6 = tuple(
    ipaddress.IPv6Network(n)
    for n in (
        "64:ff9b:1::/48",  # local-use NAT64
        "100::/64",  # discard-only
        "2001::/23",  # IETF protocol assignments, includes Teredo (2001::/32)
        "2001:db8::/32",  # documentation
        "3fff::/20",  # documentation
        "fc00::/7",  # unique local
        "fe80::/10",  # link-local
        "fec0::/10",  # deprecated site-local
        "ff00::/8",  # multicast
    )
)
_GLOBAL_UNICAST_V6 = ipaddress.IPv6Network("2000::/3")
_NAT64_WELL_KNOWN = ipaddress.IPv6Network("64:ff9b::/96")
_SIX_TO_FOUR = ipaddress.IPv6Network("2002::/16")


def is_public_address(ip: IPAddress) -> bool:
    """True when `ip` is a globally routable unicast address (or an IPv6 form embedding one)."""
    if isinstance(ip, ipaddress.IPv6Address):
        # Forms that carry an IPv4 address reach that IPv4 host, so judge the embedded address.
        if ip.ipv4_mapped is not None:
            return is_public_address(ip.ipv4_mapped)
        if ip in _NAT64_WELL_KNOWN:
            return is_public_address(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
        if ip in _SIX_TO_FOUR:
            return ip.sixtofour is not None and is_public_address(ip.sixtofour)
        # Everything outside 2000::/3 (loopback, unspecified, IPv4-compatible ::a.b.c.d, ...) is
        # either special or unallocated.
        if ip not in _GLOBAL_UNICAST_V6 or any(ip in net for net in _BLOCKED_V6):
            return False
    elif any(ip in net for net in _BLOCKED_V4):
        return False
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_unspecified)


async def resolve_host(host: str, port: int) -> list[IPAddress]:
    """All addresses `host` resolves to, in the resolver's order. Raises OSError when it does not."""
    literal = _parse_literal(host)
    if literal is not None:
        return [literal]
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses: list[IPAddress] = []
    for _family, _type, _proto, _canon, sockaddr in infos:
        ip = _parse_literal(str(sockaddr[0]))
        if ip is not None and ip not in addresses:
            addresses.append(ip)
    if not addresses:
        raise OSError(f"{host} resolved to no usable address")
    return addresses


def _parse_literal(host: str) -> IPAddress | None:
    host = host.strip("[]")
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


@dataclass(frozen=True)
class AddressGuard:
    """The policy for one fetcher.

    `allowed_networks` lets exact ranges through even when private; tests use it to reach a server on
    127.0.0.1 while keeping every other refusal, and operators could use it for an intranet wiki.
    """

    allow_private: bool = False
    allowed_networks: tuple[IPNetwork, ...] = ()
    resolver: Resolver = resolve_host

    @classmethod
    def allowing(cls, *networks: str, resolver: Resolver = resolve_host) -> AddressGuard:
        return cls(allowed_networks=tuple(ipaddress.ip_network(n) for n in networks), resolver=resolver)

    def permits(self, ip: IPAddress) -> bool:
        if self.allow_private or any(ip in net for net in self.allowed_networks):
            return True
        return is_public_address(ip)

    async def resolve_checked(self, host: str, port: int) -> list[IPAddress]:
        """Resolve `host` and return its addresses, or raise BlockedAddress if any is refused."""
        addresses = await self.resolver(host, port)
        refused = [ip for ip in addresses if not self.permits(ip)]
        if refused:
            shown = ", ".join(str(ip) for ip in refused)
            where = "is" if _parse_literal(host) is not None else f"resolves to ({shown}), which includes"
            raise BlockedAddress(f"{host} {where} a non-public address; refusing to connect")
        return addresses

    async def check_url(self, url: str) -> None:
        parsed = httpx.URL(url)
        if not parsed.raw_host:
            raise BlockedAddress(f"{url!r} has no host")
        # raw_host is the IDNA (punycode) form, which is what the resolver and the connection use.
        host = parsed.raw_host.decode("ascii")
        await self.resolve_checked(host, parsed.port or _default_port(parsed.scheme))


def _default_port(scheme: str) -> int:
    return 443 if scheme == "https" else 80


async def check_url_allowed(
    url: str, allow_private: bool, *, allowed_networks: Iterable[str] = (), resolver: Resolver = resolve_host
) -> None:
    """Raise BlockedAddress (with the reason) unless `url`'s host may be connected to.

    Name-resolution failures surface as OSError: they are network problems, not refusals.
    """
    nets = tuple(ipaddress.ip_network(n) for n in allowed_networks)
    await AddressGuard(allow_private, nets, resolver).check_url(url)


class _SocketCachingStream(httpcore.AsyncNetworkStream):
    """An httpcore network stream that looks its socket up once.

    Before each request it places, httpcore's pool asks every idle connection whether its socket is
    readable (a closed keep-alive connection); the anyio stream answers each ask by building its
    table of socket attributes again (a getpeername call and a dict of lambdas): with 32 kept-alive
    connections that was a fifth of the checker's time in a round of 304s. Same answers, from the
    socket found at connect time (the same socket after TLS is started on it)."""

    def __init__(self, inner: httpcore.AsyncNetworkStream) -> None:
        self._inner = inner
        self._socket = inner.get_extra_info("socket")

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return await self._inner.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        await self._inner.write(buffer, timeout)

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.AsyncNetworkStream:
        return _SocketCachingStream(await self._inner.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> typing.Any:
        if self._socket is not None:
            if info == "socket":
                return self._socket
            if info == "is_readable":
                return is_socket_readable(self._socket)
        return self._inner.get_extra_info(info)


class GuardedNetworkBackend(httpcore.AsyncNetworkBackend):
    """httpcore network backend that resolves and checks every host itself, then dials the checked IP.

    httpcore would otherwise resolve the name again when connecting, which is exactly the window a
    rebinding DNS server uses. TLS still verifies against the hostname: httpcore takes the SNI/verify
    name from the request origin, not from the address dialled.
    """

    def __init__(self, guard: AddressGuard) -> None:
        self._guard = guard
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[typing.Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            addresses = await self._guard.resolve_checked(host, port)
        except OSError as exc:
            # Map to httpcore's error so httpx reports a ConnectError like any other network failure.
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        last_error: Exception | None = None
        for ip in addresses:
            try:
                stream = await self._inner.connect_tcp(
                    str(ip), port, timeout=timeout, local_address=local_address, socket_options=socket_options
                )
                return _SocketCachingStream(stream)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last_error = exc
        assert last_error is not None  # resolve_checked never returns an empty list
        raise last_error

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: typing.Iterable[typing.Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are not used by the fetcher")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class _LinearPool(httpcore.AsyncConnectionPool):
    """httpcore's pool with its bookkeeping pass made linear in the number of connections.

    httpcore 1.0.9 runs `_assign_requests_to_connections` twice per request (when it is queued and
    when its response closes). For each connection that pass counts every connection again (a list
    built per idle connection), and for each queued request it filters every connection twice: with
    32 kept-alive connections that was 12-22% of the checking process's CPU in bench/bench_round.py
    rounds (py-spy). The same decisions in the same order, each list built once: the surplus-idle
    test compares the number of connections (what httpcore's expression counts, encode/httpcore#1035
    has the upstream fix) with the keep-alive limit; a request takes the first connection that can
    serve its origin, else a new one while under `max_connections`, else replaces the first idle one.
    """

    def _assign_requests_to_connections(self) -> list[httpcore.AsyncConnectionInterface]:
        closing: list[httpcore.AsyncConnectionInterface] = []
        connections = self._connections
        for connection in list(connections):
            if connection.is_closed():
                connections.remove(connection)
            elif connection.has_expired() or (
                connection.is_idle() and len(connections) > self._max_keepalive_connections
            ):
                connections.remove(connection)
                closing.append(connection)

        for pool_request in [request for request in self._requests if request.is_queued()]:
            origin = pool_request.request.url.origin
            available = next(
                (c for c in connections if c.can_handle_request(origin) and c.is_available()), None
            )
            if available is not None:
                pool_request.assign_to_connection(available)
            elif len(connections) < self._max_connections:
                connection = self.create_connection(origin)
                connections.append(connection)
                pool_request.assign_to_connection(connection)
            else:
                idle = next((c for c in connections if c.is_idle()), None)
                if idle is not None:
                    connections.remove(idle)
                    closing.append(idle)
                    connection = self.create_connection(origin)
                    connections.append(connection)
                    pool_request.assign_to_connection(connection)
        return closing


def guarded_transport(guard: AddressGuard, *, limits: httpx.Limits) -> httpx.AsyncHTTPTransport:
    """An httpx transport whose connections all go through `GuardedNetworkBackend`.

    httpx does not expose httpcore's `network_backend`, so the pool is rebuilt with the same settings
    httpx would use. trust_env is off: an environment proxy would bypass the address guard.
    """
    ssl_context = _ssl_context()
    transport = httpx.AsyncHTTPTransport(verify=ssl_context, limits=limits, trust_env=False)
    transport._pool = _LinearPool(
        ssl_context=ssl_context,
        max_connections=limits.max_connections,
        max_keepalive_connections=limits.max_keepalive_connections,
        keepalive_expiry=limits.keepalive_expiry,
        network_backend=GuardedNetworkBackend(guard),
    )
    return transport


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    # Loading the CA bundle costs tens of milliseconds; one verifying context serves every client.
    return httpx.create_ssl_context(verify=True, trust_env=False)
