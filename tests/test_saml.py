"""saml.py: every input shape, every attribute layout, and hostile documents beside good ones."""

from __future__ import annotations

import base64
import datetime as dt
import os
import pathlib
import threading
import time
import urllib.parse

import pytest

from awscli_saml_sso import saml
from awscli_saml_sso.errors import NoRoleError, SamlError
from awscli_saml_sso.models import Role

FIXTURES = pathlib.Path(__file__).parent / "fixtures" / "saml"
UTC = dt.timezone.utc

ACCOUNT = "000000000000"
PROVIDER = f"arn:aws:iam::{ACCOUNT}:saml-provider/SamlExampleProvider"
USER = f"arn:aws:iam::{ACCOUNT}:role/Role.User"
ADMIN = f"arn:aws:iam::{ACCOUNT}:role/Role.Admin"
ROLE_ATTR = "https://aws.amazon.com/SAML/Attributes/Role"


def attribute(name: str, values: list[str], prefix: str = "saml") -> str:
    p = f"{prefix}:" if prefix else ""
    vals = "".join(f"<{p}AttributeValue>{v}</{p}AttributeValue>" for v in values)
    return f'<{p}Attribute Name="{name}">{vals}</{p}Attribute>'


def make_response(
    roles: list[str] | None = None,
    *,
    statements: list[list[str]] | None = None,
    destination: str | None = "https://signin.aws.amazon.com/saml",
    root: str = "Response",
    prefix: str = "saml",
    status: str = "urn:oasis:names:tc:SAML:2.0:status:Success",
    session_name: str | None = "aws_admin",
    duration: str | None = "28800",
    subject_not_after: str | None = "2026-01-10T10:48:54.880Z",
    conditions_not_after: str | None = None,
) -> bytes:
    """A SAML Response (or bare Assertion) with the given Role values, built as text."""
    p = f"{prefix}:" if prefix else ""
    ns = (
        f'xmlns:{prefix}="urn:oasis:names:tc:SAML:2.0:assertion"'
        if prefix
        else ('xmlns="urn:oasis:names:tc:SAML:2.0:assertion"')
    )
    if statements is None:
        attrs = []
        if roles is not None:
            attrs.append(attribute(ROLE_ATTR, roles, prefix))
        if session_name is not None:
            attrs.append(attribute(saml.SESSION_NAME_ATTRIBUTE, [session_name], prefix))
        if duration is not None:
            attrs.append(attribute(saml.SESSION_DURATION_ATTRIBUTE, [duration], prefix))
        statements = [attrs]
    body = "".join(f"<{p}AttributeStatement>{''.join(s)}</{p}AttributeStatement>" for s in statements)
    subject = ""
    if subject_not_after:
        subject = (
            f"<{p}Subject><{p}SubjectConfirmation Method='urn:oasis:names:tc:SAML:2.0:cm:bearer'>"
            f"<{p}SubjectConfirmationData NotOnOrAfter='{subject_not_after}' "
            f"Recipient='{destination or ''}'/></{p}SubjectConfirmation></{p}Subject>"
        )
    conditions = f"<{p}Conditions NotOnOrAfter='{conditions_not_after}'/>" if conditions_not_after else ""
    assertion = f"<{p}Assertion {ns} Version='2.0'>{subject}{conditions}{body}</{p}Assertion>"
    if root == "Assertion":
        return assertion.encode()
    dest = f' Destination="{destination}"' if destination else ""
    return (
        f'<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"{dest} Version="2.0">'
        f'<samlp:Status><samlp:StatusCode Value="{status}"/></samlp:Status>{assertion}</samlp:Response>'
    ).encode()


def pair(role: str, provider: str = PROVIDER) -> str:
    return f"{role},{provider}"


GOOD = make_response([pair(USER), pair(ADMIN)])
B64 = base64.b64encode(GOOD).decode()


# --- input shapes -------------------------------------------------------------------------------


