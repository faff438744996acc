"""A stored IdP's cookies between runs: one private file per nickname, shared by both engines.

The file is JSON (``{"version": 1, "cookies": [...]}``), written with :func:`atomicfile.write_private`
(0600, in the 0700 tool home, atomically, under a lock) and read with the cache's ownership
checks. Only cookies with an expiry are kept, as a browser keeps them across restarts: an IdP
that puts its session in a browser-session cookie gets a fresh login, as in the browser. The
browser's side is the same data (``Storage.getCookies``/``setCookies`` records), so the live IdP
session serves both engines. ``logout`` removes the file.
"""

from __future__ import annotations

import http.cookiejar
import json
import logging
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from awscli_saml_sso import atomicfile, paths

log = logging.getLogger(__name__)

VERSION = 1
MAX_FILE = 1_000_000


def jar_path(environ: Mapping[str, str], nickname: str) -> Path:
    return paths.tool_home(environ) / "cookies" / f"{nickname}.json"


def load_records(path: Path) -> list[dict[str, Any]]:
    """The file's unexpired cookie records. A missing, foreign or broken file gives none (the
    login asks the IdP again; never a failure)."""
    from awscli_saml_sso.errors import SamlSsoError

    try:
        data = atomicfile.read_bytes(path, MAX_FILE, trusted=True, what="cookie file")
    except SamlSsoError as exc:  # a link, a FIFO, someone else's file, too large
        log.debug("cookie file not used: %s", exc)
        return []
    try:
        records = json.loads(data)["cookies"] if data else []
    except (ValueError, KeyError, TypeError):
        log.debug("cookie file not used: not ours")
        return []
    return (
        [r for r in records if isinstance(r, dict) and from_record(r) is not None] if isinstance(records, list) else []
    )


def load(path: Path, jar: http.cookiejar.CookieJar) -> int:
    """Adds the file's unexpired cookies to ``jar``; how many."""
    count = 0
    for record in load_records(path):
        cookie = from_record(record)
        if cookie is not None and not cookie.is_expired():
            jar.set_cookie(cookie)
            count += 1
    return count


def save(path: Path, jar: Iterable[http.cookiejar.Cookie]) -> None:
    save_records(path, [to_record(c) for c in jar])


def save_records(path: Path, records: Iterable[dict[str, Any]]) -> None:
    """Keeps the persistent, unexpired ones (a browser forgets session cookies at exit, too)."""
    kept = [r for r in records if not r.get("session") and float(r.get("expires", -1)) > time.time()]
    body = json.dumps({"version": VERSION, "cookies": kept}, indent=1).encode()
    atomicfile.write_private(path, body, own_dir=True)


def remove(path: Path) -> bool:
    try:
        path.unlink()
        return True
    except FileNotFoundError:
        return False


def to_record(cookie: http.cookiejar.Cookie) -> dict[str, Any]:
    """The browser's (CDP ``Network.Cookie``) shape: what ``Storage.setCookies`` takes."""
    domain = cookie.domain
    return {
        "name": cookie.name,
        "value": cookie.value or "",
        "domain": domain,
        "path": cookie.path or "/",
        "secure": bool(cookie.secure),
        "httpOnly": cookie.has_nonstandard_attr("HttpOnly"),
        "expires": float(cookie.expires) if cookie.expires is not None else -1,
        "session": cookie.expires is None,
    }


def from_record(record: Any) -> http.cookiejar.Cookie | None:
    try:
        name, value = str(record["name"]), str(record.get("value", ""))
        domain, path = str(record["domain"]), str(record.get("path") or "/")
        expires_raw = record.get("expires", -1)
        expires = None if record.get("session") or expires_raw in (None, -1) else int(float(expires_raw))
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
    if not name or not domain:
        return None
    rest = {"HttpOnly": None} if record.get("httpOnly") else {}
    return http.cookiejar.Cookie(
        0,
        name,
        value,
        None,
        False,
        domain,
        domain.startswith("."),
        domain.startswith("."),
        path,
        True,
        bool(record.get("secure")),
        expires,
        expires is None,
        None,
        None,
        rest,
    )
