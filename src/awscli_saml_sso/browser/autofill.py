"""Log in on IdP pages never seen before, until the capture has the SAMLResponse.

A poll loop: follow the login into new windows, read the page (and one level of iframes) with one
script (:mod:`page_js`), and do the next sensible thing: type the username, the password (only
ever into a ``type=password`` field), the one-time code, or confirm "stay signed in?". A password
or code is submitted at most once per run: when that kind of field comes back (on any page) or an
error page follows, the IdP rejected the answer and we say so with the page's own sentence.

The human steps (:mod:`relay`): a number to approve on the phone is told to the person at once;
the factor is chosen where the page offers several; a lone sign-in control (a portal) is clicked;
a step only a person can do (security key, CAPTCHA) is raised as :class:`person.NeedsPerson`
(:mod:`handover` offers a visible window for it).
"""

from __future__ import annotations

import dataclasses
import logging
import time
from typing import Any
from urllib.parse import urlsplit

from awscli_saml_sso.browser import diagnostics, page_js, person, relay
from awscli_saml_sso.browser.endpoints import strip_query
from awscli_saml_sso.browser.request import BrowserLogin
from awscli_saml_sso.defaults import MANUAL, SHOW
from awscli_saml_sso.errors import BrowserError, CaptureTimeout, UsageError

log = logging.getLogger(__name__)

POLL = 0.2  # seconds between looks at the page (also how long we wait on the capture)
STUCK_AFTER = 10.0  # seconds without progress on a settled page we cannot handle
ERROR_SETTLE = 1.0  # seconds an error page without fields must stay before it counts as the answer
RESPOND_EVERY = 2.5  # seconds between presses of "I have responded" on a push page
MAX_PORTAL_CLICKS = 3
MAX_ERROR = 120


@dataclasses.dataclass
class Done:
    """A form we submitted: where, in which document, and the error text shown before."""

    place: str
    doc: str
    error: str