def wrapped(text: str, width: int, sep: str) -> str:
    return sep.join(text[i : i + width] for i in range(0, len(text), width))


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(B64, id="base64-str"),
        pytest.param(B64.encode(), id="base64-bytes"),
        pytest.param(wrapped(B64, 76, "\n"), id="base64-lf-76"),
        pytest.param(wrapped(B64, 64, "\r\n") + "\r\n", id="base64-crlf-64"),
        pytest.param("  \n" + B64 + "\n\n", id="base64-surrounding-ws"),
        pytest.param(urllib.parse.quote(B64, safe=""), id="base64-url-encoded"),
        pytest.param(urllib.parse.urlencode({"SAMLResponse": B64, "RelayState": "x"}), id="form"),
        pytest.param(urllib.parse.urlencode({"RelayState": "a+b", "SAMLResponse": B64}), id="form-relay-first"),
        pytest.param("SAMLResponse=" + urllib.parse.quote_plus(wrapped(B64, 76, "\r\n")), id="form-crlf"),
        pytest.param(f"SAMLResponse={B64}&RelayState=", id="form-unencoded-plus"),
        pytest.param(b"RelayState=r&SAMLResponse=" + urllib.parse.quote(B64, safe="").encode(), id="form-bytes"),
        pytest.param(GOOD, id="xml-bytes"),
        pytest.param(GOOD.decode(), id="xml-str"),
        pytest.param(b"\xef\xbb\xbf" + GOOD, id="xml-bom"),
        pytest.param(b'<?xml version="1.0" encoding="UTF-8"?>\n' + GOOD, id="xml-declaration"),
    ],
)
def test_decode_shapes(data):
    b64, xml = saml.decode_saml_response(data)
    assert base64.b64decode(b64, validate=True) == xml
    assert b"Role.Admin" in xml
    assert "\n" not in b64 and " " not in b64
    assert saml.parse_assertion(data).roles == (Role(ADMIN, PROVIDER), Role(USER, PROVIDER))


def test_base64_is_exactly_what_sts_gets():
    assert saml.decode_saml_response(wrapped(B64, 76, "\n"))[0] == B64
    assert saml.parse_assertion(B64).saml_response == B64


# --- attribute layouts --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"roles": [pair(USER)]}, [USER]),
        ({"roles": [f"{PROVIDER},{USER}"]}, [USER]),  # provider first
        ({"roles": [f"\n   {USER} , {PROVIDER}\n  "]}, [USER]),  # whitespace and newlines
        ({"roles": [pair(USER), pair(USER), f"{PROVIDER},{USER}"]}, [USER]),  # dedupe
        ({"roles": ["offline_access", "uma_authorization", pair(ADMIN)]}, [ADMIN]),  # Keycloak
        ({"roles": [pair(USER), "arn:aws:iam::1:role/Short,arn:aws:iam::1:saml-provider/P"]}, [USER]),
        ({"roles": [f"{USER},{USER}", f"{PROVIDER},{PROVIDER}", pair(ADMIN)]}, [ADMIN]),
        ({"roles": [f"{USER},{PROVIDER},extra", pair(ADMIN)]}, [ADMIN]),
        ({"roles": [f"{USER},arn:aws-cn:iam::{ACCOUNT}:saml-provider/P", pair(ADMIN)]}, [ADMIN]),
        ({"roles": [pair(USER), pair(ADMIN)], "prefix": "saml2"}, [ADMIN, USER]),
        ({"roles": [pair(USER), pair(ADMIN)], "prefix": ""}, [ADMIN, USER]),  # default namespace
        ({"roles": [pair(USER)], "root": "Assertion"}, [USER]),
        (
            {"statements": [[attribute(ROLE_ATTR, [pair(USER)])], [attribute(ROLE_ATTR, [pair(ADMIN)])]]},
            [ADMIN, USER],
        ),
        (
            {"statements": [[attribute(ROLE_ATTR, [pair(USER)]), attribute(ROLE_ATTR, [pair(ADMIN)])]]},
            [ADMIN, USER],
        ),
        ({"roles": [pair(f"arn:aws:iam::{ACCOUNT}:role/path/to/Deep")]}, [f"arn:aws:iam::{ACCOUNT}:role/path/to/Deep"]),
        ({"roles": [pair(f"arn:aws:iam::{ACCOUNT}:role/Rôle"), pair(USER)]}, [USER]),  # IAM names are ASCII
    ],
)
def test_role_layouts(kwargs, expected):
    assertion = saml.parse_assertion(make_response(**kwargs))
    assert [r.role_arn for r in assertion.roles] == expected
    assert all(
        r.principal_arn.endswith(":saml-provider/SamlExampleProvider") or "saml-provider/P" in r.principal_arn
        for r in assertion.roles
    )


def test_roles_sorted_across_accounts():
    roles = [
        pair(f"arn:aws:iam::{n:012d}:role/R{n % 3}", f"arn:aws:iam::{n:012d}:saml-provider/P") for n in (5, 3, 9, 1)
    ]
    got = saml.parse_assertion(make_response(roles)).roles
    assert list(got) == sorted(got)
    assert [r.account_id for r in got] == ["000000000001", "000000000003", "000000000005", "000000000009"]


