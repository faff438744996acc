"""One login: start the browser, guard the SAML endpoints, open the IdP, fill in, shut down."""

from __future__ import annotations

import contextlib
import logging
import re
import threading
import time
from typing import Any
from urllib.parse import urlsplit

from awscli_saml_sso.browser import autofill, drivers, handover
from awscli_saml_sso.browser.cdp import CdpError
from awscli_saml_sso.browser.endpoints import effective_endpoints, strip_query
from awscli_saml_sso.browser.person import NeedsPerson
from awscli_saml_sso.browser.request import BrowserLogin
from awscli_saml_sso.defaults import BROWSER_MODES, MANUAL
from awscli_saml_sso.errors import BrowserError, NetworkError, SamlSsoError, UsageError

log = logging.getLogger(__name__)


def run(login: BrowserLogin) -> str:
    browser = login.browser
    if browser.mode not in BROWSER_MODES:
        raise UsageError(f"unknown browser mode {browser.mode!r}")
    endpoints = effective_endpoints(tuple(login.endpoints))
    began = time.monotonic()
    deadline = began + browser.timeout
    session = drivers.start(
        browser.name,
        browser.path,
        browser.driver_path,
        browser.mode,
        browser.profile_dir,
        login.status,
        launched=login.launched,
    )
    capture = value = None
    hurry = False
    try:
        capture = _start_capture(session, endpoints)
        start = _session_in(session, capture, login)
        login.status(f"opening {strip_query(start)}")
        _open(session.driver, start, deadline)
        if browser.mode == MANUAL:
            login.status("log in in the browser window; waiting for the SAML response")
        try:
            value = autofill.Autofill(session.driver, login, capture).run(deadline)
        except NeedsPerson as need:  # a visible window for one step, if the person wants
            value = handover.take_over(
                login, session, need, deadline, lambda other: _start_capture(other, endpoints), _close
            )
        login.status(f"SAML response captured after {time.monotonic() - began:.1f} s")
        _session_out(session, login)
        return value
    except KeyboardInterrupt:  # Ctrl-C/SIGTERM (errors.Interrupted): stop at once, no polite quit
        hurry = True
        raise
    finally:
        if value is not None and login.close_in_background:
            _close_in_background(session, capture)
        else:
            _close(session, capture, hurry)


def _session_in(session: drivers.Session, capture: Any, login: BrowserLogin) -> str:
    """The IdP session into the browser (the HTTP engine's, else a stored IdP's jar) and the URL
    to open: the HTTP engine's last page, served as received (Chromium family), or the IdP's."""
    if not session.kind.chromium_family:
        return str(login.idp.url)  # Firefox: the HTTP engine hands over before any secret
    from awscli_saml_sso import cookiestore
    from awscli_saml_sso.browser import cookies

    handoff = login.handoff
    records = handoff.cookies if handoff is not None else ()
    if handoff is None and login.cookie_jar is not None:
        records = tuple(cookiestore.load_records(login.cookie_jar))
    with contextlib.suppress(CdpError):  # a cookie the browser refuses: the IdP asks again
        cookies.push(session.driver, records)
    if handoff is None or not handoff.url:
        return str(login.idp.url)
    if handoff.body and hasattr(capture, "serve_once"):
        capture.serve_once(handoff.url, handoff.status, handoff.headers, handoff.body)
    return handoff.url


def _session_out(session: drivers.Session, login: BrowserLogin) -> None:
    """A stored IdP's jar gets the browser's cookies now, for the next plain-HTTP login."""
    if login.cookie_jar is None or not session.kind.chromium_family:
        return
    from awscli_saml_sso import cookiestore
    from awscli_saml_sso.browser import cookies

    try:
        cookiestore.save_records(login.cookie_jar, cookies.pull(session.driver))
    except (CdpError, OSError, SamlSsoError) as exc:  # the login has its answer: never fail it here
        log.debug("browser cookies not kept: %s", exc)


_closing: list[threading.Thread] = []


def _close(session: drivers.Session, capture: Any, hurry: bool = False) -> None:
    try:
        session.close(hurry)  # first: until the browser is gone, the capture keeps AWS blocked
    finally:
        if capture is not None:
            capture.close()


def _close_in_background(session: drivers.Session, capture: Any) -> None:
    """Shut down in a thread (~0.2 s: quit, wait for the processes, remove the profile) while the
    caller goes on with STS. Not a daemon: the interpreter waits for it at exit in any case."""
    thread = threading.Thread(target=_close, args=(session, capture), name="browser-shutdown")
    thread.start()
    _closing.append(thread)


