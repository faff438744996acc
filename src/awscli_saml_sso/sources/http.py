"""The SAML response over plain HTTP first (``--engine auto``, the default, or ``http``), the
browser only when a page needs it.

``auto``: the login starts over HTTP (:mod:`httpengine`); at the first page that needs a browser
(script, a person's step, anything the page model cannot act on over HTTP), the browser carries on
from that page with the same cookies, and the page as received (nothing is posted twice). A stored
IdP that needed the browser remembers it, so the next ``auto`` login starts in the browser.
``http``: no browser ever; such a page is one clear line naming it.

A stored IdP's cookies are kept between runs in a private jar (:mod:`cookiestore`), so a live
IdP session logs in without a password page over HTTP as it does in the browser's profile.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Mapping

from awscli_saml_sso.defaults import ENGINE_HTTP
from awscli_saml_sso.errors import BrowserError
from awscli_saml_sso.options import LoginOptions
from awscli_saml_sso.sources.base import SamlSource, SourceUI, idp_url

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class HttpSource(SamlSource):
    opts: LoginOptions
    environ: Mapping[str, str] = dataclasses.field(default_factory=dict, repr=False)

    def obtain(self, ui: SourceUI, started: Callable[[], None] | None = None) -> str:
        from awscli_saml_sso import cookiestore
        from awscli_saml_sso.browser import reading
        from awscli_saml_sso.sources import httpengine
        from awscli_saml_sso.sources.browser import BrowserSource, origin_guard
        from awscli_saml_sso.sources.webclient import WebClient, new_jar

        opts = self.opts
        url = idp_url(opts.idp)
        if started is not None:
            started()  # nothing to wait for here: the caller's slow imports run beside the login
        jar = new_jar()
        stored = cookiestore.jar_path(self.environ, opts.idp.nickname) if opts.idp.nickname else None
        if stored is not None:
            cookiestore.load(stored, jar)
        client = WebClient(jar, environ=dict(self.environ) or None)
        request = httpengine.Request(
            idp_url=url,
            username=opts.idp.username,
            password=opts.answers.password,
            mfa_code=opts.answers.mfa_code,
            settings=reading.settings(opts.idp, opts.answers, opts.browser),
            check_origin=origin_guard(opts.idp, opts.answers, ui),
            status=ui.status,
            timeout=opts.browser.timeout,
            secrets=opts.browser.name != "firefox",
        )
        try:
            with ui.waiting("waiting for the IdP"):
                value = httpengine.HttpLogin(client, request).run()
        except httpengine.NeedsBrowser as need:
            if opts.browser.engine == ENGINE_HTTP:
                raise BrowserError(
                    f"this login needs a browser: {need.reason}",
                    hint="run it with --engine auto (or browser)",
                ) from None
            ui.status(f"continuing in the browser: {need.reason}")
            if opts.answers.remember_engine is not None:
                opts.answers.remember_engine("browser")
            handoff = _handoff(need, jar)
            return BrowserSource(opts, handoff=handoff, environ=self.environ).obtain(ui, None)
        finally:
            client.close()
        if stored is not None:
            cookiestore.save(stored, jar)
        return value


def _handoff(need, jar):
    from awscli_saml_sso import cookiestore
    from awscli_saml_sso.browser.request import Handoff

    page = need.page
    return Handoff(
        url=page.url if page is not None else None,
        status=page.status if page is not None else 0,
        headers=tuple(page.headers.items()) if page is not None else (),
        body=page.body if page is not None else b"",
        cookies=tuple(cookiestore.to_record(c) for c in jar),
        posted_secret=need.posted_secret,
    )