def test_keycloak_fixture():
    a = saml.parse_assertion((FIXTURES / "keycloak_response.xml").read_bytes())
    assert [r.name for r in a.roles] == ["Role.Admin", "Role.User"]
    assert a.session_name == "aws_admin"
    assert a.session_duration == 28800
    # the earlier of SubjectConfirmationData and Conditions
    assert a.not_on_or_after == dt.datetime(2026, 1, 10, 10, 48, 54, 880000, tzinfo=UTC)
    assert (a.destination, a.partition, a.region) == ("https://signin.aws.amazon.com/saml", "aws", None)
    assert a.saml_response not in repr(a)


def test_adfs_assertion_only_fixture():
    a = saml.parse_assertion((FIXTURES / "adfs_assertion_only.xml").read_bytes())
    assert [r.name for r in a.roles] == ["ADFS-Dev", "ADFS-Ops"]
    assert a.roles[0].principal_arn == "arn:aws-us-gov:iam::111122223333:saml-provider/ADFS"
    assert (a.partition, a.region) == ("aws-us-gov", "us-gov-west-1")
    assert a.session_name == "jdoe@example.com"
    assert a.session_duration is None
    assert a.not_on_or_after == dt.datetime(2026, 1, 10, 10, 5, 0, 123456, tzinfo=UTC)


# --- session attributes, times, destination ---------------------------------------------------


@pytest.mark.parametrize(
    ("duration", "expected"),
    [
        ("3600", 3600),
        (" 43200\n", 43200),
        ("", None),
        ("abc", None),
        ("-5", None),
        ("0", None),
        ("1.5", None),
        ("٣٦٠٠", None),
        (None, None),
    ],
)
def test_session_duration(duration, expected):
    assert saml.parse_assertion(make_response([pair(USER)], duration=duration)).session_duration == expected


