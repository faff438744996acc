"""The test realm, reproducing the original project's Keycloak dev realm.

Single source of truth: the SimpleSAMLphp config, the AWS seed, the Keycloak realm export and
``localstack-setup.sh`` are all checked against these values by tests.
"""

ACCOUNT_ID = "000000000000"
PROVIDER_NAME = "SamlExampleProvider"
PROVIDER_ARN = f"arn:aws:iam::{ACCOUNT_ID}:saml-provider/{PROVIDER_NAME}"
ROLE_USER = f"arn:aws:iam::{ACCOUNT_ID}:role/Role.User"
ROLE_ADMIN = f"arn:aws:iam::{ACCOUNT_ID}:role/Role.Admin"
ROLES = (ROLE_USER, ROLE_ADMIN)
BUCKET = "example-bucket"

# username -> (password, granted role ARNs)
USERS = {
    "aws_user": ("aws_user", (ROLE_USER,)),
    "aws_admin": ("aws_admin", (ROLE_USER, ROLE_ADMIN)),
    "aws_void": ("aws_void", ()),
}

# Benchmark-only user (bench/run.py, --all-roles over 50 roles). Kept apart from USERS, which must
# match the Keycloak realm export; its roles are created in IAM by the benchmark itself.
BENCH_ROLES = tuple(f"arn:aws:iam::{ACCOUNT_ID}:role/Bench.Role{n:02d}" for n in range(50))
BENCH_USERS = {"aws_many": ("aws_many", BENCH_ROLES)}

SP_ENTITY_ID = "urn:amazon:webservices"
AWS_ACS_URL = "https://signin.aws.amazon.com/saml"
# Keycloak serves under /auth, as before Keycloak 17 (the original project's URLs).
KEYCLOAK_PREFIX = "/auth"
# Keycloak's IdP-initiated path for the client whose "IDP-Initiated SSO URL name" is amazon-aws.
KEYCLOAK_IDP_INITIATED_PATH = f"{KEYCLOAK_PREFIX}/realms/master/protocol/saml/clients/amazon-aws"
KEYCLOAK_LISTENER_PATH = f"{KEYCLOAK_PREFIX}/realms/master/protocol/saml/clients/awscli-saml-sso-listener"
KEYCLOAK_METADATA_PATH = f"{KEYCLOAK_PREFIX}/realms/master/protocol/saml/descriptor"
SESSION_DURATION = 3600

# A second SP for `--listen`: the IdP posts to a loopback ACS instead of AWS.
LISTENER_SP_ENTITY_ID = "urn:awscli-saml-sso:listener"
LISTENER_DEFAULT_PORT = 8090

# Default ports: the same as docker-compose.yml (Keycloak 8080, LocalStack 4566), so the same
# commands work on both stacks.
DEFAULT_IDP_PORT = 8080
DEFAULT_AWS_PORT = 4566

# IAM MaxSessionDuration of each role (seconds): Role.User keeps IAM's default, Role.Admin the
# AWS maximum, so "duration exceeds the role's maximum" can be provoked on Role.User.
ROLE_MAX_SESSION_DURATION = {ROLE_USER: 3600, ROLE_ADMIN: 43200}
