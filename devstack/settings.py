"""Where the stack lives and which ports it uses: options, then environment, then defaults."""

from __future__ import annotations

import dataclasses
import os
import shlex
from pathlib import Path
from urllib.parse import quote

from devstack import realm

REPO_ROOT = Path(__file__).resolve().parent.parent
# The one spelling of the stack's commands in every hint: the clone's dev/stack by its full path
# works from any directory and any Python (``python -m devstack`` only inside the clone's venv).
STACK_COMMAND = shlex.quote(str(REPO_ROOT / "dev" / "stack"))
HOST = "127.0.0.1"
SIMPLESAMLPHP = "simplesamlphp"
KEYCLOAK = "keycloak"
IDPS = (SIMPLESAMLPHP, KEYCLOAK)
# The AWS side: the strict STS on moto (default), or LocalStack itself (single-role assertions only).
MOTO = "moto"
LOCALSTACK = "localstack"
AWS_SIDES = (MOTO, LOCALSTACK)


@dataclasses.dataclass(frozen=True)
class Settings:
    state_dir: Path
    idp_port: int = realm.DEFAULT_IDP_PORT
    aws_port: int = realm.DEFAULT_AWS_PORT
    listener_port: int = realm.LISTENER_DEFAULT_PORT
    idp: str = SIMPLESAMLPHP  # or KEYCLOAK (slower to start, the real thing)
    aws: str = MOTO  # or LOCALSTACK

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        """Explicit values (not None) win over ASS_STACK_* variables, which win over defaults."""
        env = os.environ
        values = {
            "state_dir": Path(env.get("ASS_STACK_DIR") or REPO_ROOT / ".stack"),
            "idp_port": int(env.get("ASS_STACK_IDP_PORT") or realm.DEFAULT_IDP_PORT),
            "aws_port": int(env.get("ASS_STACK_AWS_PORT") or realm.DEFAULT_AWS_PORT),
            "listener_port": int(env.get("ASS_STACK_LISTENER_PORT") or realm.LISTENER_DEFAULT_PORT),
            "idp": env.get("ASS_STACK_IDP") or SIMPLESAMLPHP,
            "aws": env.get("ASS_STACK_AWS") or MOTO,
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        values["state_dir"] = Path(values["state_dir"]).resolve()
        return cls(**values)  # type: ignore[arg-type]

    # -- URLs -------------------------------------------------------------------------------

    @property
    def idp_base_url(self) -> str:
        return f"http://{HOST}:{self.idp_port}"

    @property
    def aws_endpoint_url(self) -> str:
        return f"http://{HOST}:{self.aws_port}"

    def idp_initiated_url(self, sp_entity_id: str) -> str:
        return f"{self.idp_base_url}/simplesaml/saml2/idp/SSOService.php?spentityid={quote(sp_entity_id, safe='')}"

    @property
    def keycloak(self) -> bool:
        return self.idp == KEYCLOAK

    @property
    def keycloak_base_url(self) -> str:
        """Keycloak's own base (its --hostname): every URL it makes starts with this."""
        return self.idp_base_url + realm.KEYCLOAK_PREFIX

    @property
    def idp_url(self) -> str:
        if self.keycloak:
            return self.keycloak_style_url
        return self.idp_initiated_url(realm.SP_ENTITY_ID)

    @property
    def keycloak_style_url(self) -> str:
        return self.idp_base_url + realm.KEYCLOAK_IDP_INITIATED_PATH

    @property
    def listener_idp_url(self) -> str:
        if self.keycloak:
            return self.idp_base_url + realm.KEYCLOAK_LISTENER_PATH
        return self.idp_initiated_url(realm.LISTENER_SP_ENTITY_ID)

    @property
    def listener_acs_url(self) -> str:
        return f"http://{HOST}:{self.listener_port}/saml"

    @property
    def idp_metadata_url(self) -> str:
        if self.keycloak:
            return self.idp_base_url + realm.KEYCLOAK_METADATA_PATH
        return f"{self.idp_base_url}/simplesaml/saml2/idp/metadata.php"

    @property
    def federation_url(self) -> str | None:
        """The AWS sign-in endpoint for ``console`` (devstack/federation.py): moto's side only."""
        return self.aws_endpoint_url + "/federation" if self.aws == MOTO else None

    def exports(self) -> dict[str, str]:
        """What `dev/stack env` prints: enough to point the tool and the AWS CLI here."""
        exports = {
            "AWS_ENDPOINT_URL": self.aws_endpoint_url,
            "AWS_DEFAULT_REGION": "us-east-1",
            "ASS_STACK_DIR": str(self.state_dir),
            "ASS_DEV_IDP_URL": self.idp_url,
            "ASS_DEV_KEYCLOAK_STYLE_URL": self.keycloak_style_url,
            "ASS_DEV_LISTENER_IDP_URL": self.listener_idp_url,
            "ASS_DEV_LISTENER_PORT": str(self.listener_port),
            "ASS_DEV_IDP_BASE_URL": self.idp_base_url,
            "ASS_DEV_IDP": self.idp,
            "ASS_DEV_AWS": self.aws,
        }
        if self.federation_url:  # the tool's own variable: `console` signs in here, not at AWS
            exports["ASS_FEDERATION_URL"] = self.federation_url
        return exports
