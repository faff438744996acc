"""Issue 22, item 3 (the pure half): does a request carry the typed secret, in whatever
encoding a form or a careless script gives it; may it go to that origin."""

from __future__ import annotations

import base64
import json
import re
from urllib.parse import quote, quote_plus, urlencode

import pytest

from awscli_saml_sso import netguard

SECRET = 'p@ss wörd+/"\\ 1'  # space, plus, slash, quote, backslash, non-ASCII


def _encodings(secret: str) -> dict[str, bytes]:
    utf8 = secret.encode()
    return {
        "raw": b"x=" + utf8,
        "url": ("https://evil.example/c?p=" + quote(secret, safe="")).encode(),
        "url lower hex": re.sub("%[0-9A-F]{2}", lambda m: m.group().lower(), "/c?p=" + quote(secret, safe="")).encode(),
        "form": urlencode({"user": "alice", "password": secret}).encode(),
        "form twice": quote_plus(urlencode({"password": secret})).encode(),
        "json": json.dumps({"password": secret}).encode(),
        "json ascii": json.dumps({"password": secret}, ensure_ascii=True).encode(),
        "base64": b"d=" + base64.b64encode(utf8),
        "base64 in basic auth": b"Basic " + base64.b64encode(b"alice:" + utf8),
        "base64 shifted by two": base64.b64encode(b"ab" + utf8 + b"tail"),
        "base64url": base64.urlsafe_b64encode(b"u=" + utf8).rstrip(b"="),
        "base64 in a form": urlencode({"d": base64.b64encode(b"x:" + utf8).decode()}).encode(),
        "utf-16": b"\xff\xfe" + secret.encode("utf-16-le"),
        "latin-1 form": quote_plus(secret, encoding="latin-1").encode(),
    }


@pytest.mark.parametrize("kind", list(_encodings(SECRET)))
def test_a_secret_is_found_in_each_encoding(kind):
    assert netguard.carries(_encodings(SECRET)[kind], netguard.needles(SECRET))


@pytest.mark.parametrize("secret", ["s3cret-Pa55", "246810", "correct horse"])
def test_plain_secrets_are_found_and_noise_is_not(secret):
    found = netguard.needles(secret)
    for kind, data in _encodings(secret).items():
        # a short code is found in base64 only where it starts a group of three bytes
        unaligned = kind in ("base64 shifted by two", "base64url", "base64 in a form")
        assert netguard.carries(data, found) or (unaligned and len(secret) < 9), kind
    assert netguard.carries(f"https://evil.example/i.png?v={quote(secret)}", found)
    assert not netguard.carries(b"username=alice&password=other&csrf=abc123", found)
    assert not netguard.carries(base64.b64encode(b"nothing to see here, really nothing"), found)


def test_too_short_to_tell_from_noise():
    assert netguard.needles("abc") == ()
    assert not netguard.carries(b"abc", netguard.needles("abc"))


@pytest.mark.parametrize(
    ("url", "trusted"),
    [
        ("https://idp.example.com/login", True),
        ("https://IDP.example.com:443/x", True),
        ("wss://idp.example.com/socket", True),
        ("https://login.partner.example/p", True),
        ("https://evil.example/steal", False),
        ("wss://evil.example/socket", False),
        ("https://idp.example.com:8443/", False),
        ("http://idp.example.com/login", False),  # plain HTTP off this machine: never
        ("ftp://idp.example.com/", False),
        ("data:text/plain,x", True),  # stays in the browser
        ("blob:https://idp.example.com/1234", True),
    ],
)
def test_trusted_origins_are_those_a_secret_may_be_typed_into(url, trusted):
    allowed = ("https://idp.example.com/sso", "https://login.partner.example")
    assert netguard.is_trusted(url, allowed) is trusted


def test_the_refusal_names_the_origin_and_how_to_allow_it():
    error = netguard.refusal("password", "http://127.0.0.1:9", "corp")
    assert (
        str(error)
        == "stopped the page sending the password to http://127.0.0.1:9, an origin the IdP corp does not trust"
    )
    assert error.hint == "if it is your IdP's, allow it: awscli_saml_sso idp set corp --allow-origin http://127.0.0.1:9"
    assert "idp add NICK --url URL --allow-origin http://127.0.0.1:9" in str(
        netguard.refusal("password", "http://127.0.0.1:9", None).hint
    )
