"""Does a request carry a secret, and may it go where it goes? The pure half of the network
guard (docs/security.md, "Trust model"); the browser half holds each request (CDP ``Fetch``,
BiDi ``network.addIntercept``) and asks :func:`leaks` about it.

Once the password or a one-time code has been typed, a request whose URL or body holds it in any
encoding a form or a script commonly uses (raw, URL- or form-encoded with any hex case and ``+``
for a space, JSON-escaped, base64 and base64url at any alignment, UTF-8, UTF-16 or the page's
Latin-1) may go only to a trusted origin: the one :func:`origins.decide` allows (the IdP URL's,
a stored IdP's ``allowed_origins``, one the person confirmed in this run). A script that
encrypts the value, or sends it a character at a time, is not caught: see the docs.

Pure: bytes and strings in, a decision out.
"""

from __future__ import annotations

import base64
import json
import urllib.parse
from collections.abc import Iterable

from awscli_saml_sso import origins
from awscli_saml_sso.errors import UsageError

MIN_SECRET = 4  # shorter values occur by chance in ordinary requests: not guarded
MIN_B64_CORE = 8  # an unaligned base64 core shorter than this matches noise
_WS = {"ws": "http", "wss": "https"}


def needles(secret: str) -> tuple[bytes, ...]:
    """The byte strings that betray ``secret`` once a body or URL has been percent-decoded."""
    if len(secret) < MIN_SECRET:
        return ()
    texts = {secret, json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1]}
    raw: set[bytes] = set()
    for text in texts:
        for encoding in ("utf-8", "utf-16-le", "utf-16-be", "cp1252", "latin-1"):
            try:
                raw.add(text.encode(encoding))
            except UnicodeEncodeError:
                continue
    found = set(raw)
    for data in raw:
        found.update(_base64_cores(data))
    return tuple(sorted(found, key=len, reverse=True))


def _base64_cores(data: bytes) -> set[bytes]:
    """Base64 of ``data`` wherever it starts in a longer value: for each of the three alignments,
    the characters that depend on ``data`` alone; in both alphabets."""
    cores = set()
    for shift, skip in ((0, 0), (1, 2), (2, 3)):
        encoded = base64.b64encode(b"\0" * shift + data).rstrip(b"=")
        core = encoded[skip:]
        if (shift + len(data)) % 3:
            core = core[:-1]  # the last character also holds bits of what follows
        if shift == 0 or len(core) >= MIN_B64_CORE:
            cores.add(core)
            cores.add(core.translate(bytes.maketrans(b"+/", b"-_")))
    return cores


def _views(data: bytes) -> list[bytes]:
    """``data`` as sent and percent-decoded once and twice, with ``+`` as ``+`` and as a space."""
    views, frontier = [data], [data]
    for _ in range(2):
        decoded = []
        for view in frontier:
            if b"%" in view or b"+" in view:
                for step in (view, view.replace(b"+", b" ")):
                    plain = urllib.parse.unquote_to_bytes(step)
                    if plain not in views:
                        views.append(plain)
                        decoded.append(plain)
        frontier = decoded
    return views


def carries(data: bytes | str, secret_needles: Iterable[bytes]) -> bool:
    """True when ``data`` (a URL or a body) holds one of the needles in any of its views."""
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    wanted = tuple(secret_needles)
    return bool(wanted) and any(n in view for view in _views(data) for n in wanted)


def request_origin(url: str) -> str | None:
    """The origin a request goes to (``ws``/``wss`` as ``http``/``https``); None when it does
    not leave the browser (``data:``, ``blob:``, ``about:``)."""
    scheme, sep, rest = url.partition(":")
    return origins.origin_of(_WS.get(scheme.lower(), scheme) + sep + rest)


def is_trusted(url: str, trusted: Iterable[str]) -> bool:
    """May a request carrying a secret go to ``url``? Only where the secret may be typed."""
    origin = request_origin(url)
    if origin is None:  # data:, blob:, about: stay in the browser; anything else is refused
        return url.partition(":")[0].lower() in ("data", "blob", "about")
    return origins.decide(origin, trusted)[0] is origins.Decision.ALLOWED


def allow_hint(origin: str, nickname: str | None) -> str:
    """How the person trusts ``origin`` if it is their IdP's."""
    if nickname:
        return f"if it is your IdP's, allow it: awscli_saml_sso idp set {nickname} --allow-origin {origin}"
    return f"if it is your IdP's, store the IdP: awscli_saml_sso idp add NICK --url URL --allow-origin {origin}"


def refusal(what: str, origin: str, nickname: str | None, websocket: bool = False) -> UsageError:
    """The one error that ends a login whose page tried to send a secret to ``origin`` (or to
    open a WebSocket there, whose frames no guard can read, once the secret was typed)."""
    trusting = f"the IdP {nickname}" if nickname else "this login"
    doing = f"opening a WebSocket (with the {what} typed)" if websocket else f"sending the {what}"
    return UsageError(
        f"stopped the page {doing} to {origin}, an origin {trusting} does not trust",
        hint=allow_hint(origin, nickname),
    )
