"""The address guard: which hosts the fetcher may connect to.

A watch URL comes from configuration and every redirect hop comes from a remote server, so without a
guard the service could be steered into the internal network (cloud metadata at 169.254.169.254,
admin consoles on 10/8, services on loopback). The rule is strict on purpose: a host is refused when
*any* of its addresses is not public, because the connection could land on any of them.

DNS rebinding is handled by `GuardedResolver` (in this module too): aiohttp resolves through it at
connect time and then connects to the very addresses it checked, so a name cannot answer "public" to
the pre-check and "private" to the connection.
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import socket
import ssl
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

import aiohttp
import certifi
from aiohttp.abc import AbstractResolver, ResolveResult
from yarl import URL

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], Awaitable[list[IPAddress]]]


class BlockedAddress(Exception):
    """The URL's host is, or resolves to, an address the fetcher must not connect to."""


REFUSING = "; refusing to connect"  # ends a BlockedAddress message (a redirect hop says it its own way)


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
            raise BlockedAddress(f"{host} {where} a non-public address{REFUSING}")
        return addresses

    async def check_url(self, url: str) -> None:
        parsed = URL(url)
        if not parsed.raw_host:
            raise BlockedAddress(f"{url!r} has no host")
        # raw_host is the IDNA (punycode) form, which is what the resolver and the connection use.
        await self.resolve_checked(parsed.raw_host, parsed.port or _default_port(parsed.scheme))


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


class GuardedResolver(AbstractResolver):
    """aiohttp resolver that answers only with addresses the guard permits.

    aiohttp connects to the addresses its resolver returns and never resolves the name again, so a
    name cannot answer "public" to the check and "private" to the connection (DNS rebinding).
    Raises BlockedAddress when any address is refused, OSError when the name does not resolve.
    Literal addresses never reach a resolver: `AddressGuard.check_url` judges those before every
    request, and a literal cannot change between the check and the connection."""

    def __init__(self, guard: AddressGuard) -> None:
        self._guard = guard

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        addresses = await self._guard.resolve_checked(host, port)
        return [
            ResolveResult(
                hostname=host,
                host=str(ip),
                port=port,
                family=socket.AF_INET6 if ip.version == 6 else socket.AF_INET,
                proto=0,
                flags=socket.AI_NUMERICHOST | socket.AI_NUMERICSERV,
            )
            for ip in addresses
        ]

    async def close(self) -> None:
        return None


# Header lines longer than aiohttp's default 8,190 bytes occur on real sites (Content-Security-Policy,
# Set-Cookie, Link); a policy page must not fail over one.
MAX_HEADER_BYTES = 65_536


def guarded_session(
    guard: AddressGuard, *, connections: int, ssl_context: ssl.SSLContext | None = None
) -> aiohttp.ClientSession:
    """An aiohttp session whose every connection goes through `GuardedResolver`.

    `connections` bounds the open connections (all hosts together); `ssl_context` replaces the
    verifying default (tests trust their own certificate with it). No proxy from the environment
    (it would bypass the guard), no timeout of aiohttp's own (the fetcher bounds each attempt), no
    redirects followed by aiohttp (the fetcher follows them, each hop through the guard). Must be
    created and closed inside a running event loop."""
    connector = aiohttp.TCPConnector(
        limit=connections,
        limit_per_host=0,  # the fetcher holds its own per-host slots
        resolver=GuardedResolver(guard),
        use_dns_cache=False,  # every new connection is resolved and checked again
        ssl=ssl_context or _ssl_context(),
    )
    return aiohttp.ClientSession(
        connector=connector,
        timeout=aiohttp.ClientTimeout(total=None, sock_connect=None, sock_read=None),
        trust_env=False,
        max_line_size=MAX_HEADER_BYTES,
        max_field_size=MAX_HEADER_BYTES,
    )


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    # certifi's CA bundle (the one the fetcher trusted under httpx), loaded once: it costs tens of
    # milliseconds, and one verifying context serves every session.
    return ssl.create_default_context(cafile=certifi.where())
