#!/usr/bin/env bash
# The main job, end to end, on the Docker-free local stack: installs what the demo needs
# (dev/setup.sh --demo), starts the IdP (SimpleSAMLphp; `--idp keycloak`: the real Keycloak,
# fetched once into ~/.cache/awscli-saml-sso) and the AWS emulator (strict moto), logs in as
# aws_user in headless Chromium, lists example-bucket with the new profile and prints its AWS
# console sign-in URL (the stack's own federation endpoint). The AWS files go to a temporary
# directory, removed when the demo ends: they hold live keys. The stack keeps running.
#   bash dev/demo.sh [--idp simplesamlphp|keycloak]
set -euo pipefail
cd "$(dirname "$0")/.."
idp=simplesamlphp
while [ $# -gt 0 ]; do
  case "$1" in
    --idp) idp=${2:?--idp needs simplesamlphp or keycloak}; shift 2 ;;
    --idp=*) idp=${1#--idp=}; shift ;;
    *) echo "usage: bash dev/demo.sh [--idp simplesamlphp|keycloak]" >&2; exit 2 ;;
  esac
done
setup=(--demo)
if [ "$idp" = keycloak ]; then setup+=(--keycloak); fi
bash dev/setup.sh "${setup[@]}"
export SE_OFFLINE=true SE_AVOID_STATS=true
# The stack by its full path: the spelling its own hints use, which works from any directory.
stack=$PWD/dev/stack
# A running stack with the other IdP is stopped first: the demo shows the IdP asked for.
if "$stack" status >/dev/null 2>&1 && [ "$("$stack" env | sed -n "s/^export ASS_DEV_IDP=//p")" != "$idp" ]; then
  "$stack" down
fi
"$stack" up --idp "$idp"
eval "$("$stack" env)"
demo=$(mktemp -d)
trap 'rm -rf "$demo"' EXIT  # however the demo ends: nothing it wrote stays behind
export AWS_SHARED_CREDENTIALS_FILE=$demo/credentials AWS_CONFIG_FILE=$demo/config ASS_HOME=$demo/tool-home
tool=.venv/bin/awscli_saml_sso
echo "== IdP: $idp"
echo "== awscli_saml_sso --idp-url $ASS_DEV_IDP_URL --username aws_user --password-stdin --endpoint-url $AWS_ENDPOINT_URL"
echo aws_user | "$tool" --idp-url "$ASS_DEV_IDP_URL" --username aws_user \
  --password-stdin --endpoint-url "$AWS_ENDPOINT_URL"
echo "== profile [saml] in $AWS_SHARED_CREDENTIALS_FILE; listing buckets with it:"
.venv/bin/python - <<'PY'
import os, boto3
s3 = boto3.Session(profile_name="saml").client("s3", endpoint_url=os.environ["AWS_ENDPOINT_URL"])
for bucket in s3.list_buckets()["Buckets"]:
    print("  s3://" + bucket["Name"])
PY
echo "== awscli_saml_sso console --print   (the stack's federation endpoint \$ASS_FEDERATION_URL stands in for AWS's):"
"$tool" console --print
echo "== the demo's AWS files are removed now (they hold live keys); the stack keeps running for you:"
# shellcheck disable=SC2016  # the $( ) is for the user's shell, printed as is
printf '   eval "$(%q env)"   points the tool and the AWS CLI at it\n' "$stack"
printf '   %q down            stops it\n' "$stack"
