"""Log in to the devstack IdP with plain HTTP (no browser) and return the SAMLResponse.

For tests that need real signed assertions fast. Only the devstack's SimpleSAMLphp form is
understood: the login form's hidden fields plus ``username``/``password``.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from urllib.parse import urljoin

import requests


class LoginFailed(Exception):
    """The IdP answered the login form with the form again (wrong password, unknown user)."""


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        if tag == "form":
            self.forms.append({"action": a.get("action", ""), "fields": {}})
        elif tag == "input" and self.forms and a.get("name"):
            self.forms[-1]["fields"][a["name"]] = a.get("value", "")


def parse_forms(page: str) -> list[dict]:
    parser = _Forms()
    parser.feed(page)
    return parser.forms


def login_page(session: requests.Session, idp_url: str) -> requests.Response:
    response = session.get(idp_url, timeout=10)
    response.raise_for_status()
    return response


def submit_login(session: requests.Session, page: requests.Response, username: str, password: str) -> requests.Response:
    form = next((f for f in parse_forms(page.text) if "password" in f["fields"]), None)
    if form is None:
        raise LoginFailed(f"no login form at {page.url}")
    fields = {**form["fields"], "username": username, "password": password}
    response = session.post(urljoin(page.url, form["action"]), data=fields, timeout=10)
    response.raise_for_status()
    return response


def saml_response(idp_url: str, username: str, password: str) -> str:
    """The base64 SAMLResponse the IdP would make the browser POST to the SP."""
    with requests.Session() as session:
        answer = submit_login(session, login_page(session, idp_url), username, password)
    match = re.search(r'name="SAMLResponse"\s+value="([^"]*)"', answer.text)
    if match is None:
        raise LoginFailed(f"login as {username!r} did not produce a SAMLResponse")
    return html.unescape(match.group(1))


def acs_url(page: str) -> str | None:
    """Where the response page posts the SAMLResponse."""
    for form in parse_forms(page):
        if "SAMLResponse" in form["fields"]:
            return html.unescape(form["action"])
    return None
