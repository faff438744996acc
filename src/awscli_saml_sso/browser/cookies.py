"""The IdP session between the plain-HTTP engine and the browser (Chromium family, over CDP).

- :func:`push`: cookie records (``cookiestore``'s shape, which is CDP's ``Network.Cookie``) into
  the browser before its first navigation (``Storage.setCookies``): the session the HTTP engine
  holds, or a stored IdP's jar, goes across.
- :func:`pull`: the browser's cookies, as records, after the login: a stored IdP's jar gets what
  the browser's session now holds, so the next plain-HTTP login finds it live.

Firefox (WebDriver BiDi) does not take part: the HTTP engine hands it over before any secret,
and Firefox starts again at the IdP's URL (docs/http-engine.md).
"""

from __future__ import annotations

import logging
from typing import Any

from awscli_saml_sso.origins import is_loopback

log = logging.getLogger(__name__)


def to_cdp(record: dict[str, Any]) -> dict[str, Any]:
    """A cookie record as ``Storage.setCookies`` takes it: a host-only cookie by URL (so it stays
    host-only), a domain cookie by its domain."""
    domain = str(record["domain"])
    param: dict[str, Any] = {
        "name": str(record["name"]),
        "value": str(record.get("value", "")),
        "path": str(record.get("path") or "/"),
        "secure": bool(record.get("secure")),
        "httpOnly": bool(record.get("httpOnly")),
    }
    if domain.startswith("."):
        param["domain"] = domain
    else:
        host = f"[{domain}]" if ":" in domain else domain
        scheme = "http" if is_loopback(f"http://{host}") or not record.get("secure") else "https"
        param["url"] = f"{scheme}://{host}{param['path']}"
    if not record.get("session") and float(record.get("expires", -1)) > 0:
        param["expires"] = float(record["expires"])
    if record.get("sameSite") in ("Strict", "Lax", "None"):
        param["sameSite"] = record["sameSite"]
    return param


def push(driver: Any, records: tuple[dict[str, Any], ...] | list[dict[str, Any]]) -> None:
    if not records:
        return
    driver.execute_cdp_cmd("Storage.setCookies", {"cookies": [to_cdp(r) for r in records]})
    log.debug("%d cookies handed to the browser", len(records))


def pull(driver: Any) -> list[dict[str, Any]]:
    answer = driver.execute_cdp_cmd("Storage.getCookies", {})
    records = []
    for cookie in answer.get("cookies") or ():
        records.append(
            {
                "name": cookie.get("name", ""),
                "value": cookie.get("value", ""),
                "domain": cookie.get("domain", ""),
                "path": cookie.get("path") or "/",
                "secure": bool(cookie.get("secure")),
                "httpOnly": bool(cookie.get("httpOnly")),
                "expires": cookie.get("expires", -1),
                "session": bool(cookie.get("session")),
            }
        )
    return records
