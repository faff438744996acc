"""The local stack behaves like AWS and the realm: a strict STS on moto, SimpleSAMLphp IdP."""

from __future__ import annotations

import base64
import datetime
from pathlib import Path

import boto3
import pytest
import requests
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError
from stackfixtures import saml_response_for

from devstack import httplogin, realm


def sts(stack, **credentials):
    config = None if credentials else Config(signature_version=UNSIGNED)
    return boto3.client(
        "sts", endpoint_url=stack.aws_endpoint_url, region_name="us-east-1", config=config, **credentials
    )


def client(stack, service):
    return boto3.client(
        service,
        endpoint_url=stack.aws_endpoint_url,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


def assume(stack, saml, role=realm.ROLE_USER, provider=realm.PROVIDER_ARN, **extra):
    return sts(stack).assume_role_with_saml(RoleArn=role, PrincipalArn=provider, SAMLAssertion=saml, **extra)


def caller_arn(stack, creds) -> str:
    client = sts(
        stack,
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )
    return client.get_caller_identity()["Arn"]


def error(excinfo) -> tuple[str, int]:
    err = excinfo.value.response
    return err["Error"]["Code"], err["ResponseMetadata"]["HTTPStatusCode"]


def test_user_with_one_role_gets_credentials(aws):
    answer = assume(aws, saml_response_for("aws_user"))
    assert caller_arn(aws, answer["Credentials"]) == (
        f"arn:aws:sts::{realm.ACCOUNT_ID}:assumed-role/Role.User/aws_user"
    )
    assert answer["Subject"] == "aws_user"
    assert answer["SubjectType"] == "persistent"
    assert answer["Audience"] == realm.AWS_ACS_URL
    assert answer["Issuer"] == aws.idp_metadata_url
    assert answer["NameQualifier"]


@pytest.mark.parametrize("role", realm.ROLES)
def test_admin_two_role_assertion_works_for_each_role(aws, role):
    answer = assume(aws, saml_response_for("aws_admin"), role=role)
    name = role.rsplit("/", 1)[-1]
    assert caller_arn(aws, answer["Credentials"]) == (f"arn:aws:sts::{realm.ACCOUNT_ID}:assumed-role/{name}/aws_admin")


def test_duration_is_honoured(aws):
    answer = assume(aws, saml_response_for("aws_admin"), role=realm.ROLE_ADMIN, DurationSeconds=43200)
    remaining = (answer["Credentials"]["Expiration"] - datetime.datetime.now(datetime.timezone.utc)).total_seconds()
    assert 43000 < remaining <= 43200


def test_role_not_granted_is_access_denied(aws):
    with pytest.raises(ClientError) as excinfo:
        assume(aws, saml_response_for("aws_user"), role=realm.ROLE_ADMIN)
    assert error(excinfo) == ("AccessDenied", 403)
    assert "Not authorized to perform sts:AssumeRoleWithSAML" in str(excinfo.value)


def test_nonexistent_provider_is_access_denied(aws):
    other = realm.PROVIDER_ARN.replace(realm.PROVIDER_NAME, "NoSuchProvider")
    with pytest.raises(ClientError) as excinfo:
        assume(aws, saml_response_for("aws_user"), provider=other)
    assert error(excinfo) == ("AccessDenied", 403)


def test_role_missing_in_iam_is_access_denied(aws):
    saml = saml_response_for("aws_user")
    iam = client(aws, "iam")
    iam.delete_role_policy(RoleName="Role.User", PolicyName="s3-access")
    iam.delete_role(RoleName="Role.User")
    with pytest.raises(ClientError) as excinfo:
        assume(aws, saml)
    assert error(excinfo) == ("AccessDenied", 403)


def test_role_that_does_not_trust_the_provider_is_access_denied(aws):
    saml = saml_response_for("aws_user")
    client(aws, "iam").update_assume_role_policy(
        RoleName="Role.User",
        PolicyDocument=(
            '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": '
            '{"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}'
        ),
    )
    with pytest.raises(ClientError) as excinfo:
        assume(aws, saml)
    assert error(excinfo) == ("AccessDenied", 403)


def test_tampered_assertion_is_invalid(aws):
    xml = base64.b64decode(saml_response_for("aws_user")).decode()
    tampered = xml.replace("role/Role.User,", "role/Role.Admin,")
    assert tampered != xml
    with pytest.raises(ClientError) as excinfo:
        assume(aws, base64.b64encode(tampered.encode()).decode(), role=realm.ROLE_ADMIN)
    assert error(excinfo) == ("InvalidIdentityToken", 400)


def _xml(saml: str):
    from lxml import etree

    return etree.fromstring(base64.b64decode(saml))


def _b64(root) -> str:
    from lxml import etree

    return base64.b64encode(etree.tostring(root)).decode()


NS = {
    "samlp": "urn:oasis:names:tc:SAML:2.0:protocol",
    "saml": "urn:oasis:names:tc:SAML:2.0:assertion",
    "ds": "http://www.w3.org/2000/09/xmldsig#",
}


def test_assertion_signed_alone_is_accepted(aws):
    root = _xml(saml_response_for("aws_user"))
    root.remove(root.find("ds:Signature", NS))  # only the assertion's own signature is left
    assert caller_arn(aws, assume(aws, _b64(root))["Credentials"]).endswith("/aws_user")


def test_unsigned_assertion_is_invalid(aws):
    root = _xml(saml_response_for("aws_user"))
    for signature in root.findall(".//ds:Signature", NS):
        signature.getparent().remove(signature)
    with pytest.raises(ClientError) as excinfo:
        assume(aws, _b64(root))
    assert error(excinfo) == ("InvalidIdentityToken", 400)


def test_assertion_signed_by_another_key_is_invalid(aws):
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID
    from signxml import XMLSigner

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "attacker")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    root = _xml(saml_response_for("aws_user"))
    for signature in root.findall(".//ds:Signature", NS):
        signature.getparent().remove(signature)
    for value in root.iterfind(".//saml:AttributeValue", NS):
        value.text = (value.text or "").replace("role/Role.User,", "role/Role.Admin,")
    signed = XMLSigner(c14n_algorithm="http://www.w3.org/2001/10/xml-exc-c14n#").sign(
        root,
        key=key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
        cert=cert.public_bytes(serialization.Encoding.PEM).decode(),
    )
    with pytest.raises(ClientError) as excinfo:
        assume(aws, _b64(signed), role=realm.ROLE_ADMIN)
    assert error(excinfo) == ("InvalidIdentityToken", 400)


