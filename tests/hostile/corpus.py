"""The hostile corpus: one entry per attack, each with the exit code the CLI must give.

Built in code, not stored as files, because several attacks point at a live target (a canary file
that must never be read, a loopback URL that must never be fetched) and one is 10 MB.
``Case.data`` is what the attacker controls: the SAML response file, ``idps.json``, a cache file,
the credentials or config file.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import urllib.parse

from hostile.fakes import PROVIDER_ARN, ROLE_ARN, saml_xml

MB = 1024 * 1024
SAML = 8  # errors.ExitCode.SAML
NO_ROLE = 4
FILES = 9
USAGE = 2
OK = 0
STS = 5
BROWSER = 6


@dataclasses.dataclass(frozen=True)
class Case:
    name: str
    data: bytes
    exit_code: int | tuple[int, ...]

    def __repr__(self) -> str:  # pytest ids stay short
        return self.name


@dataclasses.dataclass(frozen=True)
class Targets:
    canary_file: str  # a local file holding a secret; its content must never show
    canary_url: str  # a loopback URL that must never be fetched


RESPONSE_OPEN = (
    '<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
    'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" Version="2.0">'
)
ROLE_ATTR = "https://aws.amazon.com/SAML/Attributes/Role"


def _with_role_values(inner: str) -> str:
    return (
        f'{RESPONSE_OPEN}<saml:Assertion><saml:AttributeStatement><saml:Attribute Name="{ROLE_ATTR}">'
        f"{inner}</saml:Attribute></saml:AttributeStatement></saml:Assertion></samlp:Response>"
    )


def saml_cases(t: Targets) -> list[Case]:
    """What ``--saml-response FILE`` may be given: XML, base64 or a form body."""
    role_pair = f"<saml:AttributeValue>{ROLE_ARN},{PROVIDER_ARN}</saml:AttributeValue>"
    xxe_file = (
        f'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM "file://{t.canary_file}">]>\n'
        + _with_role_values("<saml:AttributeValue>&x;</saml:AttributeValue>")
    )
    xxe_url = f'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM "{t.canary_url}/entity">]>\n' + _with_role_values(
        "<saml:AttributeValue>&x;</saml:AttributeValue>"
    )
    parameter_entity = (
        f'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY % p SYSTEM "{t.canary_url}/p.dtd"> %p;]>\n'
        + _with_role_values(role_pair)
    )
    external_dtd = f'<?xml version="1.0"?>\n<!DOCTYPE r SYSTEM "{t.canary_url}/x.dtd">\n' + _with_role_values(role_pair)
    laughs = ['<!ENTITY l0 "lol">'] + [f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10)]
    billion_laughs = f'<?xml version="1.0"?>\n<!DOCTYPE r [{"".join(laughs)}]>\n' + _with_role_values(
        "<saml:AttributeValue>&l9;</saml:AttributeValue>"
    )
    quadratic = f'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY a "{"x" * 50_000}">]>\n' + _with_role_values(
        "<saml:AttributeValue>" + "&a;" * 50_000 + "</saml:AttributeValue>"
    )
    xinclude = _with_role_values(
        f'<saml:AttributeValue><xi:include xmlns:xi="http://www.w3.org/2001/XInclude" '
        f'href="file://{t.canary_file}" parse="text"/></saml:AttributeValue>'
    )
    xinclude_url = _with_role_values(
        f'<saml:AttributeValue><xi:include xmlns:xi="http://www.w3.org/2001/XInclude" '
        f'href="{t.canary_url}/xi" parse="text"/></saml:AttributeValue>'
    )
    stylesheet = f'<?xml-stylesheet type="text/xsl" href="{t.canary_url}/x.xsl"?>\n' + _with_role_values("")
    schema = _with_role_values("").replace(
        "Version=",
        f'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        f'xsi:schemaLocation="urn:x {t.canary_url}/s.xsd" Version=',
        1,
    )
    utf16_xxe = xxe_file.replace('<?xml version="1.0"?>', '<?xml version="1.0" encoding="UTF-16"?>').encode("utf-16")
    utf7_xxe = (
        '<?xml version="1.0" encoding="UTF-7"?>\n'
        + f"+ADw-!DOCTYPE r +AFs-+ADw-!ENTITY x SYSTEM +ACI-file://{t.canary_file}+ACI-+AD4-+AF0-+AD4-\n"
        + _with_role_values("<saml:AttributeValue>+ACY-x+ADs-</saml:AttributeValue>")
    ).encode()
    ebcdic = b'<?xml version="1.0" encoding="cp037"?>' + xxe_file.split("?>", 1)[1].encode("cp037")
    deep = "<a>" * 100_000 + "</a>" * 100_000
    injected_role = _with_role_values(
        f"<saml:AttributeValue>arn:aws:iam::000000000000:role/x]\n[default,{PROVIDER_ARN}</saml:AttributeValue>"
        f"<saml:AttributeValue>arn:aws:iam::000000000000:role/x&#13;&#10;[default],{PROVIDER_ARN}</saml:AttributeValue>"
        f"<saml:AttributeValue>arn:aws:iam::000000000000:role/x\u2028[default],{PROVIDER_ARN}</saml:AttributeValue>"
    )
    bad_offset_time = saml_xml(not_on_or_after="2030-01-01T00:00:00+99:00")
    status_error = (
        f'{RESPONSE_OPEN}<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Responder"/>'
        f"</samlp:Status></samlp:Response>"
    )
    encrypted = (
        f"{RESPONSE_OPEN}<saml:EncryptedAssertion><xenc:EncryptedData "
        f'xmlns:xenc="http://www.w3.org/2001/04/xmlenc#"/></saml:EncryptedAssertion></samlp:Response>'
    )
    many_attributes = _with_role_values("<saml:AttributeValue>x</saml:AttributeValue>" * 20_000)

    def b64(text):
        return base64.b64encode(text.encode() if isinstance(text, str) else text)

    return [
        Case("xxe-local-file", xxe_file.encode(), SAML),
        Case("xxe-url", xxe_url.encode(), SAML),
        Case("xxe-base64", b64(xxe_file), SAML),
        Case("xxe-form-body", b"SAMLResponse=" + urllib.parse.quote(b64(xxe_file)).encode() + b"&RelayState=x", SAML),
        Case("xxe-parameter-entity", parameter_entity.encode(), SAML),
        Case("external-dtd", external_dtd.encode(), SAML),
        Case("xxe-utf16", utf16_xxe, SAML),
        Case("xxe-utf16-base64", b64(utf16_xxe), SAML),
        Case("xxe-utf7", utf7_xxe, (SAML, NO_ROLE)),
        Case("xxe-ebcdic", ebcdic, (SAML, NO_ROLE)),
        Case("billion-laughs", billion_laughs.encode(), SAML),
        Case("quadratic-blowup", quadratic.encode(), SAML),
        Case("xinclude-local-file", xinclude.encode(), NO_ROLE),
        Case("xinclude-url", xinclude_url.encode(), NO_ROLE),
        Case("xml-stylesheet-pi", stylesheet.encode(), NO_ROLE),
        Case("schema-location", schema.encode(), NO_ROLE),
        Case("deep-nesting", deep.encode(), SAML),
        Case("deep-nesting-base64", b64(deep), SAML),
        Case("ten-megabytes-base64", b"QUFB" * (10 * MB // 4), SAML),
        Case("ten-megabytes-xml", (RESPONSE_OPEN + "x" * (10 * MB) + "</samlp:Response>").encode(), SAML),
        Case("ten-megabytes-form", b"SAMLResponse=" + b"%41" * (10 * MB // 3), SAML),
        Case("many-form-fields", b"&".join([b"a=1"] * 250_000), SAML),
        Case("many-attribute-values", many_attributes.encode(), NO_ROLE),
        Case("invalid-utf8", RESPONSE_OPEN.encode() + b"\xff\xfe\xc0\x80" + b"</samlp:Response>", SAML),
        Case("invalid-utf8-base64", b"\xff\xfe\xfd" * 100, SAML),
        Case("nul-bytes", RESPONSE_OPEN.encode() + b"\x00" * 10 + b"</samlp:Response>", SAML),
        Case("nul-in-base64", b64(saml_xml()).replace(b"A", b"\x00", 3), SAML),
        Case("empty", b"", SAML),
        Case("whitespace-only", b" \r\n\t" * 1000, SAML),
        Case("html-page", b"<html><body><form><input name='SAMLResponse'></form></body></html>", SAML),
        Case("binary-noise", bytes(range(256)) * 4096, SAML),
        Case("form-without-saml-response", b"RelayState=x&foo=bar", SAML),
        Case("bad-percent-encoding", b"SAMLResponse=%ZZ%G1%&RelayState=%", SAML),
        Case("role-injection-crlf", injected_role.encode(), NO_ROLE),
        Case("time-offset-out-of-range", bad_offset_time.encode(), STS),  # parses; the fake STS fails
        Case("status-responder", status_error.encode(), SAML),
        Case(
            "status-with-line-break",
            status_error.replace("status:Responder", "status:Responder&#10;error: forged&#13;").encode(),
            SAML,
        ),
        Case("encrypted-assertion", encrypted.encode(), SAML),
    ]


# -- files the tool reads back ---------------------------------------------------------------------
GOOD_PROFILE = (
    "[saml]\naws_access_key_id = ASIAOLDOLDOLDOLDOLD1\naws_secret_access_key = old-secret-old-secret\n"
    "aws_session_token = old-token-old-token\nx_security_token_expires = 2099-01-01T00:00:00+00:00\n"
    f"x_principal_arn = {ROLE_ARN}\n"
)


def credentials_cases() -> list[Case]:
    """Credentials files read by ``env``/``status`` (exit 0: the profile read; 2: not logged in)."""
    huge = "".join(
        f"[p{i}]\naws_access_key_id = AKIA{i:016d}\naws_secret_access_key = {'s' * 20}\n" for i in range(10 * MB // 80)
    )
    return [
        Case("invalid-utf8", b"[saml]\naws_access_key_id = \xff\xfe\n" + GOOD_PROFILE.encode()[7:], (OK, USAGE)),
        Case("nul-bytes", GOOD_PROFILE.encode().replace(b"old-secret", b"old\x00secret"), (OK, USAGE)),
        Case("cr-only-line-ends", GOOD_PROFILE.replace("\n", "\r").encode(), (OK, USAGE)),
        Case("section-injection-in-value", (GOOD_PROFILE + "aws_session_token = x]\r[default\n").encode(), (OK, USAGE)),
        Case("duplicate-sections", (GOOD_PROFILE + "\n[saml]\naws_session_token = \n").encode(), (OK, USAGE)),
        Case("expiry-offset-out-of-range", GOOD_PROFILE.replace("+00:00", "+99:00").encode(), (OK, USAGE)),
        Case("expiry-year-zero", GOOD_PROFILE.replace("2099-01-01", "0000-00-00").encode(), USAGE),
        Case("ten-megabytes", (huge + GOOD_PROFILE).encode(), FILES),
        Case("no-sections-garbage", bytes(range(1, 256)) * 2000, USAGE),
        Case("long-continuations", (GOOD_PROFILE + "x_note =\n" + "  more\n" * 200_000).encode(), (OK, USAGE)),
        Case("unicode-line-separators", GOOD_PROFILE.replace("\n", "\u2028", 2).encode(), (OK, USAGE)),
    ]


def config_cases() -> list[Case]:
    """Config files read by ``env`` for the region."""
    return [
        Case("invalid-utf8", b"[profile saml]\nregion = \xff\xfe\n", (OK, USAGE)),
        Case("injected-region", b"[profile saml]\nregion = eu-west-1\nAWS_SECRET=1\n[default\n", (OK, USAGE)),
        Case("nul-bytes", b"[profile saml]\x00\nregion = us-east-1\x00\n", (OK, USAGE)),
        Case(
            "ten-megabytes",
            b"[profile x]\n" + b"k = v\n" * (10 * MB // 6) + b"[profile saml]\nregion = us-east-1\n",
            FILES,
        ),
    ]


def idps_cases() -> list[Case]:
    """``idps.json`` files: damaged ones are exit 9 (files), hostile values in a valid one exit 2."""
    entry = {"url": "https://idp.example.com/sso", "username": "me"}

    def doc(**idp):
        return json.dumps({"version": 1, "idps": {"corp": {**entry, **idp}}}).encode()

    return [
        Case("not-json", b"{version: 1,", FILES),
        Case("invalid-utf8", b'{"version": 1, "idps": {"corp": {"url": "\xff\xfe"}}}', FILES),
        Case("nul-bytes", b'{"version": 1,\x00 "idps": {}}', FILES),
        Case("empty", b"", FILES),
        Case("deep-nesting", b"[" * 100_000 + b"]" * 100_000, FILES),
        Case("deep-nesting-object", b'{"version": 1, "idps": ' + b'{"a":' * 50_000 + b"1" + b"}" * 50_001, FILES),
        Case("huge-integer", b'{"version": ' + b"9" * 100_000 + b', "idps": {}}', FILES),
        Case("float-version", b'{"version": 1e999, "idps": {}}', FILES),
        Case("idps-is-a-list", b'{"version": 1, "idps": []}', FILES),
        Case("entry-url-not-string", doc(url=["x"]), FILES),
        Case("ten-megabytes", doc(username="u" * (10 * MB)), FILES),
        Case("newer-version", b'{"version": 99, "idps": {}}', FILES),
        Case("profile-injection", doc(profile="x]\n[default"), USAGE),
        Case("role-injection", doc(role_arn="arn:aws:iam::000000000000:role/x]\n[default"), (USAGE, NO_ROLE)),
    ]


def cache_cases(valid: dict) -> list[Case]:
    """credential-process cache files: anything unusable is a miss (then a login is attempted,
    which these tests make fail fast with a missing driver: exit 6)."""

    def as_json(**over):
        return json.dumps({**valid, **over}).encode()

    return [
        Case("not-json", b"{", BROWSER),
        Case("invalid-utf8", b'{"version": 1, "AccessKeyId": "\xff"}', BROWSER),
        Case("nul-bytes", b"\x00" * 100, BROWSER),
        Case("deep-nesting", b"[" * 100_000 + b"]" * 100_000, BROWSER),
        Case("huge-integer", b'{"version": ' + b"9" * 100_000 + b"}", BROWSER),
        Case("a-list", b"[1, 2, 3]", BROWSER),
        Case("expiration-not-a-string", as_json(Expiration=12), BROWSER),
        Case("expiration-garbage", as_json(Expiration="tomorrow"), BROWSER),
        Case("expiration-offset-out-of-range", as_json(Expiration="2099-01-01T00:00:00+99:00"), BROWSER),
        Case("key-missing", json.dumps({k: v for k, v in valid.items() if k != "AccessKeyId"}).encode(), BROWSER),
        Case("key-null", as_json(AccessKeyId=None), BROWSER),
        Case("key-not-a-string", as_json(SessionToken={"a": 1}), BROWSER),
        Case("other-key", as_json(key={"idp": "other", "role_arn": None, "profile": None}), BROWSER),
        # issue 18: every file read has a size limit; no cache file of ours is anywhere near 1 MB
        Case("ten-megabytes", as_json(padding="p" * (10 * MB)), (FILES,)),
    ]
