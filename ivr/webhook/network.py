"""Where a webhook request comes from, and whether that network may call.

`IVR_WEBHOOK_ALLOWED_IPS` lists the networks (CIDR, or single addresses)
allowed to call the webhooks; empty allows any source. The client address is
the socket's (`REMOTE_ADDR`), unless `IVR_TRUSTED_PROXY_HEADER` names the
header a proxy in front of the app adds it to (for example X-Forwarded-For):
then it is the right-most entry of that header, the one the proxy appended.
The entries left of it were sent by the client and prove nothing.

Both settings are read on every request. An entry that is not a network is
reported by a system check (`check_webhook_networks`) and never matches, so a
typo narrows the allow-list rather than crashing requests or opening it.
"""

import ipaddress
import re
from collections.abc import Iterable
from functools import lru_cache

from django.conf import settings
from django.core import checks

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# A header name as sent on the wire (X-Forwarded-For). Django's META spelling
# (HTTP_X_FORWARDED_FOR) is refused rather than guessed at: it would be read
# as the header "Http-X-Forwarded-For", which no proxy sends.
HEADER_NAME_RE = re.compile(r"[A-Za-z0-9]+(-[A-Za-z0-9]+)*")
# Longest raw address text quoted in a log line.
LOGGED_CHARS = 60

INVALID_NETWORK_MESSAGE = "IVR_WEBHOOK_ALLOWED_IPS: {entry!r} is not a network."
INVALID_NETWORK_HINT = (
    "Write each entry as an address (18.140.80.2) or a network in CIDR form "
    "(18.140.80.0/24, 2001:db8::/32), comma-separated. Until it is fixed the "
    "entry matches nothing."
)
HOST_BITS_HINT = (
    "{entry!r} has host bits set: write the network ({network}) or the single "
    "address ({address}/{prefix}). Until it is fixed the entry matches nothing."
)
INVALID_HEADER_MESSAGE = "IVR_TRUSTED_PROXY_HEADER: {header!r} is not a header name."
INVALID_HEADER_HINT = (
    "Write the header as the proxy sends it, for example X-Forwarded-For. "
    "Until it is fixed, the header is never found and the proxy's own address "
    "is taken for the client's."
)


def allowed_entries() -> list[str]:
    """The non-blank entries of IVR_WEBHOOK_ALLOWED_IPS, stripped."""
    value = settings.IVR_WEBHOOK_ALLOWED_IPS
    if isinstance(value, str):  # set by hand in settings rather than from env
        value = value.split(",")
    return [entry.strip() for entry in value if entry and entry.strip()]


@lru_cache(maxsize=16)
def parse_networks(entries: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    """The networks among `entries`; entries that are not one are left out
    (the system check reports them)."""
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry))
        except ValueError:
            continue
    return tuple(networks)


def parse_address(text: str) -> IPAddress | None:
    """`text` as an IP address, or None when it is not one.

    Accepts what proxies write: a bare address, an IPv6 address in brackets,
    either with a port ("203.0.113.7:5060", "[2001:db8::1]:443"). An
    IPv4-mapped IPv6 address ("::ffff:203.0.113.7", from a dual-stack socket)
    comes back as the IPv4 address, so IPv4 networks match it.
    """
    text = text.strip()
    if text.startswith("["):
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def proxy_header_meta_key(header: str) -> str:
    """Django's META key for a request header: X-Forwarded-For becomes
    HTTP_X_FORWARDED_FOR."""
    return "HTTP_" + header.strip().upper().replace("-", "_")


def client_address_text(request) -> str:
    """The client's address as the request states it, unparsed: the
    right-most entry of IVR_TRUSTED_PROXY_HEADER when that is set and the
    request has the header, else REMOTE_ADDR; "" when there is none.

    Without the header, the request reached the app without passing the
    proxy, so the socket's address is the client's.
    """
    header = settings.IVR_TRUSTED_PROXY_HEADER.strip()
    if header:
        forwarded = request.META.get(proxy_header_meta_key(header), "")
        if forwarded.strip():
            return forwarded.rsplit(",", 1)[-1].strip()
    return request.META.get("REMOTE_ADDR", "").strip()


def client_ip(request) -> IPAddress | None:
    """The client's address (see `client_address_text`); None when the
    request states none or not a valid one."""
    return parse_address(client_address_text(request))


def client_address(request) -> str:
    """The client's address for a log line: the address, or the raw text
    quoted and cut short when it is not one (a client may have written it)."""
    address = client_ip(request)
    if address is not None:
        return str(address)
    text = client_address_text(request)
    return f"invalid address {text[:LOGGED_CHARS]!r}" if text else "unknown address"


def source_allowed(request) -> bool:
    """True when IVR_WEBHOOK_ALLOWED_IPS is empty, or the client's address
    is in one of its networks. A request whose address is missing or
    invalid is never allowed once the list is set, nor is any request when
    every entry of the list is invalid."""
    entries = allowed_entries()
    if not entries:
        return True
    address = client_ip(request)
    if address is None:
        return False
    return any(address in network for network in parse_networks(tuple(entries)))


def network_problems(entries: Iterable[str]) -> list[checks.CheckMessage]:
    """A system check Error for each entry that is not a network."""
    errors = []
    for entry in entries:
        try:
            ipaddress.ip_network(entry)
        except ValueError:
            errors.append(_invalid_network(entry))
    return errors


def _invalid_network(entry: str) -> checks.Error:
    hint = INVALID_NETWORK_HINT
    try:
        loose = ipaddress.ip_network(entry, strict=False)
    except ValueError:
        pass
    else:
        address = entry.partition("/")[0]
        hint = HOST_BITS_HINT.format(
            entry=entry, network=loose, address=address, prefix=loose.max_prefixlen
        )
    return checks.Error(
        INVALID_NETWORK_MESSAGE.format(entry=entry), hint=hint, id="ivr.E101"
    )


@checks.register(checks.Tags.security)
def check_webhook_networks(app_configs, **kwargs):
    errors = network_problems(allowed_entries())
    header = settings.IVR_TRUSTED_PROXY_HEADER.strip()
    if header and not HEADER_NAME_RE.fullmatch(header):
        errors.append(
            checks.Error(
                INVALID_HEADER_MESSAGE.format(header=header),
                hint=INVALID_HEADER_HINT,
                id="ivr.E102",
            )
        )
    return errors
