"""The AWS SAML sign-in endpoints: where the browser's SAMLResponse POST must be caught.

An endpoint is written as a URL, ``scheme://host[:port]/path``. A ``*`` as the host's first label
stands for one DNS label (the region in ``https://*.signin.aws.amazon.com/saml``). A request URL
matches when scheme, host and port are equal and its path is the endpoint's path or lies under it
(``/saml/acs/<id>`` under ``/saml``); the query string is ignored.

Environment override, for tests: ``ASS_SAML_ENDPOINTS`` adds comma-separated endpoints of the same
form (e.g. ``http://127.0.0.1:8123/saml``) to whatever list the caller passes, so a test can put
a loopback listener behind a page's form and prove that nothing reaches it.

Pure: no I/O beyond reading that one environment variable.
"""

from __future__ import annotations

import os
import re
from urllib.parse import urlsplit

# Partition sign-in hosts. Regional hosts (``eu-west-1.signin.aws.amazon.com``) are the wildcards.
SIGNIN_HOSTS: tuple[str, ...] = (
    "signin.aws.amazon.com",
    "*.signin.aws.amazon.com",
    "signin.amazonaws-us-gov.com",
    "*.signin.amazonaws-us-gov.com",
    "signin.amazonaws.cn",
    "*.signin.amazonaws.cn",
)

DEFAULT_SAML_ENDPOINTS: tuple[str, ...] = (
    "https://signin.aws.amazon.com/saml",
    "https://*.signin.aws.amazon.com/saml",
    "https://signin.amazonaws-us-gov.com/saml",
    "https://*.signin.amazonaws-us-gov.com/saml",
    "https://signin.amazonaws.cn/saml",
    "https://*.signin.amazonaws.cn/saml",
)

ENV_EXTRA_ENDPOINTS = "ASS_SAML_ENDPOINTS"

_LABEL = re.compile(r"^[a-z0-9-]{1,63}$")


def effective_endpoints(endpoints: tuple[str, ...] = DEFAULT_SAML_ENDPOINTS) -> tuple[str, ...]:
    """``endpoints`` plus those named in ``ASS_SAML_ENDPOINTS``, without duplicates."""
    extra = [e.strip() for e in os.environ.get(ENV_EXTRA_ENDPOINTS, "").split(",") if e.strip()]
    return tuple(dict.fromkeys([*endpoints, *extra]))


def _split(url: str) -> tuple[str, str, int | None, str]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    try:
        port = parts.port
    except ValueError:
        port = -1  # garbage port: matches nothing
    default = {"https": 443, "http": 80}.get(scheme)
    return scheme, host, (None if port == default else port), parts.path or "/"


def _host_matches(pattern: str, host: str) -> bool:
    if pattern.startswith("*."):
        label, _, rest = host.partition(".")
        return rest == pattern[2:] and bool(_LABEL.match(label))
    return host == pattern


def _path_matches(pattern: str, path: str) -> bool:
    pattern = pattern.rstrip("/")
    path = path.rstrip("/")
    return path == pattern or path.startswith(pattern + "/")


def is_saml_endpoint(url: str, endpoints: tuple[str, ...] = DEFAULT_SAML_ENDPOINTS) -> bool:
    """True when ``url`` is one of ``endpoints`` (or under one, e.g. ``/saml/acs/<id>``)."""
    scheme, host, port, path = _split(url)
    for endpoint in endpoints:
        e_scheme, e_host, e_port, e_path = _split(endpoint)
        if scheme == e_scheme and port == e_port and _host_matches(e_host, host) and _path_matches(e_path, path):
            return True
    return False


def fetch_patterns(endpoints: tuple[str, ...] = DEFAULT_SAML_ENDPOINTS) -> list[dict[str, str]]:
    """CDP ``Fetch.enable`` patterns: every request to an AWS sign-in host or an endpoint's host.

    Patterns are deliberately wider than the endpoints (CDP wildcards cannot say "one label");
    the handler decides with :func:`is_saml_endpoint` and fails everything else on those hosts
    (e.g. the favicon request that follows the local answer page).
    """
    urls = [f"https://{host}/*" for host in SIGNIN_HOSTS]
    for endpoint in endpoints:
        scheme, host, port, _ = _split(endpoint)
        netloc = host if port is None else f"{host}:{port}"
        urls.append(f"{scheme}://{netloc}/*")
    return [{"urlPattern": u, "requestStage": "Request"} for u in dict.fromkeys(urls)]


def guarded_origins(endpoints: tuple[str, ...]) -> tuple[str, ...]:
    """Every AWS sign-in host and each endpoint's origin, as endpoints whose path is ``/``."""
    found = [f"https://{host}/" for host in SIGNIN_HOSTS]
    for endpoint in endpoints:
        parts = urlsplit(endpoint)
        found.append(f"{parts.scheme}://{parts.netloc}/")
    return tuple(dict.fromkeys(found))


def host_resolver_rules() -> str:
    """Chromium ``--host-resolver-rules`` value that makes every AWS sign-in host unresolvable."""
    return ", ".join(f"MAP {host} ~NOTFOUND" for host in SIGNIN_HOSTS)


def strip_query(url: str) -> str:
    """URL without query or fragment (they may carry tokens), for messages."""
    parts = urlsplit(url)
    return parts._replace(query="", fragment="").geturl()
