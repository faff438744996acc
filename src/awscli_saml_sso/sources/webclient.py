"""A small HTTP client for the plain-HTTP engine: what a browser does on the wire, no more.

- urllib3 (already installed: botocore's own HTTP client, so no new package to trust) with the
  operating system's trust store through ``truststore`` (enterprise IdPs use private CAs that
  the browser already trusts); TLS verification is never turned off.
- Proxies from the environment as the browser and the AWS CLI take them (``HTTPS_PROXY``,
  ``HTTP_PROXY``, ``NO_PROXY``).
- Cookies as browsers keep them: an ``http.cookiejar`` whose policy treats loopback
  (127.0.0.0/8, ::1, localhost) as a secure context, as Chromium and Firefox do; Keycloak 26
  marks its login cookies ``Secure; SameSite=None`` and serves them on ``http://127.0.0.1``.
- Redirects followed by the caller (each hop is a page the engine may need to look at), bodies
  read up to a bound, one deadline for the whole login.
"""

from __future__ import annotations

import dataclasses
import email.message
import http.cookiejar
import logging
import time
import urllib.request
from typing import Any

from awscli_saml_sso.origins import is_loopback, origin_of

log = logging.getLogger(__name__)

MAX_BODY = 5_000_000  # bytes of a page read at most: login pages are kilobytes
USER_AGENT = "awscli-saml-sso (plain HTTP; +https://github.com/)"
REDIRECTS = {301, 302, 303, 307, 308}


class WebError(Exception):
    """The IdP could not be reached, or answered in a way no page can come of."""


class LoopbackSecurePolicy(http.cookiejar.DefaultCookiePolicy):
    """Secure cookies go to https and to this machine over http, as browsers send them."""

    def return_ok_secure(self, cookie: http.cookiejar.Cookie, request: Any) -> bool:
        if cookie.secure and _loopback(request.get_full_url()):
            return True
        return super().return_ok_secure(cookie, request)

    def set_ok(self, cookie: http.cookiejar.Cookie, request: Any) -> bool:
        return super().set_ok(cookie, request)


def _loopback(url: str) -> bool:
    origin = origin_of(url)
    return origin is not None and is_loopback(origin)


def new_jar() -> http.cookiejar.CookieJar:
    return http.cookiejar.CookieJar(policy=LoopbackSecurePolicy())


@dataclasses.dataclass(frozen=True)
class Response:
    url: str
    status: int
    headers: dict[str, str]  # lower-case names; the last value of each
    body: bytes
    truncated: bool = False

    @property
    def location(self) -> str | None:
        return self.headers.get("location")

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()


class _CookieResponse:
    """What ``CookieJar.extract_cookies`` reads of a response: ``info().get_all``."""

    def __init__(self, header_pairs: list[tuple[str, str]]) -> None:
        self._message = email.message.Message()
        for name, value in header_pairs:
            self._message[name] = value

    def info(self) -> email.message.Message:
        return self._message


class WebClient:
    def __init__(self, jar: http.cookiejar.CookieJar | None = None, environ: dict[str, str] | None = None) -> None:
        self.jar = jar if jar is not None else new_jar()
        self._environ = environ
        self._pools: dict[str | None, Any] = {}

    def request(
        self,
        method: str,
        url: str,
        deadline: float,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        """One request, no redirect followed; cookies sent and kept."""
        import urllib3

        if origin_of(url) is None:
            raise WebError(f"cannot fetch {url.split('?')[0]!r}: not an http(s) URL")
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("the login's time is up")
        probe = urllib.request.Request(url, method=method)
        self.jar.add_cookie_header(probe)
        sent = {"User-Agent": USER_AGENT, "Accept": "text/html,application/xhtml+xml,*/*;q=0.8", **(headers or {})}
        if probe.has_header("Cookie"):
            sent["Cookie"] = probe.get_header("Cookie")
        if body is not None:
            sent.setdefault("Content-Type", "application/x-www-form-urlencoded")
            if origin := origin_of(url):
                sent.setdefault("Origin", origin)
        timeout = urllib3.Timeout(connect=min(remaining, 10.0), read=remaining)
        try:
            answer = self._pool(url).urlopen(
                method,
                url,
                body=body,
                headers=sent,
                redirect=False,
                retries=False,
                timeout=timeout,
                preload_content=False,
            )
        except urllib3.exceptions.HTTPError as exc:
            raise WebError(f"cannot reach {origin_of(url)}: {_reason(exc)}") from None
        try:
            data = answer.read(MAX_BODY + 1, decode_content=True)
        except urllib3.exceptions.HTTPError as exc:
            raise WebError(f"{origin_of(url)} broke off its answer: {_reason(exc)}") from None
        finally:
            answer.release_conn()
        pairs = list(answer.headers.items())
        self.jar.extract_cookies(_CookieResponse(pairs), probe)  # type: ignore[arg-type]
        return Response(
            url=url,
            status=answer.status,
            headers={k.lower(): v for k, v in pairs},
            body=data[:MAX_BODY],
            truncated=len(data) > MAX_BODY,
        )

    def _pool(self, url: str) -> Any:
        import urllib3

        proxy = _proxy_for(url, self._environ)
        pool = self._pools.get(proxy)
        if pool is None:
            context = _ssl_context()
            if proxy:
                pool = urllib3.ProxyManager(proxy, ssl_context=context, num_pools=4)
            else:
                pool = urllib3.PoolManager(ssl_context=context, num_pools=4)
            self._pools[proxy] = pool
        return pool

    def close(self) -> None:
        for pool in self._pools.values():
            pool.clear()
        self._pools.clear()


def _ssl_context() -> Any:
    """The operating system's trust store (truststore), verification always on."""
    import ssl

    import truststore

    return truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


def _proxy_for(url: str, environ: dict[str, str] | None) -> str | None:
    """The proxy the environment names for ``url`` (None: direct), honouring NO_PROXY."""
    import os
    from urllib.parse import urlsplit

    env = os.environ if environ is None else environ
    proxies = {}
    for key, value in env.items():
        name = key.lower()
        if name.endswith("_proxy") and value:
            proxies[name[: -len("_proxy")]] = value
    scheme = urlsplit(url).scheme
    proxy = proxies.get(scheme)
    if not proxy:
        return None
    host = urlsplit(url).hostname or ""
    if _bypassed(host, proxies.get("no", "")):
        return None
    return proxy


def _bypassed(host: str, no_proxy: str) -> bool:
    """``NO_PROXY`` as Python's own urllib reads it (names, ``.domain`` suffixes, ``*``)."""
    return bool(no_proxy) and bool(urllib.request.proxy_bypass_environment(host, {"no": no_proxy}))


def _reason(exc: BaseException) -> str:
    reason = getattr(exc, "reason", None) or exc
    text = str(reason)
    if "CERTIFICATE_VERIFY_FAILED" in text:
        return "its TLS certificate is not trusted by this system"
    if "timed out" in text.lower():
        return "timed out"
    if "refused" in text.lower():
        return "connection refused"
    return text.splitlines()[0][:200] if text else type(exc).__name__