def test_signature_wrapping_cannot_add_a_role(aws):
    import copy

    root = _xml(saml_response_for("aws_user"))
    genuine = root.find("saml:Assertion", NS)
    forged = copy.deepcopy(genuine)
    forged.remove(forged.find("ds:Signature", NS))
    forged.set("ID", "_forged")
    for value in forged.iterfind(".//saml:AttributeValue", NS):
        value.text = (value.text or "").replace("role/Role.User,", "role/Role.Admin,")
    genuine.addprevious(forged)
    with pytest.raises(ClientError) as excinfo:
        assume(aws, _b64(root), role=realm.ROLE_ADMIN)
    assert error(excinfo)[0] in ("AccessDenied", "InvalidIdentityToken")


def test_hostile_xml_is_invalid_not_500(aws):
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><r>&b;</r>'
    )
    with pytest.raises(ClientError) as excinfo:
        assume(aws, base64.b64encode(bomb).decode())
    assert error(excinfo) == ("InvalidIdentityToken", 400)


@pytest.mark.parametrize(
    "garbage",
    ["!!!not base64!!!", base64.b64encode(b"not xml").decode(), base64.b64encode(b"<a>unsigned</a>").decode()],
)
def test_garbage_is_invalid_identity_token_not_500(aws, garbage):
    with pytest.raises(ClientError) as excinfo:
        assume(aws, garbage)
    assert error(excinfo) == ("InvalidIdentityToken", 400)


def test_duration_over_role_maximum_is_validation_error(aws):
    with pytest.raises(ClientError) as excinfo:
        assume(aws, saml_response_for("aws_user"), DurationSeconds=7200)
    assert error(excinfo) == ("ValidationError", 400)
    assert "exceeds the MaxSessionDuration set for this role" in str(excinfo.value)