def wait_closed() -> None:
    while _closing:
        _closing[0].join()
        _closing.pop(0)


def _start_capture(session: drivers.Session, endpoints: tuple[str, ...]) -> Any:
    if session.kind.chromium_family:
        from awscli_saml_sso.browser import capture_cdp

        return capture_cdp.start_capture(session.driver, endpoints)
    from awscli_saml_sso.browser import capture_bidi

    return capture_bidi.start_capture(session.driver, endpoints)


_ERROR_PAGE_JS = """
const href = String(location.href);
const main = document.getElementById('main-frame-error');
if (!href.startsWith('chrome-error://') && !main) { return null; }
const code = document.querySelector('.error-code');
return code ? code.textContent.trim() : 'error page';
"""


def _raise_if_error_page(driver: Any, url: str) -> None:
    """Chromium shows its own error page for an unreachable host instead of failing ``get``
    (and ``current_url`` still names the URL asked for): look at the document itself."""
    code = driver.execute_script(_ERROR_PAGE_JS)
    if code:
        raise NetworkError(f"cannot reach the IdP at {strip_query(url)} ({code})")
    _raise_if_idp_said_no(driver, url)


# The first page's HTTP status, read in the page (Navigation Timing's responseStatus: Chromium
# 109+, Firefox 117+; 0 where unknown), so it works with any driver that runs a script; and what
# a plain error page shows instead of a login (title, first heading, whether there is any field).
_FIRST_PAGE_JS = """
const nav = (performance.getEntriesByType ? performance.getEntriesByType('navigation') : [])[0];
const heading = document.querySelector('h1, h2');
return {
  status: nav && typeof nav.responseStatus === 'number' ? nav.responseStatus : 0,
  title: String(document.title || '').slice(0, 200),
  heading: heading ? String(heading.textContent || '').trim().slice(0, 200) : '',
  fields: document.querySelectorAll('input:not([type=hidden]), select, textarea').length,
};
"""
_ERROR_WORDS = re.compile(
    r"^\W*(?:error\b|\d{3}\b|(?:page |file |metadata )?not found\b|bad request\b|forbidden\b"
    r"|internal server error\b|service unavailable\b|bad gateway\b|gateway time-?out\b"
    r"|unhandled exception\b|an error occurred\b)",
    re.IGNORECASE,
)


def _raise_if_idp_said_no(driver: Any, url: str) -> None:
    """A wrong IdP URL answers 4xx/5xx, or a page that is plainly an error (SimpleSAMLphp for an
    unknown SP, a "Not Found" with 200): say so now, not after the login page search gives up."""
    page = driver.execute_script(_FIRST_PAGE_JS) or {}
    host = urlsplit(url).netloc
    status = page.get("status") or 0
    if status >= 400:
        raise NetworkError(f"the IdP at {host} answered HTTP {status} to {strip_query(url)}", hint="check the IdP URL")
    said = next((text for text in (page.get("title"), page.get("heading")) if text and _ERROR_WORDS.match(text)), None)
    if said and not page.get("fields"):
        shown = f"{said.splitlines()[0][:80]!r}" + (f", HTTP {status}" if status else "")
        raise NetworkError(
            f"the IdP at {host} shows an error page ({shown}) for {strip_query(url)}", hint="check the IdP URL"
        )


def _open(driver: Any, url: str, deadline: float) -> None:
    """Navigate; a slow page is fine (the loop keeps waiting), an unreachable IdP is not."""
    from awscli_saml_sso.browser.pageapi import PAGE_ERRORS, PAGE_LOAD_TIMEOUT

    if hasattr(driver, "deadline"):  # our driver: no page call outlives the login's deadline
        driver.deadline = deadline
    with contextlib.suppress(*PAGE_ERRORS):
        driver.set_page_load_timeout(max(1.0, min(60.0, deadline - time.monotonic())))
    try:
        driver.get(url)
    except PAGE_LOAD_TIMEOUT:
        return
    except PAGE_ERRORS as exc:
        text = str(getattr(exc, "msg", "") or exc)
        if "net::ERR_" in text:
            code = "net::ERR_" + text.split("net::ERR_", 1)[1].split()[0]
            raise NetworkError(f"cannot reach the IdP at {strip_query(url)} ({code})") from exc
        raise BrowserError(
            f"the browser could not open {strip_query(url)}: {text.strip().splitlines()[0][:160]}"
        ) from exc
    # A page that has already moved on (an IdP session that posts the SAML response at once)
    # cannot be read any more: that is no error page.
    with contextlib.suppress(*PAGE_ERRORS):
        _raise_if_error_page(driver, url)
