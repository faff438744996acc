"""The SAML response from a browser we drive (:mod:`awscli_saml_sso.browser`), with the checks
that guard what is typed into it: which origins may get a secret, and the person's consent."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from awscli_saml_sso import browser
from awscli_saml_sso.defaults import HEADLESS
from awscli_saml_sso.errors import UsageError
from awscli_saml_sso.options import Answers, IdpOptions, LoginOptions
from awscli_saml_sso.sources.base import SamlSource, SourceUI, idp_url

PASSWORD = "password"  # what check_origin is told will be typed; else "one-time code"


@dataclasses.dataclass(frozen=True)
class BrowserSource(SamlSource):
    """Drive a browser through the IdP's pages (headless and filled in, or a visible window)."""

    opts: LoginOptions
    handoff: Any = None  # browser.request.Handoff: where the plain-HTTP engine stopped
    environ: Any = dataclasses.field(default_factory=dict, repr=False)

    def obtain(self, ui: SourceUI, started: Callable[[], None] | None = None) -> str:
        opts = self.opts
        idp_url(opts.idp)
        request = browser.BrowserLogin(
            idp=opts.idp,
            browser=opts.browser,
            answers=opts.answers,
            status=ui.status,
            check_origin=origin_guard(opts.idp, opts.answers, ui),
            notice=getattr(ui, "notice", ui.warn),
            confirm=_confirm(ui, opts.browser.mode),
            close_in_background=True,  # STS goes on while it shuts down; see wait_closed
            launched=started,
            handoff=self.handoff,
            cookie_jar=_jar(opts, self.environ),
        )
        with ui.waiting("waiting for the IdP"):
            return browser.capture_saml_response(request)

    def wait_closed(self) -> None:
        """The browser shuts down while STS is called: it is gone before the login returns."""
        browser.wait_closed()


def _jar(opts: LoginOptions, environ: Any) -> Any:
    """A stored IdP's cookie jar, shared with the plain-HTTP engine (Chromium family only)."""
    from awscli_saml_sso import cookiestore

    return cookiestore.jar_path(environ, opts.idp.nickname) if opts.idp.nickname and environ else None


def origin_guard(idp: IdpOptions, answers: Answers, ui: Any) -> Callable[..., None]:
    """The browser's ``check_origin``: a secret is typed only into a page whose origin
    ``origins.decide`` allows; a new origin is confirmed on the terminal (and remembered for a
    stored IdP), refused without one; plain HTTP off this machine is refused outright.

    A one-time code is not the password: a second factor on its own origin (Duo-style) is asked
    about as such, and confirming it there trusts that origin for codes in this run only, never
    for the password."""
    from awscli_saml_sso import origins

    confirmed: list[str] = []  # for the password (and so for codes)
    for_codes: list[str] = []
    announced: set[str] = set()

    def check(url: str, what: str = PASSWORD) -> None:
        trusted = (idp.url or "", *idp.allowed_origins, *confirmed, *(for_codes if what != PASSWORD else ()))
        decision, origin = origins.decide(url, trusted)
        if decision is origins.Decision.REFUSED:
            where = origin or (origins.origin_of(url) or url.split("?")[0][:100])
            raise UsageError(
                f"refusing to type the {what} into {where}: "
                + ("plain HTTP to another machine" if origin else "not a web page of the IdP"),
                hint="give the IdP's https:// URL; anyone on the way could read a password sent over http",
            )
        if decision is origins.Decision.NEEDS_CONFIRMATION:
            _confirm_origin(origin, idp, answers, ui, what)
            (confirmed if what == PASSWORD else for_codes).append(origin)
        if origin not in announced:
            announced.add(origin)
            ui.status(f"typing into {origin}")

    return check


def _confirm_origin(origin: str, idp: IdpOptions, answers: Answers, ui: Any, what: str = PASSWORD) -> None:
    """Ask the person (only on a terminal) before a secret goes to an origin not trusted yet."""
    from awscli_saml_sso import origins

    nick = idp.nickname
    allow = (
        f"awscli_saml_sso idp set {nick} --allow-origin {origin}"
        if nick
        else f"store the IdP: awscli_saml_sso idp add NICK --url URL --allow-origin {origin}"
    )
    tty = getattr(ui, "tty", lambda: None)()
    remember = nick is not None and what == PASSWORD  # a code's origin is not trusted with the password
    asked = "the password" if what == PASSWORD else f"a {what} (not the password)"
    question = (
        f"The login asks for {asked} at {origin}, not at the IdP's "
        f"{origins.origin_of(idp.url or '')}. Type {'it' if what == PASSWORD else 'the code'} there"
        + (" and trust that origin from now on?" if remember else "?")
    )
    if tty is None or not ui.confirm(question, option="--allow-origin"):
        why = "there is no terminal to confirm it on" if tty is None else "you did not confirm it"
        raise UsageError(
            f"refusing to type the {what} into {origin}, an origin "
            + (f"the IdP {nick} does not trust" if nick else "other than the IdP URL's")
            + f" ({why})",
            hint=f"if it is your IdP's, allow it: {allow}",
        )
    if remember and answers.remember_origin is not None:
        answers.remember_origin(origin)


def _confirm(ui: Any, mode: str) -> Callable[[str], bool] | None:
    """The question for a hand-over to a visible window; none where a window is open already."""
    ask = getattr(ui, "confirm", None)
    if ask is None or mode != HEADLESS:
        return None
    return lambda question: bool(ask(question, option="--show-browser"))