def test_expired_assertion(aws):
    saml = saml_response_for("aws_user")
    aws.shift_sts_clock(600)
    with pytest.raises(ClientError) as excinfo:
        assume(aws, saml)
    assert error(excinfo) == ("ExpiredTokenException", 400)


@pytest.mark.parametrize("role", realm.ROLES)
def test_void_user_grants_nothing(aws, role):
    with pytest.raises(ClientError) as excinfo:
        assume(aws, saml_response_for("aws_void"), role=role)
    assert error(excinfo) == ("AccessDenied", 403)


def test_keycloak_style_url_gives_the_same_assertion(aws):
    saml = saml_response_for("aws_user", idp_url=aws.keycloak_style_url)
    assert caller_arn(aws, assume(aws, saml)["Credentials"]).endswith("/Role.User/aws_user")


def test_listener_sp_posts_to_loopback_and_still_works_with_sts(aws):
    with requests.Session() as session:
        page = httplogin.login_page(session, aws.listener_idp_url)
        answer = httplogin.submit_login(session, page, "aws_user", "aws_user")
    assert httplogin.acs_url(answer.text) == f"http://127.0.0.1:{aws.listener_port}/saml"
    saml = aws.saml_response_for("aws_user", listener=True)
    assert caller_arn(aws, assume(aws, saml)["Credentials"]).endswith("/Role.User/aws_user")


def test_wrong_password_gives_the_form_again(stack):
    with requests.Session() as session:
        page = httplogin.login_page(session, stack.idp_url)
        answer = httplogin.submit_login(session, page, "aws_user", "wrong")
    assert answer.status_code == 200
    assert "Incorrect username or password" in answer.text
    assert 'name="password"' in answer.text
    with pytest.raises(httplogin.LoginFailed):
        saml_response_for("aws_user", "wrong")


def test_response_page_auto_posts_to_aws(stack):
    with requests.Session() as session:
        page = httplogin.login_page(session, stack.idp_url)
        answer = httplogin.submit_login(session, page, "aws_user", "aws_user")
    assert httplogin.acs_url(answer.text) == realm.AWS_ACS_URL
    assert "post.js" in answer.text


def test_seeded_realm(aws):
    iam, s3 = client(aws, "iam"), client(aws, "s3")
    assert realm.BUCKET in {b["Name"] for b in s3.list_buckets()["Buckets"]}
    providers = {p["Arn"] for p in iam.list_saml_providers()["SAMLProviderList"]}
    assert providers == {realm.PROVIDER_ARN}
    for arn, maximum in realm.ROLE_MAX_SESSION_DURATION.items():
        role = iam.get_role(RoleName=arn.rsplit("/", 1)[-1])["Role"]
        assert role["Arn"] == arn and role["MaxSessionDuration"] == maximum


# -- the response page auto-posts in a real headless Chromium --------------------------------


@pytest.fixture
def listener(stack):
    """A loopback ACS on the stack's listener port that records the one POST it gets."""
    import http.server
    import threading
    from urllib.parse import parse_qs

    posts: list[dict[str, str]] = []

    class Acs(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # http.server's naming
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
            posts.append({"path": self.path, **{k: v[0] for k, v in parse_qs(body).items()}})
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(b"<html><body>received</body></html>")

        def log_message(self, *args):  # keep pytest output clean
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", stack.listener_port), Acs)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield posts
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.browser
def test_headless_chromium_logs_in_and_the_page_auto_posts(aws, listener, tmp_path):
    import shutil
    import time

    from selenium import webdriver
    from selenium.webdriver.common.by import By

    if not (shutil.which("chromium") and shutil.which("chromedriver")):
        pytest.fail("needs chromium and chromedriver: python -m devstack install")
    options = webdriver.ChromeOptions()
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
    ):
        options.add_argument(flag)
    options.binary_location = shutil.which("chromium")
    service = webdriver.ChromeService(executable_path=shutil.which("chromedriver"))
    driver = webdriver.Chrome(options=options, service=service)
    try:
        driver.get(aws.listener_idp_url)
        driver.find_element(By.NAME, "username").send_keys("aws_admin")
        driver.find_element(By.NAME, "password").send_keys("aws_admin")
        driver.find_element(By.NAME, "password").submit()
        deadline = time.monotonic() + 20
        while not listener and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        driver.quit()
    assert listener, "the IdP's response page did not auto-post to the ACS"
    assert listener[0]["path"] == "/saml"
    answer = assume(aws, listener[0]["SAMLResponse"], role=realm.ROLE_ADMIN)
    assert caller_arn(aws, answer["Credentials"]).endswith("/Role.Admin/aws_admin")


