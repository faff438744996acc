#!/usr/bin/env bash
# The main job, end to end, on the Docker-free local stack: sets up everything, starts the IdP
# (SimpleSAMLphp) and the AWS emulator (strict moto), logs in as aws_user in headless Chromium,
# then lists example-bucket with the new profile. AWS files go to a temporary directory.
set -euo pipefail
cd "$(dirname "$0")/.."
bash dev/setup.sh
export SE_OFFLINE=true SE_AVOID_STATS=true
PY=.venv/bin/python
$PY -m devstack up
eval "$($PY -m devstack env)"
demo=$(mktemp -d)
export AWS_SHARED_CREDENTIALS_FILE=$demo/credentials AWS_CONFIG_FILE=$demo/config ASS_HOME=$demo/tool-home
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
