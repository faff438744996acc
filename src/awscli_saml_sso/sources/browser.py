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
            check_origin=(guard := origin_guard(opts.idp, opts.answers, ui)),
            trusted_origins=guard.trusted,
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


def origin_guard(idp: IdpOptions, answers: Answers, ui: Any) -> OriginGuard:
    """The browser's ``check_origin``: a secret is typed only into a page whose origin
    ``origins.decide`` allows; a new origin is confirmed on the terminal (and remembered for a
    stored IdP), refused without one; plain HTTP off this machine is refused outright.

    A one-time code is not the password: a second factor on its own origin (Duo-style) is asked
    about as such, and confirming it there trusts that origin for codes in this run only, never
    for the password."""
    return OriginGuard(idp, answers, ui)


class OriginGuard:
    """``check_origin`` (called with a frame's origin and what will be typed) and ``trusted`` (the
    origins allowed so far, for the network guard), sharing the origins confirmed in this run."""

    def __init__(self, idp: IdpOptions, answers: Answers, ui: Any) -> None:
        self.idp, self.answers, self.ui = idp, answers, ui
        self.confirmed: list[str] = []  # for the password (and so for codes)
        self.for_codes: list[str] = []
        self.announced: set[str] = set()

    def trusted(self, what: str = PASSWORD) -> tuple[str, ...]:
        codes = self.for_codes if what != PASSWORD else []
        return (self.idp.url or "", *self.idp.allowed_origins, *self.confirmed, *codes)

    def __call__(self, url: str, what: str = PASSWORD) -> None:
        from awscli_saml_sso import origins

        decision, origin = origins.decide(url, self.trusted(what))
        if decision is origins.Decision.REFUSED:
            where = origin or (origins.origin_of(url) or url.split("?")[0][:100])
            raise UsageError(
                f"refusing to type the {what} into {where}: "
                + ("plain HTTP to another machine" if origin else "not a web page of the IdP"),
                hint="give the IdP's https:// URL; anyone on the way could read a password sent over http",
            )
        if decision is origins.Decision.NEEDS_CONFIRMATION:
            _confirm_origin(origin, self.idp, self.answers, self.ui, what)
            (self.confirmed if what == PASSWORD else self.for_codes).append(origin)
        if origin not in self.announced:
            self.announced.add(origin)
            self.ui.status(f"typing into {origin}")


def _confirm_origin(origin: str, idp: IdpOptions, answers: Answers, ui: Any, what: str = PASSWORD) -> None:
    """Ask the person (only on a terminal) before a secret goes to an origin not trusted yet."""
    from awscli_saml_sso import origins
    from awscli_saml_sso.netguard import allow_hint

    nick = idp.nickname
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
            hint=allow_hint(origin, nick),
        )
    if remember and answers.remember_origin is not None:
        answers.remember_origin(origin)


def _confirm(ui: Any, mode: str) -> Callable[[str], bool] | None:
    """The question for a hand-over to a visible window; none where a window is open already."""
    ask = getattr(ui, "confirm", None)
    if ask is None or mode != HEADLESS:
        return None
    return lambda question: bool(ask(question, option="--show-browser"))