# -- the command line: up is idempotent, down leaves nothing, a taken port is a clear error ---


def devstack_cli(state_dir, *args, env_extra=None, timeout=60):
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "ASS_STACK_DIR": str(state_dir), **(env_extra or {})}
    return subprocess.run(
        [str(root / "dev" / "stack"), *args],
        capture_output=True,
        text=True,
        env={**env, "PYTHON": sys.executable},
        timeout=timeout,
        check=False,
    )


def test_cli_up_status_env_down(tmp_path):
    from devstack import procs

    ports = {"ASS_STACK_IDP_PORT": str(procs.free_port()), "ASS_STACK_AWS_PORT": str(procs.free_port())}
    state = tmp_path / "state"
    try:
        first = devstack_cli(state, "up", env_extra=ports)
        assert first.returncode == 0, first.stderr
        # its hints: the clone's dev/stack by full path, which works anywhere (issue 25 item 6)
        stack = Path(__file__).resolve().parent.parent / "dev" / "stack"
        assert f'eval "$({stack} env)"' in first.stderr and f"{stack} down" in first.stderr
        assert "python -m devstack" not in first.stderr
        again = devstack_cli(state, "up", env_extra=ports)
        assert again.returncode == 0 and "already running" in again.stderr
        status = devstack_cli(state, "status")
        assert status.returncode == 0 and "idp: running" in status.stdout
        env = devstack_cli(state, "env").stdout
        assert f"export AWS_ENDPOINT_URL=http://127.0.0.1:{ports['ASS_STACK_AWS_PORT']}" in env
        assert "export ASS_DEV_IDP_URL=" in env
        pids = [procs.read_pid(name, state) for name in ("idp", "aws")]
        assert all(procs.group_members(pid) for pid in pids)
    finally:
        down = devstack_cli(state, "down")
    assert down.returncode == 0 and "stopped: idp, aws" in down.stderr
    assert not any(procs.group_members(pid) for pid in pids)
    assert devstack_cli(state, "status").returncode == 3


def test_cli_up_fails_clearly_when_a_port_is_taken(tmp_path):
    import socket

    from devstack import procs

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = devstack_cli(tmp_path / "state", "up", "--idp-port", str(port), "--aws-port", str(procs.free_port()))
    assert result.returncode == 1
    assert f"port {port} (IdP) is already in use" in result.stderr
    assert "Traceback" not in result.stderr


def test_install_is_quiet_when_everything_is_present(tmp_path):
    from devstack import install

    if install.missing():
        pytest.skip(f"not everything is installed here: {install.missing()}")
    result = devstack_cli(tmp_path, "install")
    assert result.returncode == 0
    assert result.stdout == "" and result.stderr == ""


# --- Keycloak (devstack/keycloak.py): the cache, without starting Keycloak ------------------


