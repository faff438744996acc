"""Seed the AWS side like the original project's localstack-setup.sh did.

Bucket, the SAML provider made from the *running* IdP's metadata, and the two roles with SAML
trust policies. Idempotent: run it again after ``POST /moto-api/reset``.
"""

from __future__ import annotations

import functools
import json
import urllib.request

from devstack import realm

SAML_AUDIENCE = "https://signin.aws.amazon.com/saml"


def trust_policy() -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Federated": realm.PROVIDER_ARN},
                    "Action": "sts:AssumeRoleWithSAML",
                    "Condition": {"StringEquals": {"SAML:aud": SAML_AUDIENCE}},
                }
            ],
        }
    )


S3_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
    }
)


def fetch_metadata(idp_metadata_url: str) -> str:
    with urllib.request.urlopen(idp_metadata_url, timeout=10) as answer:  # loopback
        return answer.read().decode()


@functools.lru_cache(maxsize=8)
def clients(aws_endpoint_url: str) -> dict:
    """boto3 clients, made once per endpoint (making them costs ~0.3 s, seeding ~0.1 s)."""
    import boto3

    session = boto3.session.Session(aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-1")
    return {name: session.client(name, endpoint_url=aws_endpoint_url) for name in ("iam", "s3")}


def seed(aws_endpoint_url: str, idp_metadata_url: str) -> None:
    c = clients(aws_endpoint_url)
    iam, s3 = c["iam"], c["s3"]
    if realm.BUCKET not in {b["Name"] for b in s3.list_buckets().get("Buckets", [])}:
        s3.create_bucket(Bucket=realm.BUCKET)
    metadata = fetch_metadata(idp_metadata_url)
    arns = {p["Arn"] for p in iam.list_saml_providers()["SAMLProviderList"]}
    if realm.PROVIDER_ARN in arns:
        iam.update_saml_provider(SAMLProviderArn=realm.PROVIDER_ARN, SAMLMetadataDocument=metadata)
    else:
        iam.create_saml_provider(Name=realm.PROVIDER_NAME, SAMLMetadataDocument=metadata)
    existing = {r["Arn"] for r in iam.list_roles()["Roles"]}
    for role_arn in realm.ROLES:
        name = role_arn.rsplit("/", 1)[-1]
        if role_arn not in existing:
            iam.create_role(
                RoleName=name,
                AssumeRolePolicyDocument=trust_policy(),
                MaxSessionDuration=realm.ROLE_MAX_SESSION_DURATION[role_arn],
            )
        iam.put_role_policy(RoleName=name, PolicyName="s3-access", PolicyDocument=S3_POLICY)
