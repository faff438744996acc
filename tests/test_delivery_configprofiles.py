"""``exec``, ``env``, ``console`` and ``status`` accept a ``~/.aws/config`` profile whose
``credential_process`` is this tool: served from its ``credential-process`` cache (real files,
the real entry point; the login path is covered by the e2e tests)."""

from __future__ import annotations

import datetime as dt
import json
import sys

import pytest
from deliverysupport import ROLE, run_deliver, write_profile

from awscli_saml_sso import aliases, awsfiles
from awscli_saml_sso.delivery import cache, configprofiles
from awscli_saml_sso.models import Credentials

LINE = "awscli_saml_sso credential-process --idp-nickname corp --role-arn " + ROLE


def _config(cli_env, text: str) -> None:
    path = awsfiles.config_path(cli_env)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def _cached(cli_env, line: str = LINE, minutes_left: float = 50) -> Credentials:
    request = configprofiles.request_from_command(line)
    assert request is not None
    expiration = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=minutes_left)).replace(microsecond=0)
    creds = Credentials("ASIAFROMPROCESS0001", "process/secret", "process+token", expiration)
    cache.store(cache.file_for(cli_env, request.cache_key), request.cache_key, creds, ROLE)
    return creds


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (LINE, {"nickname": "corp", "role_arn": ROLE}),
        (
            "/opt/venv/bin/awscli_saml_sso --log-level debug credential-process --idp-nickname=corp --profile x",
            {"nickname": "corp", "profile": "x"},
        ),
        (
            '"C:\\\\Program Files\\\\awscli_saml_sso.exe" credential-process --idp-nickname corp --timeout 30',
            {"nickname": "corp", "timeout": 30.0},
        ),
        (
            "python3 -m awscli_saml_sso credential-process --idp-nickname corp --show-browser",
            {"nickname": "corp", "show_browser": True},
        ),
    ],
)
def test_our_credential_process_lines_are_read_back(line, expected) -> None:
    request = configprofiles.request_from_command(line)
    assert request is not None
    for field, value in expected.items():
        assert getattr(request, field) == value


@pytest.mark.parametrize(
    "line",
    [
        "aws-vault export --format=json work",
        "other-tool credential-process --idp-nickname corp",
        "awscli_saml_sso credential-process",  # no IdP: the tool itself would refuse it
        "awscli_saml_sso credential-process --idp-nickname 'unbalanced",
    ],
)
def test_other_lines_are_not_ours(line) -> None:
    assert configprofiles.request_from_command(line) is None


def test_env_and_exec_serve_a_credential_process_profile(cli_env, tmp_path) -> None:
    _config(cli_env, f"[profile work]\ncredential_process = {LINE}\nregion = eu-central-1\n")
    creds = _cached(cli_env)
    result = run_deliver(["env", "--profile", "work", "--format", "json"], cli_env)
    assert result.code == 0, result
    doc = json.loads(result.out)
    assert doc["AccessKeyId"] == creds.access_key_id and doc["SessionToken"] == creds.session_token
    out = tmp_path / "seen"
    code = (
        "import os, sys; open(sys.argv[1], 'w').write(os.environ['AWS_ACCESS_KEY_ID'] + ' ' + os.environ['AWS_REGION'])"
    )
    ran = run_deliver(["exec", "--profile", "work", "--", sys.executable, "-c", code, str(out)], cli_env)
    assert ran.code == 0, ran
    assert out.read_text() == f"{creds.access_key_id} eu-central-1"
    assert not awsfiles.credentials_path(cli_env).exists()  # nothing written that would shadow it


def test_a_profile_that_is_not_ours_still_says_how_to_log_in(cli_env) -> None:
    _config(cli_env, "[profile work]\ncredential_process = aws-vault export --format=json work\n")
    result = run_deliver(["env", "--profile", "work"], cli_env)
    assert result.code == 2 and "no profile [work]" in result.err, result


def test_status_shows_both_kinds_and_json(cli_env) -> None:
    write_profile("saml", minutes_left=90)
    aliases.remember(cli_env, "123456789012", "corp-dev")
    _config(
        cli_env,
        f"[profile work]\ncredential_process = {LINE}\n\n[profile fresh]\n"
        "credential_process = awscli_saml_sso credential-process --idp-nickname corp --profile z\n",
    )
    _cached(cli_env)
    table = run_deliver(["status"], cli_env)
    assert table.code == 0, table
    rows = {line.split()[0]: line for line in table.out.splitlines()[1:]}
    assert set(rows) == {"saml", "work", "fresh"}
    assert "credential_process, IdP corp" in rows["work"] and f"{ROLE} (corp-dev)" in rows["work"]
    assert rows["fresh"].rstrip().endswith("not cached")
    listed = run_deliver(["status", "--json"], cli_env)
    assert listed.code == 0, listed
    records = {r["profile"]: r for r in json.loads(listed.out)}
    assert records["saml"]["source"] == "credentials" and 80 * 60 < records["saml"]["seconds_left"] <= 90 * 60
    assert records["work"]["source"] == "credential_process" and records["work"]["idp_nickname"] == "corp"
    assert records["work"]["role_arn"] == ROLE and records["work"]["account"] == "123456789012"
    assert records["work"]["alias"] == records["saml"]["alias"] == "corp-dev"
    assert records["work"]["expiration"].endswith("Z") and records["fresh"]["expiration"] is None