@pytest.fixture
def kc_cache(tmp_path, monkeypatch):
    """An empty Keycloak cache and Maven repository of the test's own."""
    monkeypatch.setenv("ASS_KEYCLOAK_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("ASS_MAVEN_REPO", str(tmp_path / "m2"))
    return tmp_path


def test_keycloak_zip_with_a_wrong_checksum_is_refused_and_deleted(kc_cache):
    from devstack import keycloak
    from devstack.procs import StackError

    archive = keycloak.maven_zip()
    archive.parent.mkdir(parents=True)
    archive.write_bytes(b"PK\x05\x06" + b"\0" * 18)  # a valid, empty zip: not the pinned one
    with pytest.raises(StackError, match="is not the pinned"):
        keycloak.ensure()
    assert not archive.exists()  # the next run fetches it anew
    assert not keycloak.dist_dir().exists()


def test_keycloak_in_the_cache_is_reused_without_maven(kc_cache, monkeypatch):
    from devstack import keycloak

    dist = keycloak.dist_dir()
    dist.mkdir(parents=True)
    (dist / ".verified-sha256").write_text(keycloak.SHA256 + "\n")
    monkeypatch.setenv("PATH", str(kc_cache / "empty"))  # no mvn, no java: nothing may run
    assert keycloak.ensure() == dist


def test_keycloak_not_cached_and_no_maven_says_how_to_get_it(kc_cache, monkeypatch):
    from devstack import keycloak
    from devstack.procs import StackError

    monkeypatch.setenv("PATH", str(kc_cache / "empty"))
    with pytest.raises(StackError, match=r"dev/setup\.sh"):
        keycloak.ensure()


def test_keycloak_home_copies_what_it_writes_and_links_the_jars(kc_cache):
    from devstack import keycloak

    dist = kc_cache / "dist"
    for sub in ("bin", "conf", "lib/app", "lib/lib/main", "lib/quarkus", "providers", "themes"):
        (dist / sub).mkdir(parents=True)
    for name in ("bin/kc.sh", "conf/keycloak.conf", "lib/quarkus-run.jar", "lib/quarkus/x.dat", "version.txt"):
        (dist / name).write_text(name)
    home = kc_cache / "home"
    keycloak.make_home(dist, home)
    # Keycloak writes its build into lib/quarkus and reads kc.sh's own path as its home.
    for own in ("bin/kc.sh", "conf", "lib/quarkus", "lib/quarkus-run.jar"):
        assert not (home / own).is_symlink() and (home / own).exists(), own
    assert (home / "lib" / "lib").resolve() == (dist / "lib" / "lib").resolve()
    (home / "lib" / "quarkus" / "x.dat").write_text("rebuilt")
    assert (dist / "lib" / "quarkus" / "x.dat").read_text() == "lib/quarkus/x.dat"


def test_keycloak_settings_urls_and_state_round_trip(tmp_path):
    from devstack import stack
    from devstack.settings import Settings

    settings = Settings(state_dir=tmp_path, idp_port=18080, aws_port=14566, listener_port=18090, idp="keycloak")
    assert settings.idp_url == "http://127.0.0.1:18080" + realm.KEYCLOAK_IDP_INITIATED_PATH
    assert settings.idp_metadata_url == "http://127.0.0.1:18080/auth/realms/master/protocol/saml/descriptor"
    assert settings.exports()["ASS_DEV_IDP"] == "keycloak"
    stack._save(settings)
    assert stack.load(tmp_path) == settings


# --- LocalStack (devstack/localstack.py): --aws localstack ----------------------------------


def test_localstack_settings_state_round_trip_and_exports(tmp_path):
    from devstack import stack
    from devstack.settings import Settings

    settings = Settings(state_dir=tmp_path, idp_port=18080, aws_port=14566, listener_port=18090, aws="localstack")
    assert settings.exports()["ASS_DEV_AWS"] == "localstack"
    stack._save(settings)
    assert stack.load(tmp_path) == settings


def test_localstack_state_written_before_the_option_means_moto(tmp_path):
    import json

    from devstack import stack

    (tmp_path / "stack.json").write_text(
        json.dumps({"version": 1, "idp_port": 1, "aws_port": 2, "listener_port": 3, "idp": "keycloak"})
    )
    assert stack.load(tmp_path).aws == "moto"


def test_localstack_listens_on_loopback_only_with_its_own_directories(tmp_path):
    from devstack import localstack
    from devstack.settings import Settings

    env = localstack.environment(Settings(state_dir=tmp_path, aws_port=14566))
    # hypercorn: the default gateway server binds 0.0.0.0 whatever GATEWAY_LISTEN's host says.
    assert env["GATEWAY_SERVER"] == "hypercorn"
    assert env["GATEWAY_LISTEN"] == "127.0.0.1:14566"
    assert env["FILESYSTEM_ROOT"].startswith(str(tmp_path))
    assert not any(key.startswith("AWS_") for key in env)


def test_localstack_venv_install_failure_is_one_clear_error(tmp_path, monkeypatch):
    from devstack import localstack
    from devstack.procs import StackError

    monkeypatch.setenv("ASS_LOCALSTACK_VENV", str(tmp_path / "venv"))
    monkeypatch.setenv("ASS_LOCALSTACK_PYTHON", "/bin/false")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    with pytest.raises(StackError, match="LocalStack install: making its venv failed"):
        localstack.ensure()
    assert not (tmp_path / "venv").exists()


def test_localstack_ready_venv_is_reused_without_installing(tmp_path, monkeypatch):
    from devstack import localstack

    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / ".awscli-saml-sso-ready").write_text("4.13.1\n")
    monkeypatch.setenv("ASS_LOCALSTACK_VENV", str(venv))
    monkeypatch.setenv("ASS_LOCALSTACK_PYTHON", "/bin/false")  # would fail if it installed
    assert localstack.ensure() == venv / "bin" / "python"


