"""Where the password may be typed: a pure policy on web origins (docs/security.md, item 7).

A password manager binds a password to an origin; so do we. The password and one-time codes are
typed only into a page whose origin is

- HTTPS, or plain HTTP on this machine (loopback: 127.0.0.0/8, ::1, ``localhost``), and
- trusted: the IdP URL's own origin, or one the stored IdP remembers (``allowed_origins`` in
  ``idps.json``, like SSH's known hosts: a federation chain has several).

A new origin needs the person's confirmation on a terminal (then it is remembered); without a
terminal it is refused. Plain HTTP off this machine is refused outright: anyone on the way
could read the password. Pure: strings in, a decision out; the prompt and the file are elsewhere
(``login.py``, ``idps.py``).
"""

from __future__ import annotations

import enum
import ipaddress
import urllib.parse
from collections.abc import Iterable

from awscli_saml_sso.errors import UsageError


class Decision(enum.Enum):
    ALLOWED = "allowed"
    NEEDS_CONFIRMATION = "needs confirmation"
    REFUSED = "refused"


def origin_of(url: str) -> str | None:
    """``scheme://host[:port]`` as a browser writes it in ``Origin`` (lower case, default port
    left out); None for anything that is not an http(s) URL with a host (about:, data:, ...)."""
    try:
        parts = urllib.parse.urlsplit((url or "").strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        return None
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    default = {"http": 80, "https": 443}[scheme]
    return f"{scheme}://{host}" + (f":{port}" if port and port != default else "")


def is_loopback(origin: str) -> bool:
    host = urllib.parse.urlsplit(origin).hostname or ""
    if host == "localhost" or host.endswith(".localhost"):  # RFC 6761: always this machine
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a name: it could resolve anywhere


def normalize(origin: str) -> str:
    """An origin as given by a person (``https://login.example.com/``): its canonical form.
    Raises ValueError for anything else (a path, another scheme)."""
    found = origin_of(origin)
    rest = urllib.parse.urlsplit(origin.strip())
    if found is None or rest.path not in ("", "/") or rest.query or rest.fragment or rest.username:
        raise ValueError(f"not a web origin: {origin!r}")
    return found


def decide(url: str, trusted: Iterable[str]) -> tuple[Decision, str]:
    """May a secret be typed into the page at ``url``? The decision and the page's origin
    (``""`` when it has none)."""
    origin = origin_of(url)
    if origin is None:
        return Decision.REFUSED, ""
    if origin.startswith("http://") and not is_loopback(origin):
        return Decision.REFUSED, origin
    if origin in {o for o in (origin_of(t) for t in trusted) if o}:
        return Decision.ALLOWED, origin
    return Decision.NEEDS_CONFIRMATION, origin


def validate_url(url: str) -> str:
    """An http(s) URL with a host, trimmed; the IdP-initiated sign-on URL of the IdP."""
    url = (url or "").strip()
    try:
        parts = urllib.parse.urlsplit(url)
        ok = parts.scheme in ("http", "https") and parts.hostname is not None
    except ValueError:  # e.g. an invalid port or IPv6 literal
        ok = False
    if not ok or any(c.isspace() for c in url):
        raise UsageError(
            f"not an http(s) URL: {url!r}",
            hint="give the IdP-initiated sign-on URL, e.g. "
            "https://idp.example.com/adfs/ls/IdpInitiatedSignOn.aspx?loginToRp=urn:amazon:webservices",
        )
    return url
