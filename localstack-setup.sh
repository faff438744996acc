#!/bin/bash
# LocalStack READY hook (mounted into /etc/localstack/init/ready.d/): the AWS side of the test
# realm in devstack/realm.py. The bucket, the SAML provider built from Keycloak's IdP metadata,
# and the roles the assertion grants, each trusting that provider.
set -euo pipefail

bucket="example-bucket"
provider_name="SamlExampleProvider"
account_id="000000000000"
provider_arn="arn:aws:iam::${account_id}:saml-provider/${provider_name}"
metadata_url="${KEYCLOAK_URL:-http://keycloak:8080/auth}/realms/master/protocol/saml/descriptor"
workdir="$(mktemp -d)"
trap 'rm -rf "$workdir"' EXIT

echo "Creating S3 bucket ${bucket}..."
awslocal s3api create-bucket --bucket "$bucket"

echo "Fetching IdP metadata from ${metadata_url}..."
# Compose starts LocalStack after Keycloak is healthy; the retries cover a slow first request.
curl --fail --silent --show-error --retry 10 --retry-connrefused --retry-delay 2 \
    --output "${workdir}/idp-metadata.xml" "$metadata_url"

echo "Creating SAML provider ${provider_name}..."
awslocal iam create-saml-provider --name "$provider_name" \
    --saml-metadata-document "file://${workdir}/idp-metadata.xml"

cat >"${workdir}/trust-policy.json" <<JSON
{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Principal": {"Federated": "${provider_arn}"},
      "Action": "sts:AssumeRoleWithSAML",
      "Condition": {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}}
    }
  ]
}
JSON

cat >"${workdir}/bucket-policy.json" <<JSON
{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": ["s3:ListAllMyBuckets", "s3:ListBucket", "s3:GetObject", "s3:PutObject"],
      "Resource": ["arn:aws:s3:::*"]
    }
  ]
}
JSON

# create_role NAME MAX_SESSION_SECONDS
create_role() {
    echo "Creating role ${1} (max session ${2} s)..."
    awslocal iam create-role --role-name "$1" --path / \
        --max-session-duration "$2" \
        --assume-role-policy-document "file://${workdir}/trust-policy.json"
    awslocal iam put-role-policy --role-name "$1" --policy-name S3Access \
        --policy-document "file://${workdir}/bucket-policy.json"
}

create_role Role.User 3600
create_role Role.Admin 43200

echo "... AWS side ready"