@pytest.mark.e2e
@pytest.mark.localstack
def test_cli_up_aws_localstack_status_down_leaves_nothing(tmp_path):
    from devstack import procs

    ports = ["--idp-port", str(procs.free_port()), "--aws-port", str(procs.free_port())]
    state = tmp_path / "state"
    try:
        up = devstack_cli(state, "up", "--aws", "localstack", *ports, timeout=300)
        assert up.returncode == 0, up.stderr
        status = devstack_cli(state, "status")
        assert status.returncode == 0 and "(localstack)" in status.stdout, status.stdout
        assert "export ASS_DEV_AWS=localstack" in devstack_cli(state, "env").stdout
        pid = procs.read_pid("aws", state)
        assert procs.group_members(pid)
    finally:
        down = devstack_cli(state, "down")
    assert down.returncode == 0 and "stopped: idp, aws" in down.stderr
    assert not procs.group_members(pid)


# ---- the AWS federation endpoint (issue 25 item 10) ----------------------------------------------


def federation(stack, **params) -> requests.Response:
    return requests.get(stack.settings.federation_url, params=params, timeout=30)


def session_of(creds) -> str:
    import json

    return json.dumps(
        {
            "sessionId": creds["AccessKeyId"],
            "sessionKey": creds["SecretAccessKey"],
            "sessionToken": creds["SessionToken"],
        }
    )


def test_federation_signs_in_with_credentials_the_stack_issued(aws):
    creds = assume(aws, saml_response_for("aws_user"))["Credentials"]
    got = federation(aws, Action="getSigninToken", Session=session_of(creds))
    assert got.status_code == 200, got.text
    token = got.json()["SigninToken"]
    page = federation(aws, Action="login", Issuer="t", Destination="https://console.aws.amazon.com/", SigninToken=token)
    assert page.status_code == 200
    assert f"arn:aws:sts::{realm.ACCOUNT_ID}:assumed-role/Role.User/aws_user" in page.text
    assert federation(aws, Action="login", SigninToken="made-up").status_code == 400


def test_federation_refuses_credentials_it_did_not_issue_or_that_expired(aws):
    creds = assume(aws, saml_response_for("aws_user"), DurationSeconds=900)["Credentials"]
    wrong = dict(creds, SecretAccessKey="x" * 40)
    assert federation(aws, Action="getSigninToken", Session=session_of(wrong)).status_code == 400
    assert federation(aws, Action="getSigninToken", Session="not json").status_code == 400
    requests.post(f"{aws.aws_endpoint_url}/devstack/clock", data={"seconds": "1000"}, timeout=30)
    try:
        assert federation(aws, Action="getSigninToken", Session=session_of(creds)).status_code == 400
    finally:
        requests.post(f"{aws.aws_endpoint_url}/devstack/clock", data={"seconds": "0"}, timeout=30)


def test_env_points_console_at_the_stack_federation_endpoint_on_moto_only(tmp_path):
    from devstack.settings import Settings

    moto = Settings(state_dir=tmp_path, aws_port=4999).exports()
    assert moto["ASS_FEDERATION_URL"] == "http://127.0.0.1:4999/federation"  # the tool's own variable
    assert "ASS_FEDERATION_URL" not in Settings(state_dir=tmp_path, aws="localstack").exports()


# ---- dev/demo.sh (issue 25 items 4, 6, 10, 11) --------------------------------------------------


