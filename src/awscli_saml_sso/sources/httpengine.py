"""The login over plain HTTP: the browser's page model on static HTML, no browser started.

Each answer of the IdP is read into the same snapshot the browser's reader makes
(:mod:`staticpage`) and given to the same :func:`browser.decide.decide`; its actions are carried
out on the wire: typing fills a form field, pressing submits the form as a browser would
(:mod:`htmlforms`), redirects, meta refreshes and self-submitting forms are followed, and the
SAML response is taken from the form that would post it to AWS (never sent).

The engine gives up, before any secret is typed on that page, where a browser is needed:
:class:`NeedsBrowser` carries the page as received and the cookies, so the browser carries on
from there without posting anything twice. A secret is posted only into a form that
:func:`htmlforms.needs_script` says a browser would submit unchanged, on an origin the
browser's own origin rule allows (HTTPS, or HTTP on this machine), through the same
``check_origin`` as the browser.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable
from typing import Any

from awscli_saml_sso import htmlforms, staticpage
from awscli_saml_sso.browser import decide
from awscli_saml_sso.browser.endpoints import effective_endpoints, is_saml_endpoint, strip_query
from awscli_saml_sso.errors import BrowserError, CaptureTimeout, NetworkError
from awscli_saml_sso.origins import origin_of
from awscli_saml_sso.sources.webclient import REDIRECTS, Response, WebClient, WebError

log = logging.getLogger(__name__)

MAX_HOPS = 40  # redirects, refreshes and pages in one login: a loop beyond this is the IdP's
SECRET_KINDS = ("password", "otp")


@dataclasses.dataclass
class NeedsBrowser(Exception):
    """The page needs a browser: why, and where the browser takes over (the page as received)."""

    reason: str
    page: Response | None = None
    posted_secret: bool = False

    def __str__(self) -> str:
        return self.reason


@dataclasses.dataclass
class Request:
    idp_url: str
    username: str | None
    password: Callable[[], str] | None
    mfa_code: Callable[[], str] | None
    settings: decide.Settings
    check_origin: Callable[[str, str], None] | None  # (origin or URL, "password" | "one-time code")
    status: Callable[[str], None]
    timeout: float
    endpoints: tuple[str, ...] = ()
    # False: a page that asks for a secret goes to the browser (Firefox: it cannot be handed the
    # page as received, so it starts again at the IdP's URL, where nothing was posted yet)
    secrets: bool = True


class HttpLogin:
    def __init__(self, client: WebClient, request: Request) -> None:
        self.client = client
        self.request = request
        self.memory = decide.Memory(request.settings)
        self.secrets: list[str] = []
        self.posted_secret = False
        self._password: str | None = None
        self.endpoints = request.endpoints or effective_endpoints()

    def run(self) -> str:
        deadline = time.monotonic() + self.request.timeout
        method, url, body = "GET", self.request.idp_url, None
        for _ in range(MAX_HOPS):
            answer = self._fetch(method, url, body, deadline)
            step = self._next(answer)
            if isinstance(step, str):
                return step
            method, url, body = step
        raise BrowserError(f"the IdP sent the login round more than {MAX_HOPS} times", hint="try --engine browser")

    # ---- one answer ----------------------------------------------------------------------------

    def _fetch(self, method: str, url: str, body: bytes | None, deadline: float) -> Response:
        try:
            answer = self.client.request(method, url, deadline, body)
        except TimeoutError:
            raise CaptureTimeout(
                f"no SAML response within {self.request.timeout:g} s; the login was at {strip_query(url)}"
            ) from None
        except WebError as exc:
            raise NetworkError(str(exc), hint="check the IdP URL and your network or proxy settings") from None
        hops = 0
        while answer.status in REDIRECTS and answer.location and hops < MAX_HOPS:
            hops += 1
            target = htmlforms.join(answer.url, answer.location)
            if target == htmlforms.INVALID:
                raise BrowserError(f"the IdP redirected to an address that is no URL: {answer.location[:100]!r}")
            keep = answer.status in (307, 308) and body is not None
            if keep and self.posted_secret and origin_of(target) != origin_of(answer.url):
                raise BrowserError(
                    f"the IdP redirected a form with the password to {origin_of(target)}",
                    hint="log in with --engine browser to see where it goes",
                )
            if is_saml_endpoint(target, self.endpoints):
                raise NeedsBrowser("the IdP redirects to AWS itself", answer, self.posted_secret)
            answer = self.client.request("POST" if keep else "GET", target, deadline, body if keep else None)
        return answer

    def _next(self, answer: Response) -> str | tuple[str, str, bytes | None]:
        if answer.truncated or answer.content_type not in ("text/html", "application/xhtml+xml", ""):
            raise NeedsBrowser(f"{strip_query(answer.url)} is not a plain HTML page", answer, self.posted_secret)
        if answer.status >= 400 and not self.memory.last_kind:
            raise BrowserError(f"the IdP answered HTTP {answer.status} at {strip_query(answer.url)}")
        page = htmlforms.parse(answer.body, answer.url)
        posted = htmlforms.saml_post(page)
        if posted is not None and is_saml_endpoint(posted[0].action, self.endpoints):
            log.debug("SAML response found in the page's auto-post form")
            return posted[1]
        moving = htmlforms.auto_submit(page)
        if moving is not None:
            sub = htmlforms.encode(moving)
            return sub.method, sub.url, sub.body
        if page.refresh:
            return "GET", page.refresh, None
        return self._decide(answer, page)

    # ---- the page model's actions, on the wire --------------------------------------------------

    def _decide(self, answer: Response, page: htmlforms.Page) -> tuple[str, str, bytes | None]:
        snap, refs = staticpage.read(answer.body, answer.url, self.request.username or "")
        self.memory.now = time.monotonic()
        actions = decide.decide(snap, self.memory)
        if actions == [decide.WAIT]:
            # A static page will not change: what the rules wait for (an error page to settle)
            # has happened already. Once more with that time passed; still waiting: script's work.
            self.memory.now += decide.ERROR_SETTLE
            actions = decide.decide(snap, self.memory)
        fills: dict[str, str] = {}
        form: htmlforms.Form | None = None
        for action in actions:
            if isinstance(action, decide.Fail):
                raise action.error
            if isinstance(action, decide.Say):
                self.request.status(action.text)
            elif isinstance(action, decide.Type):
                form = self._type(page, refs, action, fills, answer)
            elif isinstance(action, decide.Remember):
                box = htmlforms.remember_box(_control(page, refs[action.field])[0])
                if box is not None:  # the IdP's session cookie then outlives this run (the jar)
                    fills[box.name] = box.value
            elif isinstance(action, decide.Press):
                return self._press(page, refs, action, fills, form, answer)
            else:
                raise NeedsBrowser(_why(action, snap), answer, self.posted_secret)
        raise NeedsBrowser(f"nothing to do over plain HTTP on {_name(snap)}", answer, self.posted_secret)

    def _type(self, page, refs, action, fills: dict[str, str], answer: Response) -> htmlforms.Form:
        form, control = _control(page, refs[action.field])
        # Any form we fill must be one a browser would post unchanged, before anything is typed
        fields = tuple(c.name for c in form.controls if c.type == "password" or c is control)
        reason = htmlforms.needs_script(page, form, fields)
        if reason is not None:
            raise NeedsBrowser(f"{reason} on {strip_query(answer.url)}", answer, self.posted_secret)
        if action.what in SECRET_KINDS:
            if not self.request.secrets:
                raise NeedsBrowser("the browser types the secrets on this login", answer, self.posted_secret)
            if self.request.check_origin is not None:
                what = "password" if action.what == "password" else "one-time code"
                self.request.check_origin(answer.url, what)
                self.request.check_origin(form.action, what)  # where the secret goes, not only the page
        fills[control.name] = self._value(action.what)
        return form

    def _press(self, page, refs, action, fills, form, answer: Response) -> tuple[str, str, bytes | None]:
        submitter = None
        if action.element is not None:
            kind, *where = refs[action.element]
            if kind == "link":
                if fills:
                    raise NeedsBrowser("a link, not a form, carries the typed value", answer, self.posted_secret)
                return "GET", where[0], None
            form_of, submitter = _control(page, refs[action.element])
            form = form if form is not None else form_of
            if form_of is not form:
                raise NeedsBrowser("the button is not in the form typed into", answer, self.posted_secret)
        elif action.field is not None:
            form, _ = _control(page, refs[action.field])
        if form is None:
            raise NeedsBrowser("nothing to submit", answer, self.posted_secret)
        sub = htmlforms.encode(form, fills, submitter)
        if any(self._secret_in(v) for v in fills.values()):
            self.posted_secret = True
        return sub.method, sub.url, sub.body

    def _secret_in(self, value: str) -> bool:
        return value in self.secrets

    def _value(self, what: str) -> str:
        """The answer decide asked to type (it fails first when the person gave none)."""
        if what == "username":
            assert self.request.username  # decide fails first without one
            return self.request.username
        if what == "password":
            if self._password is None:
                assert self.request.password is not None  # decide fails first without one
                self.request.status("the IdP asks for the password")
                self._password = self.request.password()
                self.secrets.append(self._password)
            return self._password
        assert self.request.mfa_code is not None  # decide fails first without one
        code = self.request.mfa_code().strip()
        self.secrets.append(code)
        return code


def _control(page: htmlforms.Page, ref: tuple[str, ...]) -> tuple[htmlforms.Form, htmlforms.Control]:
    _, f, c = ref
    form = page.forms[int(f)]
    return form, form.controls[int(c)]


def _name(snap: dict[str, Any]) -> str:
    title = " ".join((snap.get("title") or "").split())[:80]
    return f"{title!r} at {strip_query(snap['url'])}" if title else strip_query(snap["url"])


def _why(action: Any, snap: dict[str, Any]) -> str:
    if isinstance(action, decide.RelayNumber):
        return "the IdP shows a number to approve"
    if isinstance(action, decide.HandOver):
        return f"the IdP asks for a step a person does ({action.step})"
    return f"the page {_name(snap)} needs script"