class Autofill:
    def __init__(self, driver: Any, login: BrowserLogin, capture: Any) -> None:
        self.driver = driver
        self.login = login
        self.capture = capture
        self.done: dict[str, Done] = {}
        self.secrets: list[str] = []  # what we typed, so diagnostics can scrub it
        self._password: str | None = None
        self.known_windows: set[str] = set()
        self.clicked: set[tuple[str, str]] = set()
        self.said: set[str] = set()
        self.signature: tuple[Any, ...] = ()
        self.last_change = time.monotonic()
        self.url = ""
        self.relayed = ""  # the approval line last shown to the person
        self.last_respond = 0.0
        self.portal_clicks = 0
        self.last_kind: str | None = None  # what we submitted last: password, otp, ...

    # ---- main loop ----------------------------------------------------------------------------

    def run(self, deadline: float) -> str:
        from awscli_saml_sso.browser.pageapi import PAGE_ERRORS

        failures, wait = 0, 0.0
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
                self._timeout()
            try:
                if self.login.browser.mode == MANUAL:
                    self._follow_windows()
                else:
                    self.step()
                failures = 0
            except PAGE_ERRORS as exc:  # pages change under our feet: look again
                failures += 1
                log.debug("page changed while reading it: %s", type(exc).__name__)
                if failures >= 25 or _browser_gone(exc):
                    late = self.capture.result(timeout=POLL)  # closed right after the capture?
                    if late is not None:
                        return str(late)
                    raise BrowserError(
                        "the browser closed or crashed before the login finished",
                        hint="try again; with --show-browser to watch",
                    ) from exc

    def step(self) -> None:
        self._follow_windows()
        page = self._read_page()
        self.url = page["url"]
        # "Authenticator app" on a page offering several factors is a choice, not a push sent
        tiles = [m for m in page["methods"] if m["kind"] == "button"]
        # and "waiting for your security key" is a step for the person, not a push
        page["waiting"] = bool(page["number"]) or (
            bool(page["waiting"]) and len(tiles) < 2 and not (tiles and page["choose"]) and not page["handover"]
        )
        signature = (
            strip_query(page["url"]),
            page["doc"],
            page["error"],
            page["number"],
            *(bool(page[k]) for k in ("user", "password", "otp", "kmsi", "otpSplit", "waiting")),
        )
        if signature != self.signature:
            self.signature, self.last_change = signature, time.monotonic()
        if self._act(page) or self._human_step(page):
            self.last_change = time.monotonic()
            return
        if page["number"] or page["waiting"]:
            return
        self._refused(page)
        settled = page["ready"] == "complete" and time.monotonic() - self.last_change >= ERROR_SETTLE
        if page["handover"] and settled and self.login.browser.mode != SHOW:
            raise person.NeedsPerson(person.step_name(page["handover"]), page["url"])
        if page["ready"] == "complete" and time.monotonic() - self.last_change > STUCK_AFTER:
            files = diagnostics.save(self.driver, self.login.browser.diagnostics_dir, self.secrets)
            what = _page_name(page)
            error = BrowserError(
                f"cannot handle the login page {what}{diagnostics.describe(files)}",
                hint="log in with --show-browser to watch, or --use-browser to do it yourself",
            )
            if self.login.confirm is not None and self.login.browser.mode != SHOW:
                raise person.NeedsPerson(person.step_name("unknown"), page["url"], error)
            raise error

    # ---- reading the page ---------------------------------------------------------------------

    def _follow_windows(self) -> None:
        from awscli_saml_sso.browser.pageapi import NO_SUCH_WINDOW

        handles = self.driver.window_handles
        if not handles:
            raise BrowserError("the browser window was closed before the login finished")
        new = [h for h in handles if h not in self.known_windows]
        self.known_windows = set(handles)
        try:
            current = self.driver.current_window_handle
        except NO_SUCH_WINDOW:  # the window we were on has closed
            current = None
        if new and new[-1] != current:
            self.driver.switch_to.window(new[-1])  # the login moved to a popup or a new tab
        elif current not in handles:
            self.driver.switch_to.window(handles[-1])

    def _read_page(self) -> dict[str, Any]:
        from awscli_saml_sso.browser.pageapi import CSS_SELECTOR, PAGE_ERRORS

        self.driver.switch_to.default_content()
        page = self._classify()
        if _actionable(page) or not page["frames"]:
            return page
        for frame in self.driver.find_elements(CSS_SELECTOR, "iframe, frame")[:5]:
            try:
                self.driver.switch_to.frame(frame)
                inner = self._classify()
            except PAGE_ERRORS:  # a frame that went away or cannot be read
                self.driver.switch_to.default_content()
                continue
            if _actionable(inner):
                return inner  # stay in the frame: its elements are used next
            self.driver.switch_to.default_content()
        return page

    def _classify(self) -> dict[str, Any]:
        from awscli_saml_sso.browser.cdp import CdpError

        page = self.driver.execute_script(page_js.CLASSIFY, self.login.idp.username or "")
        if not isinstance(page, dict):
            # Firefox answers null when the document goes away under the script, as when the
            # SAML POST it was waiting on has just been answered: the page changed, look again.
            raise CdpError("the page was replaced while it was read")
        return page

    # ---- acting -------------------------------------------------------------------------------

    def _act(self, page: dict[str, Any]) -> bool:
        place = _place(page["url"])
        if page["methods"] and self._choose_method(page, place):
            return True
        if page["waiting"] and page["another"] is not None and self._another_way(page, place):
            return True
        if self.login.check_origin is not None and (page["otp"] or page["otpSplit"] or page["password"]):
            self.login.check_origin(page["url"])  # a secret goes only where origins.decide allows
        if page["otp"] or page["otpSplit"]:
            return self._fill_otp(page, place)
        if page["password"]:
            return self._fill_password(page, place)
        if page["user"]:
            return self._fill_username(page, place)
        if page["newPassword"]:
            raise BrowserError("the IdP asks for a new password", hint="change it with --use-browser, then run again")
        if page["kmsi"] is not None and (place, page["doc"]) not in self.clicked:
            self.clicked.add((place, page["doc"]))
            self.login.status("answering the 'stay signed in?' question")
            self._click(page["kmsi"], None)
            return True
        return False

    # ---- the human steps: number, push, factor choice, portals ---------------------------------

    def _human_step(self, page: dict[str, Any]) -> bool:
        if page["account"] is not None:
            return self._pick_account(page)
        if page["number"] or page["waiting"]:
            return self._relay(page)
        if page["portal"] is not None and not self._refusing(page):
            return self._enter_portal(page)
        return False

    def _relay(self, page: dict[str, Any]) -> bool:
        """Tell the person the number (or that a push is waiting) once per challenge, at once,
        on the line they cannot miss; press "I have responded" now and then where the page has
        one; end when the IdP says the push was denied or timed out."""
        if self.relayed and (failure := relay.push_failure(_trim(page["error"]))):
            raise failure
        line = relay.approval_line(page["number"])
        if line != self.relayed:
            self.relayed = line
            self.last_respond = time.monotonic()
            notice = self.login.notice or self.login.status
            notice(line)
            self.login.status(f"waiting for your approval{' of ' + page['number'] if page['number'] else ''}")
            return False
        if page["responded"] is not None and time.monotonic() - self.last_respond >= RESPOND_EVERY:
            self.last_respond = time.monotonic()
            self._click(page["responded"], None)
            return True
        return False

    def _pick_account(self, page: dict[str, Any]) -> bool:
        key = ("account", _place(page["url"]), page["doc"])
        if key in self.clicked:
            return False
        self.clicked.add(key)
        self.login.status(f"choosing the account {self.login.idp.username}")
        self._click(page["account"], None)
        return True

    def _refusing(self, page: dict[str, Any]) -> bool:
        return self.last_kind is not None and bool(page["error"])

    def _enter_portal(self, page: dict[str, Any]) -> bool:
        """A page without fields whose one way on is a sign-in control: a portal, or a tile."""
        key = (_place(page["url"]), page["doc"])
        if key in self.clicked or self.portal_clicks >= MAX_PORTAL_CLICKS:
            return False
        self.clicked.add(key)
        self.portal_clicks += 1
        self.login.status("following the page's only sign-in control")
        self._click(page["portal"], None)
        return True

    def _choose_method(self, page: dict[str, Any], place: str) -> bool:
        """Choose the factor where the page offers a choice; True when that moved the page on."""
        key = (place, page["doc"])
        if ("method",) + key in self.clicked:
            return False
        wanted = self.login.idp.mfa_method
        has_code = self.login.idp.prefer_code or wanted == "totp"
        methods = page["methods"]
        if all(m["kind"] == "button" for m in methods):
            return self._choose_tile(page, key, methods, wanted, has_code)
        choice = relay.pick_method(methods, wanted, has_code)
        self.clicked.add(("method",) + key)
        if choice is None:
            return False
        if not choice["selected"]:
            self.login.status(f"choosing the {relay.METHOD_NAMES[choice['method']]} method")
            if choice["kind"] == "select":
                self.driver.execute_script(_SELECT_JS, choice["el"], choice["index"])
            else:
                self._click(choice["el"], None)
        if choice["method"] == "push" and (page["otp"] or page["otpSplit"]) and page["submit"] is not None:
            self.login.status("asking the IdP for a push")  # the code field stays empty
            self._click(page["submit"], None)
            return True
        if page["otp"] or page["otpSplit"] or page["password"] or page["user"]:
            return False  # the code field is on this page: fill it in next
        if page["submit"] is not None:
            self._click(page["submit"], None)
        return True

    def _another_way(self, page: dict[str, Any], place: str) -> bool:
        """A push page with a code at hand (or another --mfa-method): ask for the other ways."""
        wanted = self.login.idp.mfa_method
        if not ((wanted or "push") != "push" or (wanted is None and self.login.idp.prefer_code)):
            return False
        key = ("another", place, page["doc"])
        if key in self.clicked:
            return False
        self.clicked.add(key)
        self.login.status("asking the IdP for another way to sign in")
        self._click(page["another"], None)
        return True

    def _choose_tile(
        self,
        page: dict[str, Any],
        key: tuple[str, str],
        methods: list[dict[str, Any]],
        wanted: str | None,
        has_code: bool,
    ) -> bool:
        pushing = bool(page["number"] or page["waiting"])
        want = wanted or ("totp" if has_code and pushing else None)
        if pushing and want in (None, "push"):
            return False  # a push is on its way, as preferred: relay it
        if not pushing and len(methods) < 2 and not page["choose"]:
            return False
        try:
            choice = (
                next((m for m in methods if m["method"] == want), None)
                if pushing
                else relay.pick_method(methods, wanted, has_code)
            )
        except UsageError:
            if page["another"] is None:
                raise
            choice = None
        self.clicked.add(("method",) + key)
        if choice is None:
            if page["another"] is not None and (want or not pushing):
                self.login.status("asking the IdP for another way to sign in")
                self._click(page["another"], None)
                return True
            return False
        self.login.status(f"choosing the {relay.METHOD_NAMES[choice['method']]} method")
        self._click(choice["el"], None)
        return True

    def _fill_username(self, page: dict[str, Any], place: str) -> bool:
        if self._already(page, place, "username"):
            return False
        if not page["userPrefilled"]:
            self._type(page["user"], self._username(), page["userFilled"])
        self.login.status("submitting the username")
        return self._submit(page, place, "username", page["user"])

    def _fill_password(self, page: dict[str, Any], place: str) -> bool:
        if self._already(page, place, "password"):
            return False
        if page["user"] and not page["userPrefilled"]:
            if self.login.idp.username or not page["userFilled"]:  # else keep what the page has
                self._type(page["user"], self._username(), page["userFilled"])
        password = self._get_password()
        self.capture.protect(password, self.login)  # the network guard, before the first key
        self._type(page["password"], password, page["passwordFilled"])
        if self.login.browser.profile_dir is not None and self.driver.execute_script(
            page_js.REMEMBER, page["password"]
        ):
            log.debug("ticked 'remember me': the persistent profile keeps the IdP's session")
        self.login.status("submitting the password")
        return self._submit(page, place, "password", page["password"])

    def _fill_otp(self, page: dict[str, Any], place: str) -> bool:
        if self._already(page, place, "otp"):
            return False
        if self.login.answers.mfa_code is None:
            raise BrowserError("the IdP asks for a one-time code", hint="pass --mfa-code")
        self.login.status("the IdP asks for a one-time code")
        code = self.login.answers.mfa_code().strip()
        self.secrets.append(code)
        self.capture.protect(code, self.login, "one-time code")
        if page["otpSplit"]:  # one box per digit
            for box, digit in zip(page["otpSplit"], code, strict=False):
                box.send_keys(digit)
            field = page["otpSplit"][-1]
        else:
            field = page["otp"]
            self._type(field, code)
        self.login.status("submitting the one-time code")
        return self._submit(page, place, "otp", field)

    def _already(self, page: dict[str, Any], place: str, kind: str) -> bool:
        """True when this form was submitted already; AuthError when the IdP sent it back.

        A password or code is given at most once per run, wherever the form comes back (an error
        page at another URL is still the answer): typing it again only counts against the
        account's lockout. A username page may come back elsewhere (a portal, then the IdP)."""
        done = self.done.get(kind)
        if done is None or (kind == "username" and done.place != place):
            return False
        if page["doc"] == done.doc and not page["invalid"] and not (page["error"] and page["error"] != done.error):
            return True  # still submitting, or a script is thinking: wait
        raise relay.rejection(_trim(page["error"] or page["invalid"]), kind)

    def _refused(self, page: dict[str, Any]) -> None:
        """A page without fields that shows an error after we submitted something: the answer."""
        if self.last_kind is None or not page["error"] or page["ready"] != "complete":
            return
        done = self.done.get(self.last_kind)
        if done is not None and page["doc"] == done.doc and page["error"] == done.error:
            return
        if self.relayed and (failure := relay.push_failure(_trim(page["error"]))):
            raise failure
        if time.monotonic() - self.last_change >= ERROR_SETTLE:
            raise relay.rejection(_trim(page["error"]), self.last_kind)

    def _submit(self, page: dict[str, Any], place: str, kind: str, field: Any) -> bool:
        self.done[kind] = Done(place, page["doc"], page["error"])
        self.last_kind = kind
        self._click(page["submit"], field)
        return True

    def _click(self, button: Any, field: Any) -> None:
        from awscli_saml_sso.browser.pageapi import ENTER, PAGE_ERRORS

        if button is None:
            field.send_keys(ENTER)
            return
        try:
            button.click()
        except PAGE_ERRORS:  # covered by an overlay, or moving: click it in the page
            self.driver.execute_script("arguments[0].click()", button)

    def _type(self, field: Any, value: str, filled: bool = True) -> None:
        if filled:  # an empty field (as the page script saw it just now) needs no clear(): ~40 ms
            field.clear()
        field.send_keys(value)

    def _username(self) -> str:
        if not self.login.idp.username:
            raise BrowserError(
                "the IdP asks for a username but none was given",
                hint="pass --username, or log in yourself with --use-browser",
            )
        return str(self.login.idp.username)

    def _get_password(self) -> str:
        if self._password is None:
            if self.login.answers.password is None:
                raise BrowserError(
                    "the IdP asks for a password but none was given", hint="pass --password-stdin or use a stored IdP"
                )
            self.login.status("the IdP asks for the password")
            self._password = self.login.answers.password()
            self.secrets.append(self._password)
        return self._password

    def _say(self, message: str) -> None:
        if message not in self.said:
            self.said.add(message)
            self.login.status(message)

    def _timeout(self) -> None:
        files = diagnostics.save(self.driver, self.login.browser.diagnostics_dir, self.secrets)
        where = f"; the browser was at {strip_query(self.url)}" if self.url else ""
        raise CaptureTimeout(
            f"no SAML response within {self.login.browser.timeout:g} s{where}{diagnostics.describe(files)}"
        )


_SELECT_JS = """
const sel = arguments[0];
sel.selectedIndex = arguments[1];
sel.dispatchEvent(new Event('input', {bubbles: true}));
sel.dispatchEvent(new Event('change', {bubbles: true}));
"""


def _actionable(page: dict[str, Any]) -> bool:
    return any(
        page[k]
        for k in (
            "user",
            "password",
            "otp",
            "otpSplit",
            "kmsi",
            "newPassword",
            "number",
            "waiting",
            "portal",
            "methods",
            "account",
        )
    )


def _place(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.netloc}{parts.path}"


def _page_name(page: dict[str, Any]) -> str:
    title = _trim(page.get("title") or "")
    return f"{title!r} at {strip_query(page['url'])}" if title else strip_query(page["url"])


def _trim(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_ERROR else text[: MAX_ERROR - 1].rstrip() + "…"


def _browser_gone(exc: Exception) -> bool:
    text = str(exc).lower()
    return any(
        s in text
        for s in ("disconnected", "not reachable", "invalid session id", "session deleted", "connection refused")
    )