def test_demo_logs_in_prints_a_console_url_and_leaves_no_keys_behind(tmp_path):
    """The whole demo on its own ports: its AWS files (live keys) are gone when it ends, its hints
    name the stack by the clone's dev/stack, and `console --print` works on the stack."""
    import os
    import shutil
    import subprocess
    import tempfile
    from pathlib import Path

    from devstack import procs

    root = Path(__file__).resolve().parent.parent
    # the demo's TMPDIR: short, as Chromium puts a socket under it (paths of ~100 characters at most)
    scratch = Path(tempfile.mkdtemp(prefix="ass-demo-", dir="/tmp"))
    ports = {f"ASS_STACK_{name}_PORT": str(procs.free_port()) for name in ("IDP", "AWS", "LISTENER")}
    env = {**os.environ, **ports, "ASS_STACK_DIR": str(tmp_path / "state"), "TMPDIR": str(scratch)}
    try:
        demo = subprocess.run(
            ["bash", str(root / "dev" / "demo.sh")], env=env, capture_output=True, text=True, timeout=600
        )
    finally:
        subprocess.run([str(root / "dev" / "stack"), "down"], env=env, capture_output=True, timeout=120)
        left = list(scratch.iterdir())
        shutil.rmtree(scratch)
    assert demo.returncode == 0, demo.stdout + demo.stderr
    assert "s3://example-bucket" in demo.stdout
    assert left == []  # before: tmp.XXXX/credentials with keys valid an hour
    federation_url = f"http://127.0.0.1:{ports['ASS_STACK_AWS_PORT']}/federation"
    login = next(line for line in demo.stdout.splitlines() if line.startswith(federation_url + "?Action=login"))
    assert "SigninToken=" in login
    said = demo.stdout + demo.stderr
    stack = str(root / "dev" / "stack")
    assert f'eval "$({stack} env)"' in said and f"{stack} down" in said
    assert "python -m devstack" not in said


# ---- dev/test.sh ends with its summary (issue 25 item 3) ------------------------------------------

FAKE_PYTHON = """#!{real}
# A stand-in for the venvs' Pythons: pytest writes a junit report (one test failing in the stages
# named by FAIL_IN) and prints a "passed" line, pip exits FAIL_PIP, venv and devstack do nothing,
# the rest is Python.
import os, shutil, sys
args = sys.argv[1:]
if args[:2] == ["-m", "pytest"]:
    report = next(a.split("=", 1)[1] for a in args if a.startswith("--junitxml="))
    stage = os.path.basename(report)[: -len(".xml")]
    failing = stage in os.environ.get("FAIL_IN", "").split(",")
    cases = '<testcase classname="tests.test_fine" name="test_fine"/>'
    if failing:
        name = "test_" + stage.replace("-", "_").replace(".", "_") + "[x]"
        cases += f'<testcase classname="tests.test_broken" name="{{name}}"><failure message="boom"/></testcase>'
    with open(report, "w") as out:
        out.write(f"<testsuites><testsuite>{{cases}}</testsuite></testsuites>")
    print("1 failed, 1 passed" if failing else "696 passed")
    sys.exit(1 if failing else 0)
if args[:2] == ["-m", "venv"]:
    os.makedirs(os.path.join(args[2], "bin"))
    shutil.copy(__file__, os.path.join(args[2], "bin", "python"))
    sys.exit(0)
if args[:2] == ["-m", "pip"]:
    sys.exit(int(os.environ.get("FAIL_PIP", "0")))
if args[:2] == ["-m", "devstack"] or args[:1] == ["-c"]:
    sys.exit(0)
if args == ["--version"]:
    sys.exit(print("Python 3.x"))
os.execv("{real}", ["{real}", *args])
"""


