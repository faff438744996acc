"""The browser layer: drive a real browser through any IdP login and catch the SAMLResponse.

Cheap to import: selenium and the rest load only inside :func:`capture_saml_response`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

from awscli_saml_sso.browser.endpoints import DEFAULT_SAML_ENDPOINTS

MODES = ("headless", "show", "manual")
BROWSERS = ("chrome", "chromium", "edge", "firefox")


def _quiet(message: str) -> None:
    """Default progress sink: say nothing."""


@dataclasses.dataclass
class BrowserLogin:
    """Everything the browser needs for one login. Secrets come through callables, on demand."""

    idp_url: str
    browser: str | None = None  # chrome|chromium|edge|firefox; None = first installed
    browser_path: str | None = None
    driver_path: str | None = None
    mode: str = "headless"  # "headless" | "show" (visible, auto-filled) | "manual" (person logs in)
    username: str | None = None
    password: Callable[[], str] | None = None  # called only when a password field is shown
    mfa_code: Callable[[], str] | None = None  # called only when a one-time-code field is shown
    mfa_method: str | None = None  # totp|push|sms|call|email: the factor to choose (--mfa-method)
    prefer_code: bool = False  # a code is at hand (--mfa-code): choose the code method when offered
    timeout: float = 120.0
    endpoints: tuple[str, ...] = DEFAULT_SAML_ENDPOINTS  # see endpoints.py for the syntax
    profile_dir: Path | None = None  # persistent profile (0700); None = temporary, removed after
    diagnostics_dir: Path | None = None  # screenshot + HTML on failure (created 0700)
    status: Callable[[str], None] = _quiet  # progress lines for the person
    # Called with the page's URL right before a password or one-time code is typed into it;
    # raises to refuse (see origins.py and login.origin_guard). None: no check.
    check_origin: Callable[[str], None] | None = None
    # A line the person must see whatever the log level: the number to approve on the phone
    notice: Callable[[str], None] | None = None
    # Asks the person (terminal) whether to open a visible window for a step only they can do
    # (security key, CAPTCHA); None: no terminal, such a step is one clear error
    confirm: Callable[[str], bool] | None = None
    remember_step: Callable[[str], None] | None = None  # notes on the stored IdP that it needed one
    # Once the SAMLResponse is in hand, return it while the browser shuts down in a thread (the
    # caller overlaps STS with it and must call wait_closed()); False: return after shutdown.
    close_in_background: bool = False
    # Called once the browser process has been launched (before it is ready): the caller starts
    # its own slow work (imports) then, not before, so that it does not delay the browser.
    launched: Callable[[], None] | None = None

    def __repr__(self) -> str:  # the callables could be closures over secrets: show no more
        return (
            f"BrowserLogin(idp_url={self.idp_url!r}, browser={self.browser!r}, "
            f"mode={self.mode!r}, username={self.username!r}, timeout={self.timeout!r})"
        )


def capture_saml_response(login: BrowserLogin) -> str:
    """Log in through ``login.idp_url`` and return the SAMLResponse form value exactly as posted.

    Raises AuthError (the IdP said no), BrowserError (no browser/driver, crash, unknown page),
    CaptureTimeout, NetworkError (IdP unreachable); MissingAnswerError and Interrupted from the
    callables or signal handlers pass through, after the browser has been shut down.
    """
    from awscli_saml_sso.browser import flow

    return flow.run(login)


def wait_closed() -> None:
    """Wait until every browser left closing by ``close_in_background`` is gone."""
    import sys

    flow = sys.modules.get(f"{__name__}.flow")  # never imported: no browser was started
    if flow is not None:
        flow.wait_closed()
