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


@dataclasses.dataclass(frozen=True)
class BrowserSource(SamlSource):
    """Drive a browser through the IdP's pages (headless and filled in, or a visible window)."""

    opts: LoginOptions

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
        )
        with ui.waiting("waiting for the IdP"):
            return browser.capture_saml_response(request)

    def wait_closed(self) -> None:
        """The browser shuts down while STS is called: it is gone before the login returns."""
        browser.wait_closed()


def origin_guard(idp: IdpOptions, answers: Answers, ui: Any) -> OriginGuard:
    """The browser's ``check_origin``: a secret is typed only into a page whose origin
    ``origins.decide`` allows; a new origin is confirmed on the terminal (and remembered for a
    stored IdP), refused without one; plain HTTP off this machine is refused outright."""
    return OriginGuard(idp, answers, ui)


class OriginGuard:
    """``check_origin`` (called with a page's URL) and ``trusted`` (the origins allowed so far,
    for the network guard), sharing the origins confirmed in this run."""

    def __init__(self, idp: IdpOptions, answers: Answers, ui: Any) -> None:
        self.idp, self.answers, self.ui = idp, answers, ui
        self.confirmed: list[str] = []
        self.announced: set[str] = set()

    def trusted(self) -> tuple[str, ...]:
        return (self.idp.url or "", *self.idp.allowed_origins, *self.confirmed)

    def __call__(self, url: str) -> None:
        from awscli_saml_sso import origins

        decision, origin = origins.decide(url, self.trusted())
        if decision is origins.Decision.REFUSED:
            where = origin or (origins.origin_of(url) or url.split("?")[0][:100])
            raise UsageError(
                f"refusing to type the password into {where}: "
                + ("plain HTTP to another machine" if origin else "not a web page of the IdP"),
                hint="give the IdP's https:// URL; anyone on the way could read a password sent over http",
            )
        if decision is origins.Decision.NEEDS_CONFIRMATION:
            _confirm_origin(origin, self.idp, self.answers, self.ui)
            self.confirmed.append(origin)
        if origin not in self.announced:
            self.announced.add(origin)
            self.ui.status(f"typing into {origin}")


def _confirm_origin(origin: str, idp: IdpOptions, answers: Answers, ui: Any) -> None:
    """Ask the person (only on a terminal) before a secret goes to an origin not trusted yet."""
    from awscli_saml_sso import origins
    from awscli_saml_sso.netguard import allow_hint

    nick = idp.nickname
    tty = getattr(ui, "tty", lambda: None)()
    question = (
        f"The login asks for the password at {origin}, not at the IdP's "
        f"{origins.origin_of(idp.url or '')}. Type it there" + (" and trust that origin from now on?" if nick else "?")
    )
    if tty is None or not ui.confirm(question, option="--allow-origin"):
        why = "there is no terminal to confirm it on" if tty is None else "you did not confirm it"
        raise UsageError(
            f"refusing to type the password into {origin}, an origin "
            + (f"the IdP {nick} does not trust" if nick else "other than the IdP URL's")
            + f" ({why})",
            hint=allow_hint(origin, nick),
        )
    if answers.remember_origin is not None:
        answers.remember_origin(origin)


def _confirm(ui: Any, mode: str) -> Callable[[str], bool] | None:
    """The question for a hand-over to a visible window; none where a window is open already."""
    ask = getattr(ui, "confirm", None)
    if ask is None or mode != HEADLESS:
        return None
    return lambda question: bool(ask(question, option="--show-browser"))
