"""Where one login's SAML response comes from: a browser we drive (:mod:`.browser`), the
``--listen`` receiver (:mod:`.listen`), or the response itself, given with ``--saml-response``.

The entry point picks the source (:func:`pick`); the login flow only calls its interface,
:class:`base.SamlSource`. Cheap to import: a source loads what it needs when it is asked for
the response.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping

from awscli_saml_sso.defaults import ENGINE_BROWSER, HEADLESS
from awscli_saml_sso.options import IdpOptions, LoginOptions
from awscli_saml_sso.sources.base import SamlSource, SourceUI, idp_url

__all__ = ["Given", "Listen", "SamlSource", "pick"]


def pick(
    opts: LoginOptions,
    saml_response: bytes | None = None,
    listen_port: int | None = None,
    environ: Mapping[str, str] | None = None,
) -> SamlSource:
    """``--saml-response``, else ``--listen``, else plain HTTP first (``--engine auto|http``,
    headless only), else the browser."""
    if saml_response is not None:
        return Given(saml_response)
    if listen_port is not None:
        return Listen(opts.idp, listen_port, opts.browser.timeout)
    if opts.browser.engine != ENGINE_BROWSER and opts.browser.mode == HEADLESS:
        from awscli_saml_sso.sources.http import HttpSource  # light: the HTTP client loads on use

        return HttpSource(opts, environ or {})
    from awscli_saml_sso.sources.browser import BrowserSource  # light, but not for the two above

    return BrowserSource(opts, environ=environ or {})


@dataclasses.dataclass(frozen=True)
class Given(SamlSource):
    """``--saml-response FILE`` (or ``-``, standard input): read by the entry point."""

    response: bytes = dataclasses.field(repr=False)
    given = True

    def obtain(self, ui: SourceUI, started: Callable[[], None] | None = None) -> bytes:
        ui.status("using the SAML response given with --saml-response")
        return self.response


@dataclasses.dataclass(frozen=True)
class Listen(SamlSource):
    """``--listen [PORT]``: the person logs in in their own browser; the IdP posts to us."""

    idp: IdpOptions
    port: int
    timeout: float

    def obtain(self, ui: SourceUI, started: Callable[[], None] | None = None) -> str:
        url = idp_url(self.idp)
        if started is not None:
            started()
        from awscli_saml_sso.sources import listen  # the loopback server and the rest: this path only

        return listen.receive_saml_response(url, self.port, self.timeout, ui, allowed_origins=self.idp.allowed_origins)
