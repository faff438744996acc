"""``status``: the profiles this tool wrote, as a table, from the real files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from deliverysupport import PROVIDER, ROLE, run_deliver, write_profile

from awscli_saml_sso.delivery import status


def test_status_lists_our_profiles_with_time_left(cli_env) -> None:
    write_profile("saml", minutes_left=125)
    write_profile("old", minutes_left=-3, role_arn="arn:aws:iam::123456789012:role/Old")
    creds_file = Path(cli_env["AWS_SHARED_CREDENTIALS_FILE"])
    creds_file.write_text(creds_file.read_text() + "\n[static]\naws_access_key_id = AKIA\naws_secret_access_key = x\n")
    result = run_deliver(["status"], cli_env)
    assert result.code == 0, result
    lines = result.out.splitlines()
    assert lines[0].split() == ["PROFILE", "ROLE", "SAML", "PROVIDER", "EXPIRES", "(UTC)", "LEFT"]
    assert len(lines) == 3  # not [static]: this tool did not write it
    saml = lines[1].split()
    assert saml[:3] == ["saml", ROLE, PROVIDER] and saml[-1] in ("2h04m", "2h05m")
    old = lines[2].split()
    assert old[0] == "old" and old[1].endswith("role/Old") and old[-1] == "expired"


def test_status_with_nothing_written(cli_env) -> None:
    result = run_deliver(["status"], cli_env)
    assert result.code == 0, result
    assert result.out.startswith("no profile written by awscli_saml_sso in ")


def test_time_left() -> None:
    now = dt.datetime(2030, 1, 1, tzinfo=dt.timezone.utc)
    assert status.time_left(now + dt.timedelta(hours=11, minutes=5, seconds=30), now) == "11h05m"
    assert status.time_left(now + dt.timedelta(minutes=7), now) == "7m"
    assert status.time_left(now + dt.timedelta(seconds=42), now) == "42s"
    assert status.time_left(now, now) == "expired"
    assert status.time_left(None, now) == "unknown"
