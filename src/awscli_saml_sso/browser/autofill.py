"""Log in on IdP pages never seen before, until the capture has the SAMLResponse: each round,
follow the login into new windows, read the page into a snapshot (``page.js``, the page and one
level of frames), let :func:`decide.decide` choose, and carry out its actions here.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from awscli_saml_sso.browser import decide, diagnostics, page_js, person, reading
from awscli_saml_sso.browser.endpoints import strip_query
from awscli_saml_sso.browser.request import BrowserLogin
from awscli_saml_sso.defaults import MANUAL
from awscli_saml_sso.errors import BrowserError, CaptureTimeout

log = logging.getLogger(__name__)

POLL = 0.2  # seconds between looks at the page (also how long we wait on the capture)
STUCK_AFTER = decide.STUCK_AFTER  # tests shorten it here
_STUCK_HINT = "log in with --show-browser to watch, or --use-browser to do it yourself"


class Autofill:
    def __init__(self, driver: Any, login: BrowserLogin, capture: Any, attended: bool = False) -> None:
        sandboxed = getattr(capture, "sandboxed", None)  # Firefox: our scripts in a BiDi sandbox
        self.driver = sandboxed(driver) if sandboxed is not None else driver
        self.login, self.capture = login, capture
        self.memory = decide.Memory(reading.settings_of(login, STUCK_AFTER, attended))
        self.secrets: list[str] = []  # what we typed, so diagnostics can scrub it
        self._password: str | None = None
        self.known_windows: set[str] = set()
        self.url = ""

    def run(self, deadline: float) -> str:
        from awscli_saml_sso.browser.pageapi import PAGE_ERRORS

        failures, wait = 0, 0.0
        if hasattr(self.driver, "deadline"):  # our driver: no page call outlives the deadline
            self.driver.deadline = deadline
        while True:
            value = self.capture.result(timeout=wait)
            wait = POLL
            if value is not None:
                return str(value)
            if self.capture.problem:
                raise BrowserError(self.capture.problem)
            if self.capture.failure:
                raise BrowserError(f"the browser stopped: {self.capture.failure}")
            if time.monotonic() >= deadline:
                where = f"; the browser was at {strip_query(self.url)}" if self.url else ""
                raise CaptureTimeout(
                    self._with_files(f"no SAML response within {self.login.browser.timeout:g} s{where}")
                )
            try:
                self.known_windows = reading.follow_windows(self.driver, self.known_windows)
                if self.login.browser.mode != MANUAL or self.memory.settings.attended:
                    self.step()
                failures = 0
            except PAGE_ERRORS as exc:  # pages change under our feet: look again
                failures += 1
                log.debug("page changed while reading it: %s", type(exc).__name__)
                if failures >= 25 or reading.browser_gone(exc):
                    late = self.capture.result(timeout=POLL)  # closed right after the capture?
                    if late is not None:
                        return str(late)
                    raise BrowserError(
                        "the browser closed or crashed before the login finished",
                        hint="try again; with --show-browser to watch",
                    ) from exc

    def step(self) -> None:
        snap, els = reading.read_page(self.driver, self.login.idp.username or "")
        self.url = snap["url"]
        self.memory.now = time.monotonic()
        actions = decide.decide(snap, self.memory)
        for action in actions:
            self._execute(action, snap, els)

    def _check_origin(self, field: Any, what: str) -> None:
        """Right before a secret is typed: it goes only where origins.decide allows, judged on the
        origin of the field's frame as the browser knows it (never what page script reports)."""
        if self.login.check_origin is None:
            return
        origin_of = getattr(self.driver, "origin_of", None)  # a driver without it: the page's URL
        where = (origin_of(field) or "a frame without a web origin") if origin_of else self.url
        self.login.check_origin(where, "password" if what == "password" else "one-time code")

    def _execute(self, action: decide.Action, snap: decide.Snapshot, els: list[Any]) -> None:
        from awscli_saml_sso.browser.pageapi import ENTER, PAGE_ERRORS

        if isinstance(action, decide.Say):
            self.login.status(action.text)
        elif isinstance(action, decide.Notice):
            (self.login.notice or self.login.status)(action.text)
        elif isinstance(action, decide.RelayNumber):
            (self.login.notice or self.login.status)(action.line)
            self.login.status(action.status)
        elif isinstance(action, decide.Type) and action.what in decide.SECRETS:
            self._type_secret(action, els)
        elif isinstance(action, decide.Type):
            self._type(els[action.field], str(self.login.idp.username), action.clear)
        elif isinstance(action, decide.Press) and action.element is None:
            els[action.field].send_keys(ENTER)
        elif isinstance(action, decide.Press):
            try:
                els[action.element].click()
            except PAGE_ERRORS:  # covered by an overlay, or moving: click it in the page
                self.driver.execute_script("arguments[0].click()", els[action.element])
        elif isinstance(action, decide.Select):
            self.driver.execute_script(page_js.SELECT, els[action.element], action.index)
        elif isinstance(action, decide.Remember):
            if self.driver.execute_script(page_js.REMEMBER, els[action.field]):
                log.debug("ticked 'remember me': the persistent profile keeps the IdP's session")
        elif isinstance(action, decide.Fail):
            raise action.error
        elif isinstance(action, decide.HandOver):
            raise person.NeedsPerson(action.step, action.url)
        elif isinstance(action, decide.Stuck):
            error = BrowserError(self._with_files(f"cannot handle the login page {action.what}"), hint=_STUCK_HINT)
            raise person.NeedsPerson(person.step_name("unknown"), snap["url"], error) if action.hand_over else error

    def _type_secret(self, action: decide.Type, els: list[Any]) -> None:
        """The one place a password or code is typed, once its field's origin is checked."""
        what = "password" if action.what == "password" else "one-time code"
        self._check_origin(els[action.digits[0]] if action.digits else els[action.field], action.what)
        value = self._get_password() if action.what == "password" else self._get_code()
        self.capture.protect(value, self.login, what)  # the network guard, before the first key
        if action.digits:  # one box per digit
            for box, digit in zip(action.digits, value, strict=False):
                els[box].send_keys(digit)
        else:
            self._type(els[action.field], value, action.clear)

    def _type(self, field: Any, value: str, filled: bool = True) -> None:
        if filled:  # an empty field (as the page script saw it just now) needs no clear(): ~40 ms
            field.clear()
        field.send_keys(value)

    def _get_password(self) -> str:
        if self._password is None:
            assert self.login.answers.password is not None  # decide fails first without one
            self.login.status("the IdP asks for the password")
            self._password = self.login.answers.password()
            self.secrets.append(self._password)
        return self._password

    def _get_code(self) -> str:
        assert self.login.answers.mfa_code is not None  # decide fails first without one
        code = self.login.answers.mfa_code().strip()
        self.secrets.append(code)
        return code

    def _with_files(self, message: str) -> str:
        files = diagnostics.save(self.driver, self.login.browser.diagnostics_dir, self.secrets)
        return f"{message}{diagnostics.describe(files)}"
