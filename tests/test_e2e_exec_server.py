"""``exec --server``: real clients (AWS CLI v1, boto3, Node's AWS SDK v3) get working credentials
from the server, also after the profile's credentials are removed (it logs in again through the
stored IdP: real headless browser, real IdP, strict STS); a missing or wrong token gets 4xx."""

from __future__ import annotations

import configparser
import json
import os
import shutil
import sys
from pathlib import Path

import pytest
from clirun import run_cli

from devstack import realm

ROOT = Path(__file__).resolve().parent.parent
CLIENTS = Path(__file__).parent / "clients"
NODE_MODULES = ROOT / ".cache" / "node" / "node_modules"
AWS = Path(sys.executable).parent / "aws"

SCRIPT = r"""
set -eu
out=$1 ep=$2 py=$3 aws=$4 clients=$5 creds=$6
"$py" "$clients/probe_server.py" > "$out/probe.json"
for round in 1 2; do
  "$aws" sts get-caller-identity --endpoint-url "$ep" --output json > "$out/aws$round.json"
  "$py" "$clients/boto3_caller.py" "$ep" > "$out/boto$round.json"
  node "$clients/sts_caller.cjs" "$ep" > "$out/node$round.json"
  if [ "$round" = 1 ]; then
    "$py" -m awscli_saml_sso logout --profile saml 2> "$out/logout.txt"
    # the server logs in again by itself; wait for the profile to be back (bounded)
    for _ in $(seq 900); do grep -q '^\[saml\]' "$creds" 2>/dev/null && break; sleep 0.2; done
  fi
done
exit 5
"""


def _profile(home) -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(home / ".aws" / "credentials")
    return parser["saml"]


def _stored_idp(aws, cli_env, tmp_path) -> None:
    cli_env.update(
        PYTHON_KEYRING_BACKEND="keyrings.alt.file.PlaintextKeyring",
        XDG_DATA_HOME=str(tmp_path / "xdg"),
        ASS_ENDPOINT_URL=aws.aws_endpoint_url,
    )
    added = run_cli(
        [
            "idp",
            "add",
            "dev",
            "--url",
            aws.idp_url,
            "--username",
            "aws_user",
            "--password-stdin",
            "--role-arn",
            realm.ROLE_USER,
        ],
        env=cli_env,
        stdin="aws_user\n",
    )
    assert added.code == 0, added


def test_exec_server_serves_aws_cli_boto3_and_node_and_logs_in_again(aws, cli_env, home, tmp_path):
    if not (NODE_MODULES / "@aws-sdk" / "credential-providers").is_dir() or shutil.which("node") is None:
        pytest.skip("Node's AWS SDK v3 is not installed: run dev/setup.sh")
    assert AWS.exists(), "the AWS CLI v1 comes with the test extra: run dev/setup.sh"
    _stored_idp(aws, cli_env, tmp_path)
    first = run_cli(["--idp-nickname", "dev", "--use-stored"], env=cli_env)
    assert first.code == 0, first
    old_key = _profile(home)["aws_access_key_id"]
    out = tmp_path / "out"
    out.mkdir()
    cli_env["NODE_PATH"] = str(NODE_MODULES)
    cli_env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{cli_env['PATH']}"
    cli_env["AWS_PROFILE"] = "someone-else"  # must not reach the command: it would come first
    result = run_cli(
        [
            "exec",
            "--profile",
            "saml",
            "--server",
            "--",
            "bash",
            "-c",
            SCRIPT,
            "script",
            str(out),
            aws.aws_endpoint_url,
            sys.executable,
            str(AWS),
            str(CLIENTS),
            str(home / ".aws" / "credentials"),
        ],
        env=cli_env,
        timeout=300,
    )
    assert result.code == 5, result  # the command's own exit code

    probe = json.loads((out / "probe.json").read_text())
    assert probe["codes"] == {"missing": 401, "wrong": 403, "right": 200}
    assert "AWS_CONTAINER_CREDENTIALS_FULL_URI" in probe["env"] and "AWS_CONTAINER_AUTHORIZATION_TOKEN" in probe["env"]
    assert not {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"} & set(probe["env"])

    new_key = _profile(home)["aws_access_key_id"]
    assert new_key != old_key, "the server did not log in again after the credentials were removed"
    assert "removed the credentials of [saml]" in (out / "logout.txt").read_text()
    role_session = "assumed-role/Role.User/"
    for round_, key in ((1, old_key), (2, new_key)):
        assert role_session in json.loads((out / f"aws{round_}.json").read_text())["Arn"]
        boto = json.loads((out / f"boto{round_}.json").read_text())
        node = json.loads((out / f"node{round_}.json").read_text())
        assert boto["method"] == "container-role" and boto["key"] == key and role_session in boto["arn"]
        assert node["key"] == key and role_session in node["arn"]
