"""The browser layer: drive a real browser through any IdP login and catch the SAMLResponse.

Cheap to import: selenium and the rest load only inside :func:`capture_saml_response`.
"""

from __future__ import annotations

from awscli_saml_sso.browser.request import BrowserLogin

__all__ = ["BrowserLogin", "capture_saml_response", "wait_closed"]


def capture_saml_response(login: BrowserLogin) -> str:
    """Log in through ``login.idp.url`` and return the SAMLResponse form value exactly as posted.

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
