#!/usr/bin/env bash
# The main job, end to end, on the Docker-free local stack: sets up everything, starts the IdP
# (SimpleSAMLphp; `--idp keycloak`: the real Keycloak, fetched once into ~/.cache/awscli-saml-sso)
# and the AWS emulator (strict moto), logs in as aws_user in headless Chromium, then lists
# example-bucket with the new profile. AWS files go to a temporary directory.
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
bash dev/setup.sh
export SE_OFFLINE=true SE_AVOID_STATS=true
PY=.venv/bin/python
# A running stack with the other IdP is stopped first: the demo shows the IdP asked for.
if $PY -m devstack status >/dev/null 2>&1 && [ "$($PY -m devstack env | sed -n "s/^export ASS_DEV_IDP=//p")" != "$idp" ]; then
  $PY -m devstack down
fi
$PY -m devstack up --idp "$idp"
eval "$($PY -m devstack env)"
demo=$(mktemp -d)
export AWS_SHARED_CREDENTIALS_FILE=$demo/credentials AWS_CONFIG_FILE=$demo/config ASS_HOME=$demo/tool-home
echo "== IdP: $idp"
echo "== awscli_saml_sso --idp-url $ASS_DEV_IDP_URL --username aws_user --password-stdin --endpoint-url $AWS_ENDPOINT_URL"
echo aws_user | .venv/bin/awscli_saml_sso --idp-url "$ASS_DEV_IDP_URL" --username aws_user \
  --password-stdin --endpoint-url "$AWS_ENDPOINT_URL"
echo "== profile [saml] in $AWS_SHARED_CREDENTIALS_FILE; listing buckets with it:"
$PY - <<'PY'
import os, boto3
s3 = boto3.Session(profile_name="saml").client("s3", endpoint_url=os.environ["AWS_ENDPOINT_URL"])
for bucket in s3.list_buckets()["Buckets"]:
    print("  s3://" + bucket["Name"])
PY
echo "== the stack keeps running for you: '.venv/bin/python -m devstack down' stops it"