@pytest.mark.parametrize(
    ("name", "expected"), [("jdoe", "jdoe"), ("  jdoe@example.com \n", "jdoe@example.com"), ("", None), (None, None)]
)
def test_session_name(name, expected):
    assert saml.parse_assertion(make_response([pair(USER)], session_name=name)).session_name == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-01-10T10:48:54Z", dt.datetime(2026, 1, 10, 10, 48, 54, tzinfo=UTC)),
        ("2026-01-10T10:48:54.880Z", dt.datetime(2026, 1, 10, 10, 48, 54, 880000, tzinfo=UTC)),
        ("2026-01-10T10:48:54.8801234Z", dt.datetime(2026, 1, 10, 10, 48, 54, 880123, tzinfo=UTC)),
        ("2026-01-10T10:48:54", dt.datetime(2026, 1, 10, 10, 48, 54, tzinfo=UTC)),
        ("2026-01-10T12:48:54+02:00", dt.datetime(2026, 1, 10, 10, 48, 54, tzinfo=UTC)),
        ("2026-01-10T05:48:54-05:00", dt.datetime(2026, 1, 10, 10, 48, 54, tzinfo=UTC)),
        ("2026-13-10T10:48:54Z", None),
        ("yesterday", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_saml_time(text, expected):
    got = saml.parse_saml_time(text)
    assert got == expected
    if got is not None:
        assert got.utcoffset() == dt.timedelta(0)


def test_not_on_or_after_from_conditions_only():
    data = make_response([pair(USER)], subject_not_after=None, conditions_not_after="2026-02-01T00:00:00Z")
    assert saml.parse_assertion(data).not_on_or_after == dt.datetime(2026, 2, 1, tzinfo=UTC)
    assert saml.parse_assertion(make_response([pair(USER)], subject_not_after=None)).not_on_or_after is None


@pytest.mark.parametrize(
    ("destination", "partition", "region"),
    [
        ("https://signin.aws.amazon.com/saml", "aws", None),
        ("https://us-east-2.signin.aws.amazon.com/saml", "aws", "us-east-2"),
        ("https://eu-central-1.signin.aws.amazon.com/saml/acs/SAMLSP4SHN3UIS2D558H46", "aws", "eu-central-1"),
        ("https://signin.amazonaws-us-gov.com/saml", "aws-us-gov", None),
        ("https://signin.amazonaws.cn/saml", "aws-cn", None),
        ("https://cn-north-1.signin.amazonaws.cn/saml", "aws-cn", "cn-north-1"),
        ("https://SIGNIN.AWS.AMAZON.COM/saml", "aws", None),
        ("http://127.0.0.1:8090/saml", "aws", None),  # loopback (tests, --listen): from the ARNs
        ("https://signin.aws.amazon.com.evil.example/saml", "aws", None),
        (None, "aws", None),
    ],
)
def test_destination(destination, partition, region):
    a = saml.parse_assertion(make_response([pair(USER)], destination=destination))
    assert (a.destination, a.partition, a.region) == (destination, partition, region)


def test_partition_falls_back_to_role_arns():
    role = "arn:aws-cn:iam::123456789012:role/R"
    provider = "arn:aws-cn:iam::123456789012:saml-provider/P"
    assert saml.parse_assertion(make_response([pair(role, provider)], destination=None)).partition == "aws-cn"


# --- errors: each its own message ---------------------------------------------------------------


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


NOT_SAML = "not a SAML response"
DTD = "refused: the SAML response contains a DTD"


@pytest.mark.parametrize(
    ("data", "error", "message"),
    [
        pytest.param(b"", SamlError, NOT_SAML, id="empty"),
        pytest.param("   \n", SamlError, NOT_SAML, id="blank"),
        pytest.param(b"hello world!", SamlError, NOT_SAML, id="garbage"),
        pytest.param(base64.b64encode(b"hello world"), SamlError, NOT_SAML, id="base64-not-xml"),
        pytest.param(B64[:-7], SamlError, NOT_SAML, id="truncated-base64"),
        pytest.param(fixture("not_xml.txt"), SamlError, NOT_SAML, id="html-unclosed"),
        pytest.param(b"<html><body>Login</body></html>", SamlError, NOT_SAML, id="html-root"),
        pytest.param("RelayState=abc&Other=1", SamlError, NOT_SAML, id="form-without-field"),
        pytest.param(b"<a>\xff\xfe</a>", SamlError, NOT_SAML, id="invalid-utf8"),
        pytest.param("<a>\ud800</a>", SamlError, NOT_SAML, id="lone-surrogate"),
        pytest.param(GOOD.replace(b"Role.User", b"Role\x00User"), SamlError, NOT_SAML, id="nul-bytes"),
        pytest.param(GOOD.decode().encode("utf-16"), SamlError, NOT_SAML, id="utf16"),
        pytest.param(fixture("xxe_file.xml"), SamlError, DTD, id="xxe-file"),
        pytest.param(fixture("xxe_url.xml"), SamlError, DTD, id="xxe-url"),
        pytest.param(fixture("billion_laughs.xml"), SamlError, DTD, id="billion-laughs"),
        pytest.param(fixture("external_dtd.xml"), SamlError, DTD, id="external-dtd"),
        pytest.param(base64.b64encode(fixture("xxe_file.xml")), SamlError, DTD, id="xxe-file-base64"),
        pytest.param(b"A" * (10 * 1024 * 1024), SamlError, "too big", id="10MB-base64"),
        pytest.param(b"<a>" + b"x" * (saml.MAX_SAML_BYTES + 1) + b"</a>", SamlError, "too big", id="xml-over-limit"),
        pytest.param(
            base64.b64encode(b"<a>" + b"x" * (saml.MAX_SAML_BYTES + 1) + b"</a>"),
            SamlError,
            "too big",
            id="base64-over-limit",
        ),
        pytest.param(fixture("encrypted.xml"), SamlError, "the assertion is encrypted", id="encrypted"),
        pytest.param(fixture("status_responder.xml"), SamlError, "RequestDenied", id="status-denied"),
        pytest.param(make_response(None), NoRoleError, "the IdP granted no AWS role", id="no-role-attribute"),
        pytest.param(
            make_response(["offline_access", "uma_authorization"]),
            NoRoleError,
            "the IdP granted no AWS role",
            id="no-valid-role",
        ),
        pytest.param(make_response([]), NoRoleError, "the IdP granted no AWS role", id="empty-role-attribute"),
    ],
)
def test_errors(data, error, message):
    with pytest.raises(error) as info:
        saml.parse_assertion(data)
    assert message in str(info.value)
    assert type(info.value) is error
    assert "PHNhbWxw" not in str(info.value)  # never the assertion (base64 of "<samlp")


def test_status_error_quotes_both_codes():
    with pytest.raises(SamlError, match=r"Responder / RequestDenied"):
        saml.parse_assertion(fixture("status_responder.xml"))
    with pytest.raises(SamlError, match="AuthnFailed"):
        saml.parse_assertion(make_response([pair(USER)], status="urn:oasis:names:tc:SAML:2.0:status:AuthnFailed"))


def test_xxe_never_reads_the_file(tmp_path, monkeypatch):
    """Even with the DOCTYPE byte check bypassed, the hardened parser never opens the entity's
    file: it is a FIFO here, and a watcher sees any reader that opens it."""
    secret = tmp_path / "secret.fifo"
    os.mkfifo(secret)
    doc = fixture("xxe_file.xml").replace(b"file:///etc/passwd", secret.as_uri().encode())
    monkeypatch.setattr(saml, "_refuse_dtd_bytes", lambda xml: None)
    opened, done = [], threading.Event()

    def watch() -> None:  # opening the write end without blocking succeeds only while a reader has it open
        while not done.is_set():
            try:
                fd = os.open(secret, os.O_WRONLY | os.O_NONBLOCK)
            except OSError:  # ENXIO: no reader
                time.sleep(0.002)
                continue
            opened.append(True)
            os.write(fd, b"TOPSECRET-CONTENT")
            os.close(fd)  # the reader sees the end and goes on

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        for data in (doc, base64.b64encode(doc)):
            with pytest.raises(SamlError) as info:
                saml.parse_assertion(data)
            assert "TOPSECRET" not in str(info.value)
        time.sleep(0.05)  # a reader that opened at the very end is seen too
    finally:
        done.set()
        watcher.join(5)
    assert opened == []


@pytest.mark.parametrize("name", ["xxe_file.xml", "xxe_url.xml", "billion_laughs.xml", "external_dtd.xml"])
def test_parser_alone_refuses_dtds(monkeypatch, tmp_path, name):
    """Belt and braces: with the byte check switched off, libxml2's settings and the docinfo
    check still refuse, read no file and open no connection."""
    import socket

    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET-CONTENT")
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(0.2)
    port = listener.getsockname()[1]
    doc = (
        fixture(name)
        .replace(b"file:///etc/passwd", secret.as_uri().encode())
        .replace(b"127.0.0.1:9", f"127.0.0.1:{port}".encode())
    )
    monkeypatch.setattr(saml, "_refuse_dtd_bytes", lambda xml: None)
    start = time.perf_counter()
    with pytest.raises(SamlError) as info:
        saml.parse_assertion(doc)
    assert time.perf_counter() - start < 1
    assert "TOPSECRET" not in str(info.value) and "TOPSECRET" not in str(info.value.hint)
    with pytest.raises(socket.timeout):
        listener.accept()
    listener.close()


def test_deep_nesting_is_refused_fast():
    depth = 100_000
    doc = b"<a>" * depth + b"</a>" * depth
    start = time.perf_counter()
    with pytest.raises(SamlError, match=f"{NOT_SAML}: nested too deeply"):
        saml.parse_assertion(doc)
    assert time.perf_counter() - start < 2


def test_ten_megabytes_refused_before_decoding(monkeypatch):
    def boom(*_a, **_k):
        raise AssertionError("decoded")

    monkeypatch.setattr(saml.base64, "b64decode", boom)
    with pytest.raises(SamlError, match="too big"):
        saml.parse_assertion(b"QUFB" * (10 * 1024 * 1024 // 4))


def test_comments_and_processing_instructions_do_not_split_values():
    doc = GOOD.replace(b"Role.Admin,", b"Role.Ad<!-- c -->min,")
    assert [r.name for r in saml.parse_assertion(doc).roles] == ["Role.Admin", "Role.User"]


def test_encrypted_beside_plain_assertion_with_roles_is_fine():
    doc = GOOD.replace(
        b"</samlp:Response>",
        b"<saml:EncryptedAssertion xmlns:saml='urn:oasis:names:tc:SAML:2.0:assertion'/></samlp:Response>",
    )
    assert len(saml.parse_assertion(doc).roles) == 2


def test_500_roles_fast():
    roles = [pair(f"arn:aws:iam::{n:012d}:role/Role{n}", f"arn:aws:iam::{n:012d}:saml-provider/P") for n in range(500)]
    data = base64.b64encode(make_response(roles))
    saml.parse_assertion(data)
    start = time.perf_counter()
    a = saml.parse_assertion(data)
    assert time.perf_counter() - start < 0.05
    assert len(a.roles) == 500


def test_import_is_cheap():
    import subprocess
    import sys

    code = "import sys, awscli_saml_sso.saml; print('lxml' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
