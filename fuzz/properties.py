"""The properties the fuzz targets check, without atheris (the regression tests import them too).

- SAML (saml.parse_assertion): any input may be refused, but only with SamlError or NoRoleError
  (one clear line, an exit code) and without quoting the response; an accepted one has a role,
  and what goes to STS is the XML that was parsed.
- INI (inifile.set_section / remove_keys), for any text and any edit the editor accepts (names
  and values it refuses raise UsageError): every byte before and after the edited section stays,
  a new section only appends; configparser (as botocore builds it) reads every other section
  alike and the edited section with the values written; remove_keys takes them away again and
  leaves the other sections alone.

- Static HTML (staticpage.read, htmlforms.parse/encode, the plain-HTTP engine's reader): any bytes
  give a snapshot without an exception; it is plain JSON, every element reference points into the
  refs; a form whose request would not go to an http(s) URL is one the engine refuses to post.

Each check raises AssertionError (or the unexpected exception itself) on a finding.
"""

from __future__ import annotations

import base64
import configparser
import io

from awscli_saml_sso import htmlforms, inifile, origins, saml, staticpage
from awscli_saml_sso.errors import NoRoleError, SamlError, UsageError


def botocore_view(text: str) -> dict[str, dict[str, str]] | None:
    """Every section's values as botocore reads them, or None where it refuses the text."""
    # botocore.configloader builds its parser with the defaults: strict, so a repeated section
    # or key is an error there too (the AWS CLI refuses such a file, whatever we write into it).
    # It reads the file in text mode: universal newlines, so a lone "\r" ends a line there too
    # (read_string would not split on it).
    parser = configparser.RawConfigParser()
    try:
        parser.read_file(io.StringIO(text, newline=None))
    except configparser.Error:
        return None
    return {name: dict(parser.items(name)) for name in parser.sections()}


def check_saml(data: bytes) -> None:
    """One input; raises AssertionError (or any unexpected error) on a finding."""
    try:
        assertion = saml.parse_assertion(data)
    except (SamlError, NoRoleError) as exc:
        # A refusal never quotes the response (it is a bearer token): no long run of its bytes.
        message = str(exc)
        assert len(message) < 1000, f"refusal message of {len(message)} characters"
        return
    assert assertion.roles, "an assertion without a role was accepted"
    xml = base64.b64decode(assertion.saml_response, validate=True)
    assert xml.lstrip().startswith((b"<", b"\xef\xbb\xbf<")), "what goes to STS is not the XML parsed"


_SECTIONS = ["default", "profile work", "Work", "x y", "DEFAULT", "a]b", " lead", ""]
_KEYS = ["aws_access_key_id", "region", "x_security_token_expires", "a", "A", "k=v", "#c", " k"]
_VALUES = ["", "v", "a = b", "#x", "%(x)s", "[y]", "x\\", "\u00e9\u2028", " s", "t\n[default]"]


def ini_edit(data: bytes) -> tuple[str, str, dict[str, str]]:
    """The first 4 bytes choose the edit, the rest is the file (so that seeds are readable INI).

    Sections and keys come from a fixed list (some of them invalid) or from the file itself,
    which is where the interesting names are.
    """
    head, text = data[:4].ljust(4, b"\0"), data[4:].decode("utf-8", "replace")
    lines = inifile.scan(text)
    headers = [line.name for line in lines if line.kind == inifile.HEADER]
    options = [line.name for line in lines if line.kind == inifile.OPTION]
    names = headers if head[0] & 1 and headers else _SECTIONS
    section = names[(head[0] >> 1) % len(names)]
    keys = options if head[1] & 1 and options else _KEYS
    values = {}
    for i in range(head[1] >> 1 & 3):
        key = keys[(head[2] >> (2 * i) & 3 | (head[3] & 3) << 2) % len(keys)]
        values[key] = _VALUES[(head[3] >> 2 * i) % len(_VALUES)]
    return text, section, values


def check_ini(text: str, section: str, values: dict[str, str]) -> None:
    """One edit of one text; raises AssertionError (or any unexpected error) on a finding."""
    inifile.parse(text)  # reading never fails, whatever the text
    try:
        edited = inifile.set_section(text, section, values)
    except UsageError:
        return  # a refused name or value: nothing written
    lines = inifile.scan(text)
    spans = [(start, end) for name, start, end in inifile._sections(lines) if name == section]
    if not spans:
        assert edited.startswith(text), "a new section changed the text before it"
    else:
        start, end = spans[0]
        before = "".join(line.content + line.eol for line in lines[: start + 1])
        after = "".join(line.content + line.eol for line in lines[end:])
        assert edited.startswith(before), "bytes before the edited section changed"
        assert edited.endswith(after), "bytes after the edited section changed"
    old, new = botocore_view(text), botocore_view(edited)
    if len(spans) <= 1:  # (a repeated section: its later copy wins when read back)
        got = inifile.get_section(edited, section) or {}
        for key, value in values.items():
            assert got.get(key) == value, f"{key} reads back as {got.get(key)!r}, not {value!r}"
    if new is not None:  # whatever botocore made of the original, it reads what was written
        for key, value in values.items():
            assert new[section].get(key) == value, f"botocore reads {key} as {new[section].get(key)!r}"
    if old is not None:  # a file botocore read: it reads every other section alike
        assert new is not None, "botocore reads the original but not the edited file"
        assert {k: v for k, v in old.items() if k != section} == {k: v for k, v in new.items() if k != section}, (
            "another section's meaning changed"
        )
    removed = inifile.remove_keys(edited, section, values)
    if len(spans) <= 1:
        left = inifile.get_section(removed, section) or {}
        assert not set(values) & set(left), "remove_keys left a written key"
    # Our own reader on a file botocore refuses: a removal may regroup its junk lines (a fuzz
    # finding, tests/test_fuzz_regressions.py); the AWS CLI never reads such a file.
    if old is not None:
        assert {k: v for k, v in inifile.parse(removed).items() if k != section} == {
            k: v for k, v in inifile.parse(edited).items() if k != section
        }, "remove_keys changed another section"


def check_static_page(data: bytes) -> None:
    """One page as an IdP might answer it; raises AssertionError (or any unexpected error)."""
    import json

    url = "https://idp.example.com/login?x=1"
    snap, refs = staticpage.read(data, url, "user@example.com")
    json.dumps(snap)  # plain data only
    for key in ("user", "password", "otp", "submit"):
        assert snap[key] is None or 0 <= snap[key] < len(refs), f"{key} points outside the refs"
    for item in snap["fields"] + snap["buttons"]:
        assert item["el"] is None or 0 <= item["el"] < len(refs)
    page = htmlforms.parse(data, url)
    for form in page.forms:
        sent = htmlforms.encode(form, {c.name: "v" for c in form.controls if c.name})
        web = origins.origin_of(sent.url) is not None  # http(s) with a host
        # a form that would go anywhere but a web address is never posted over HTTP
        assert web or htmlforms.needs_script(page, form, ("password",)) is not None, sent.url
