"""Helpers for the delivery tests: run the CLI, write a profile as a login would.

``run_deliver`` runs the real entry point (``cli.main``) in a subprocess without a terminal;
``_MAIN`` is that entry point as ``python -c`` code, for tests that start it themselves.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence

from clirun import Run

from awscli_saml_sso import awsfiles
from awscli_saml_sso.models import Credentials, Role

ROLE = "arn:aws:iam::123456789012:role/Dev"
PROVIDER = "arn:aws:iam::123456789012:saml-provider/Corp"

_MAIN = "import sys\nfrom awscli_saml_sso import cli\ncli.main(sys.argv[1:])\n"


def run_deliver(
    args: Sequence[str], env: Mapping[str, str] | None = None, timeout: float = 60, stdin: bytes = b""
) -> Run:
    proc = subprocess.run(
        [sys.executable, "-c", _MAIN, *args],
        input=stdin,
        capture_output=True,
        env=dict(env if env is not None else os.environ),
        timeout=timeout,
        start_new_session=True,
    )
    return Run(proc.returncode, proc.stdout.decode(errors="replace"), proc.stderr.decode(errors="replace"))


def write_profile(
    profile: str = "saml",
    *,
    minutes_left: float = 60,
    region: str | None = "eu-west-1",
    role_arn: str = ROLE,
    secret: str = 'se\'cret/with "quotes" $HOME',
    environ: Mapping[str, str] | None = None,
) -> Credentials:
    environ = environ if environ is not None else os.environ
    expiration = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=minutes_left)).replace(microsecond=0)
    creds = Credentials("ASIATESTKEY0000" + profile.upper()[:4], secret, "FwoGZXIvYXdzEB0aDToken+/=", expiration)
    awsfiles.write_credentials(profile, creds, Role(role_arn, PROVIDER), environ)
    if region:
        awsfiles.write_config_region(profile, region, environ)
    return creds
