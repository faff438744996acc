"""What the fuzzers found (fuzz/, .github/workflows/fuzz.yml), kept as tests on the same
properties (fuzz/properties.py) and as seeds of the next runs (fuzz/seeds/ini/finding-*).

Findings of the INI target, 10-minute runs of fuzz/fuzz_inifile.py (the SAML target found
nothing in 2.3 million inputs):
- lone-cr: a file whose lines end in a lone "\\r" (old Mac style). The editor was right; the
  oracle was not: botocore reads files in text mode (universal newlines), configparser's
  read_string does not split on "\\r".
- junk-continuation: in a section holding an indented line configparser cannot parse (junk), a
  new key went before it and took it as its continuation: botocore refused the file before the
  edit and read it after, with "eu-west-1\nc-1" as the region. Fixed in inifile._insert: new keys
  go after the section's last line of content, at an indent that neither continues an open key
  nor makes the next header a continuation.
- remove-regroups-junk: the same kind of file with a repeated section: removing keys regroups the
  junk lines for our reader only; botocore refuses the file (repeated section), bytes kept.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fuzz"))

import properties  # fuzz/ is not a package: reached through sys.path above

from awscli_saml_sso import inifile

SEEDS = Path(__file__).resolve().parents[1] / "fuzz" / "seeds" / "ini"


@pytest.mark.parametrize("seed", sorted(p.name for p in SEEDS.iterdir()))
def test_every_seed_and_finding_keeps_the_properties(seed):
    properties.check_ini(*properties.ini_edit((SEEDS / seed).read_bytes()))


def test_lone_carriage_returns_are_line_ends_for_botocore_and_for_the_editor():
    text = "[default]\raws_access_key_id = OLD\r\r[other]\rregion = eu-west-1\r"
    edited = inifile.set_section(text, "default", {"aws_access_key_id": "NEW", "region": "us-east-1"})
    assert edited == "[default]\raws_access_key_id = NEW\rregion = us-east-1\r\r[other]\rregion = eu-west-1\r"
    assert properties.botocore_view(edited) == {
        "default": {"aws_access_key_id": "NEW", "region": "us-east-1"},
        "other": {"region": "eu-west-1"},
    }
    appended = inifile.set_section("\r", "profile work", {"region": "x"})
    assert properties.botocore_view(appended) == {"profile work": {"region": "x"}}


def test_a_new_key_never_takes_the_junk_line_after_it_as_its_continuation():
    text = "[a]\nk = 1\n[profile work]\n  c-1\n[b]\nj = 2\n"
    assert properties.botocore_view(text) is None  # the junk line: configparser's ParsingError
    edited = inifile.set_section(text, "profile work", {"region": "eu-west-1"})
    # after the junk line, not before it: before, botocore read region as "eu-west-1\nc-1"
    assert edited == "[a]\nk = 1\n[profile work]\n  c-1\nregion = eu-west-1\n[b]\nj = 2\n"
    assert properties.botocore_view(edited) is None
    assert inifile.get_section(edited, "profile work") == {"region": "eu-west-1"}
    properties.check_ini(text, "profile work", {"region": "eu-west-1"})


def test_after_junk_the_new_key_is_no_deeper_than_an_open_key_nor_shallower_than_the_next_header():
    # "  b = 2" is open, the junk line at 1 space keeps it open: a key at 2 would continue it
    text = "[s]\n  b = 2\n x\n[t]\n"
    assert inifile.set_section(text, "s", {"n": "v"}) == "[s]\n  b = 2\n x\nn = v\n[t]\n"
    # no key open, the next header at 3 spaces: a key at 0 would make [t] its continuation
    text = "[s]\n  junk\n   [t]\n"
    assert inifile.set_section(text, "s", {"n": "v"}) == "[s]\n  junk\n   n = v\n   [t]\n"


# Findings of the static page target (fuzz/fuzz_staticpage.py, the plain-HTTP engine's reader):
# - non-web-action: a form whose action is a mangled scheme ("hptts:/i/sgnin.aws.amazon.com/saml")
#   was "postable": the engine would have failed with a network error instead of handing the page
#   to the browser. htmlforms.needs_script now refuses any action that is not http(s).
def test_static_page_form_with_a_non_web_action_is_never_posted():
    page = (
        b"<html><body><form method=post action='hptts:/i/sgnin.aws.amazon.com/saml'>"
        b"<input name=username><input type=password name=password><input type=submit></form></body></html>"
    )
    properties.check_static_page(page)
    from awscli_saml_sso import htmlforms

    parsed = htmlforms.parse(page, "https://idp.example.com/")
    assert htmlforms.needs_script(parsed, parsed.forms[0], ("password",)) is not None


# - bad-ipv6-action: a recorded Keycloak page with one byte changed in its form's action
#   ("http://127.0.0.1:180[1/auth/...") made urljoin raise ValueError ("Invalid IPv6 URL"): the
#   plain-HTTP engine would have ended in a traceback. htmlforms.join never raises (about:invalid),
#   and such a form is never posted; the same for links, refreshes and redirects.
def test_static_page_with_an_unparsable_action_url_is_read():
    page = (
        b"<html><body><form method=post action='http://127.0.0.1:180[1/auth/x'><input name=username>"
        b"<input type=password name=password><button>Sign in</button></form>"
        b"<a href='http://[::1/x'>x</a><meta http-equiv=refresh content='0; url=http://[x'></body></html>"
    )
    properties.check_static_page(page)
    from awscli_saml_sso import htmlforms

    parsed = htmlforms.parse(page, "https://idp.example.com/")
    assert parsed.forms[0].action == htmlforms.INVALID
    assert htmlforms.needs_script(parsed, parsed.forms[0], ("password",)) is not None


# - hostless-action: "http:/ÑÎÍÈ.0.0.1:18081/auth/..." (one slash lost, bytes changed) joins into an
#   http URL without a host: it counted as postable. needs_script now wants an origin (scheme and host).
def test_static_page_form_posting_to_an_http_url_without_a_host_is_never_posted():
    page = "<form method=post action='http:/ÑÎÍÈ.0.0.1:18081/auth'><input type=password name=password></form>"
    properties.check_static_page(page.encode())
    from awscli_saml_sso import htmlforms

    parsed = htmlforms.parse(page.encode(), "https://idp.example.com/login")
    assert htmlforms.needs_script(parsed, parsed.forms[0], ("password",)) is not None
