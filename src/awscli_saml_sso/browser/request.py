"""What the browser layer is asked to do for one login (:class:`BrowserLogin`)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

from awscli_saml_sso.browser.endpoints import DEFAULT_SAML_ENDPOINTS
from awscli_saml_sso.options import Answers, BrowserOptions, IdpOptions


def _quiet(message: str) -> None:
    """Default progress sink: say nothing."""


@dataclasses.dataclass(frozen=True)
class Handoff:
    """Where the plain-HTTP engine stopped: the browser carries on from this page, with these
    cookies (the browser's cookie records), showing the page as received (nothing posted twice)."""

    url: str | None
    status: int = 0
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = dataclasses.field(default=b"", repr=False)
    cookies: tuple[dict, ...] = dataclasses.field(default=(), repr=False)
    posted_secret: bool = False


@dataclasses.dataclass(frozen=True)
class BrowserLogin:
    """Everything the browser needs for one login: the option groups as the entry point built
    them, and the callbacks of the caller. Secrets come through callables, on demand."""

    idp: IdpOptions  # its url is the page to open; never None here
    browser: BrowserOptions = BrowserOptions()
    answers: Answers = Answers()  # password, one-time code, remember_step
    endpoints: tuple[str, ...] = DEFAULT_SAML_ENDPOINTS  # see endpoints.py for the syntax
    status: Callable[[str], None] = dataclasses.field(default=_quiet, repr=False)  # progress lines
    # Called with the origin of the field's frame (as the browser knows it) and what will be
    # typed ("password" or "one-time code") right before a secret is typed into it; raises to
    # refuse (see origins.py and sources.browser.origin_guard). None: no check.
    check_origin: Callable[[str, str], None] | None = dataclasses.field(default=None, repr=False)
    # The origins a typed secret may be sent to (the network guard, netguard.py): those
    # check_origin allows without asking, confirmed ones included. None: the IdP URL's origin
    # and the stored IdP's allowed_origins.
    trusted_origins: Callable[[], tuple[str, ...]] | None = dataclasses.field(default=None, repr=False)
    # A line the person must see whatever the log level: the number to approve on the phone
    notice: Callable[[str], None] | None = dataclasses.field(default=None, repr=False)
    # Asks the person (terminal) whether to open a visible window for a step only they can do
    # (security key, CAPTCHA); None: no terminal, such a step is one clear error
    confirm: Callable[[str], bool] | None = dataclasses.field(default=None, repr=False)
    # Once the SAMLResponse is in hand, return it while the browser shuts down in a thread (the
    # caller overlaps STS with it and must call wait_closed()); False: return after shutdown.
    close_in_background: bool = False
    # Called once the browser process has been launched (before it is ready): the caller starts
    # its own slow work (imports) then, not before, so that it does not delay the browser.
    launched: Callable[[], None] | None = dataclasses.field(default=None, repr=False)
    # The plain-HTTP engine's session and last page: the browser starts there (``--engine auto``)
    handoff: Handoff | None = None
    # A stored IdP's cookie jar (``cookiestore``): pushed into the browser before the first page,
    # and the browser's cookies written back after the login, so both engines share one session
    cookie_jar: Path | None = None
