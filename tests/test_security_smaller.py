"""Issue 18, item 6 (smaller findings): escape sequences from the credentials file shown by
``status``; roles from a wrapped, unsigned assertion; PowerShell's typographic quotes; and the
listener's traceback on a form of many fields (tests/test_listen.py)."""

from __future__ import annotations

import pytest
from clirun import run_cli
from hostile import fakes

from awscli_saml_sso import saml
from awscli_saml_sso.delivery import envvars
from awscli_saml_sso.errors import SamlError


# -- status ---------------------------------------------------------------------------------------
def test_status_shows_escape_sequences_escaped(cli_env, home):
    creds = home / ".aws" / "credentials"
    creds.parent.mkdir(mode=0o700)
    creds.write_text(
        "[\x1b]0;owned\x07evil\u202e]\n"  # retitles the terminal; reverses what follows
        "aws_access_key_id = ASIAX\n"
        "x_principal_arn = arn:aws:iam::123456789012:role/R\x1b[2J\x1b[1A\n"  # clears the screen
        "x_security_token_expires = 2099-01-01T00:00:00+00:00\n"
    )
    run = run_cli(["status"], cli_env)
    assert run.code == 0, run
    assert "\x1b" not in run.out and "\x07" not in run.out and "\u202e" not in run.out
    assert "\\x1b]0;owned\\x07evil\\u202e" in run.out and "role/R\\x1b[2J\\x1b[1A" in run.out


# -- which assertion's roles ----------------------------------------------------------------------
WRAPPED_ROLE = "arn:aws:iam::999999999999:role/Wrapped"
WRAPPED_PROVIDER = "arn:aws:iam::999999999999:saml-provider/Wrapped"


def wrapped(where: str) -> str:
    """A response whose real assertion grants fakes.ROLE_ARN, plus an unsigned assertion wrapped
    ``where`` that grants another role (an XML signature wrapping attempt)."""
    inner = fakes.saml_xml(roles=[f"{WRAPPED_ROLE},{WRAPPED_PROVIDER}"], marker="wrapped")
    assertion = inner[inner.index("<saml:Assertion") : inner.index("</samlp:Response>")]
    outer = fakes.saml_xml()
    if where == "extensions":
        return outer.replace("<samlp:Status>", f"<samlp:Extensions>{assertion}</samlp:Extensions><samlp:Status>")
    # inside the real assertion, in an element STS does not read as its attributes
    return outer.replace("<saml:Subject>", f"<saml:Advice>{assertion}</saml:Advice><saml:Subject>")


@pytest.mark.parametrize("where", ["extensions", "advice"])
def test_roles_come_only_from_the_assertion_sts_reads(where):
    parsed = saml.parse_assertion(wrapped(where).encode())
    assert [r.role_arn for r in parsed.roles] == [fakes.ROLE_ARN]


def test_a_response_of_two_assertions_is_refused():
    one = fakes.saml_xml()
    assertion = one[one.index("<saml:Assertion") : one.index("</samlp:Response>")]
    two = one.replace("</samlp:Response>", assertion.replace('ID="_a', 'ID="_b') + "</samlp:Response>")
    with pytest.raises(SamlError, match="holds 2 assertions; AWS takes exactly one"):
        saml.parse_assertion(two.encode())


# -- PowerShell -----------------------------------------------------------------------------------
PS_QUOTES = "'\u2018\u2019\u201a\u201b"


def powershell_single_quoted(text: str) -> tuple[str, str]:
    """Read one single-quoted string as PowerShell's tokenizer does (language specification
    2.3.5.2: any of ' U+2018 U+2019 U+201A U+201B opens and closes it; one doubled inside is one
    literal quote). Returns the value and what follows the string."""
    assert text[0] in PS_QUOTES
    value, i = [], 1
    while i < len(text):
        if text[i] in PS_QUOTES:
            if i + 1 < len(text) and text[i + 1] in PS_QUOTES:
                value.append(text[i + 1])
                i += 2
                continue
            return "".join(value), text[i + 1 :]
        value.append(text[i])
        i += 1
    raise AssertionError("unterminated string")


@pytest.mark.parametrize("secret", ["a\u2019; Remove-Item -Recurse ~; \u2018", "x\u2018y", "\u201a\u201b'\u2019"])
def test_powershell_quoting_handles_typographic_quotes(secret):
    assignment = "$Env:AWS_SECRET_ACCESS_KEY = "
    lines = envvars.render({"AWS_SECRET_ACCESS_KEY": secret}, "powershell").splitlines()
    line = next(line for line in lines if line.startswith(assignment))
    assert powershell_single_quoted(line[len(assignment) :]) == (secret, "")
