"""Which URLs a webhook may be sent to, checked at registration and again at every delivery.

A target must be `https://` and every address its host name resolves to must be a public
(global unicast) one: loopback, private, link-local (169.254.169.254, the cloud metadata
service, included), shared (100.64/10), multicast, reserved and unspecified addresses are
refused. A delivery connects to the address checked here, not to a second resolution of the
name (a name that changes its answer between check and connect cannot reach an inside host).

`WEBHOOKS_ALLOW_LOOPBACK` (tests, a local receiver) also allows loopback addresses and
plain `http://`; private and link-local addresses stay refused.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

# Metadata services that are not covered by the address classes (named for clear reasons).
METADATA_ADDRESSES = {
    ipaddress.ip_address("169.254.169.254"),
    ipaddress.ip_address("fd00:ec2::254"),
    ipaddress.ip_address("100.100.100.200"),
}


class TargetRefused(ValueError):
    """The URL may not receive webhooks; the message says why (shown to the user)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str  # the name, for the Host header and TLS (SNI, certificate check)
    port: int
    path: str  # path and query
    address: str  # the checked address to connect to


def _allow_loopback() -> bool:
    return bool(getattr(settings, "WEBHOOKS_ALLOW_LOOPBACK", False))


def address_refusal(address: str) -> str:
    """Why this address may not receive webhooks; "" when it may."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip in METADATA_ADDRESSES:
        return _("%(address)s is a cloud metadata address.") % {"address": ip}
    if ip.is_loopback:
        if _allow_loopback():
            return ""
        return _("%(address)s is a loopback address.") % {"address": ip}
    if ip.is_link_local:
        return _("%(address)s is a link-local address.") % {"address": ip}
    if ip.is_multicast:
        return _("%(address)s is a multicast address.") % {"address": ip}
    if ip.is_private or not ip.is_global:
        return _("%(address)s is a private or reserved address.") % {"address": ip}
    return ""


def _resolve(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise TargetRefused(
            _("%(host)s does not resolve: %(error)s") % {"host": host, "error": exc}
        ) from exc
    return list(dict.fromkeys(info[4][0] for info in infos))


def target_check(url: str) -> Target:
    """The target to connect to, or TargetRefused with the reason. Resolves the name now."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise TargetRefused(_("This is not a valid URL.")) from exc
    scheme = (parts.scheme or "").lower()
    if scheme not in ("https", "http") or not parts.hostname:
        raise TargetRefused(_("Give an https:// URL."))
    if scheme == "http" and not _allow_loopback():
        raise TargetRefused(_("Only https:// URLs may receive webhooks."))
    if parts.username or parts.password:
        raise TargetRefused(_("Leave user names and passwords out of the URL."))
    host = parts.hostname
    port = port or (443 if scheme == "https" else 80)
    addresses = _resolve(host, port)
    if not addresses:
        raise TargetRefused(_("%(host)s does not resolve.") % {"host": host})
    for address in addresses:
        refusal = address_refusal(address)
        if refusal:
            raise TargetRefused(
                _("%(host)s is refused: %(reason)s") % {"host": host, "reason": refusal}
            )
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(scheme=scheme, host=host, port=port, path=path, address=addresses[0])