@pytest.fixture
def test_sh(tmp_path):
    """dev/test.sh and dev/summary.py in a scratch clone whose setup, ruff and Pythons (the
    project's venv and pyenv's 3.10 and 3.13) are stand-ins: how it ends, without the suite."""
    import os
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    repo = tmp_path / "repo"
    (repo / "dev").mkdir(parents=True)
    (repo / "tests").mkdir()
    (repo / "tests" / "test_broken.py").write_text("")
    for name in ("test.sh", "summary.py"):
        shutil.copy(root / "dev" / name, repo / "dev" / name)
    (repo / "dev" / "setup.sh").write_text("exit 0\n")
    fake = FAKE_PYTHON.format(real=sys.executable)
    pythons = [repo / ".venv" / "bin" / "python"]
    pythons += [tmp_path / "pyenv" / "versions" / f"{v}.0" / "bin" / f"python{v}" for v in ("3.10", "3.13")]
    for path in pythons:
        path.parent.mkdir(parents=True)
        path.write_text(fake)
        path.chmod(0o755)
    (repo / ".venv" / "bin" / "ruff").write_text('#!/bin/sh\nexit "${FAIL_LINT:-0}"\n')
    (repo / ".venv" / "bin" / "ruff").chmod(0o755)

    def run(**extra: str) -> subprocess.CompletedProcess:
        env = {**os.environ, "PYENV_ROOT": str(tmp_path / "pyenv"), "TMPDIR": str(tmp_path), **extra}
        return subprocess.run(
            ["bash", str(repo / "dev" / "test.sh")], env=env, capture_output=True, text=True, timeout=120
        )

    return run


def test_test_sh_ends_with_one_line_per_stage_and_the_failed_tests_named(test_sh):
    done = test_sh(FAIL_IN="main")
    assert done.returncode == 1
    # before: its last line was the 3.13 unit run's "696 passed", the failure far above
    assert done.stdout.splitlines()[-7:] == [
        "== dev/test.sh summary",
        "lint        ok",
        "main suite  FAILED (exit 1): 1 passed, 1 failed",
        "3.10 units  ok: 1 passed",
        "3.13 units  ok: 1 passed",
        "== 1 failed test:",
        "FAILED tests/test_broken.py::test_main[x]",
    ], done.stdout


def test_test_sh_summary_names_failures_of_every_stage_and_passes_when_all_pass(test_sh):
    done = test_sh(FAIL_IN="units-3.10,units-3.13", FAIL_LINT="1")
    assert done.returncode == 1
    assert done.stdout.splitlines()[-4:] == [
        "3.13 units  FAILED (exit 1): 1 passed, 1 failed",
        "== 2 failed tests:",
        "FAILED tests/test_broken.py::test_units_3_10[x]",
        "FAILED tests/test_broken.py::test_units_3_13[x]",
    ], done.stdout
    assert "lint        FAILED (exit 1)" in done.stdout.splitlines()
    broken_pip = test_sh(FAIL_PIP="3")  # a unit venv that cannot be set up is its stage's failure
    assert broken_pip.returncode == 1
    assert broken_pip.stdout.splitlines()[-2:] == ["3.10 units  FAILED (exit 3)", "3.13 units  FAILED (exit 3)"]
    passed = test_sh()
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert passed.stdout.splitlines()[-1] == "3.13 units  ok: 1 passed"


@pytest.mark.parametrize("apt_fails", [False, True])
def test_install_removes_the_policy_rc_d_it_made(tmp_path, monkeypatch, apt_fails):
    """`dev/stack install` blocks service starts during apt-get only (simplesamlphp pulls in
    apache2); before, its policy-rc.d stayed and blocked every later service start on the host."""
    import os
    import subprocess

    from devstack import install

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "calls.log"
    policy = tmp_path / "policy-rc.d"
    stub = f'#!/bin/sh\necho "$(basename "$0") $* policy:$([ -e {policy} ] && echo present)" >> {log}\n'
    (bin_dir / "dpkg-query").write_text(stub + "exit 1\n")  # nothing installed
    (bin_dir / "apt-get").write_text(stub + ('[ "$1" = install ] && exit 100\n' if apt_fails else "") + "exit 0\n")
    for name in ("dpkg-query", "apt-get"):
        (bin_dir / name).chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
    monkeypatch.setattr(install, "POLICY_RC_D", policy)
    monkeypatch.setattr(os, "geteuid", lambda: 0)  # as root: no sudo
    if apt_fails:
        with pytest.raises(subprocess.CalledProcessError):
            install.install(log=lambda message: None)
    else:
        assert install.install(log=lambda message: None) == list(install.PACKAGES)
    assert "apt-get install -y -qq --no-install-recommends" in log.read_text()
    assert all(line.endswith("policy:present") for line in log.read_text().splitlines() if line.startswith("apt-get"))
    assert not policy.exists()
