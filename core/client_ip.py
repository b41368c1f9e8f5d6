"""The address of the client behind a request, trusting `X-Forwarded-For` only from our proxies.

Anyone can send `X-Forwarded-For`; only a proxy we run may be believed when it says whom it
forwards for. The sign-in lockout (django-axes) and the token endpoint's throttle both key on
this address, so a client that rotates the header cannot escape them.

Written here rather than taken from django-ipware: ipware matches trusted proxies by string
prefix and counts hops, while operators describe their proxies as addresses and networks
(`TRUSTED_PROXIES=10.0.0.0/8,192.0.2.7`), which `ipaddress` checks exactly.
"""

import ipaddress
from functools import lru_cache

from django.conf import settings


@lru_cache(maxsize=8)
def _networks(proxies):
    return tuple(ipaddress.ip_network(p.strip(), strict=False) for p in proxies if p.strip())


def _parse(address):
    try:
        return ipaddress.ip_address(address.strip())
    except ValueError:
        return None


def trusted(address, proxies=None):
    """True when `address` is one of the configured proxies (settings.TRUSTED_PROXIES)."""
    networks = _networks(tuple(settings.TRUSTED_PROXIES if proxies is None else proxies))
    ip = _parse(address) if isinstance(address, str) else address
    return ip is not None and any(ip in net for net in networks)


def client_ip(request):
    """REMOTE_ADDR, unless it is a trusted proxy: then the right-most address of
    X-Forwarded-For that is not itself a trusted proxy (each proxy appends the address it
    received from, so entries left of the first untrusted one may be forged)."""
    remote = request.META.get("REMOTE_ADDR", "")
    if not trusted(remote):
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [h for h in (h.strip() for h in forwarded.split(",")) if h]
    for hop in reversed(hops):
        ip = _parse(hop)
        if ip is None:
            # A malformed entry from beyond our proxies: stop at the last address we trust.
            break
        if not trusted(ip):
            return str(ip)
        remote = str(ip)
    return remote
