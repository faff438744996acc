"""The local stack behaves like AWS and the realm: a strict STS on moto, SimpleSAMLphp IdP."""

from __future__ import annotations

import base64
import datetime

import boto3
import pytest
import requests
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

from devstack import httplogin, realm
from stackfixtures import saml_response_for


def sts(stack, **credentials):
    config = None if credentials else Config(signature_version=UNSIGNED)
    return boto3.client("sts", endpoint_url=stack.aws_endpoint_url, region_name="us-east-1",
                        config=config, **credentials)


def assume(stack, saml, role=realm.ROLE_USER, provider=realm.PROVIDER_ARN, **extra):
    return sts(stack).assume_role_with_saml(RoleArn=role, PrincipalArn=provider,
                                            SAMLAssertion=saml, **extra)


def caller_arn(stack, creds) -> str:
    client = sts(stack, aws_access_key_id=creds["AccessKeyId"],
                 aws_secret_access_key=creds["SecretAccessKey"],
                 aws_session_token=creds["SessionToken"])
    return client.get_caller_identity()["Arn"]


def error(excinfo) -> tuple[str, int]:
    err = excinfo.value.response
    return err["Error"]["Code"], err["ResponseMetadata"]["HTTPStatusCode"]


def test_user_with_one_role_gets_credentials(aws):
    answer = assume(aws, saml_response_for("aws_user"))
    assert caller_arn(aws, answer["Credentials"]) == (
        f"arn:aws:sts::{realm.ACCOUNT_ID}:assumed-role/Role.User/aws_user")
    assert answer["Subject"] == "aws_user"
    assert answer["SubjectType"] == "persistent"
    assert answer["Audience"] == realm.AWS_ACS_URL
    assert answer["Issuer"] == aws.idp_metadata_url
    assert answer["NameQualifier"]


@pytest.mark.parametrize("role", realm.ROLES)
def test_admin_two_role_assertion_works_for_each_role(aws, role):
    answer = assume(aws, saml_response_for("aws_admin"), role=role)
    name = role.rsplit("/", 1)[-1]
    assert caller_arn(aws, answer["Credentials"]) == (
        f"arn:aws:sts::{realm.ACCOUNT_ID}:assumed-role/{name}/aws_admin")


def test_duration_is_honoured(aws):
    answer = assume(aws, saml_response_for("aws_admin"), role=realm.ROLE_ADMIN,
                    DurationSeconds=43200)
    remaining = (answer["Credentials"]["Expiration"]
                 - datetime.datetime.now(datetime.timezone.utc)).total_seconds()
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
    boto3.client("iam", endpoint_url=aws.aws_endpoint_url, region_name="us-east-1",
                 aws_access_key_id="test", aws_secret_access_key="test").delete_role_policy(
        RoleName="Role.User", PolicyName="s3-access")
    boto3.client("iam", endpoint_url=aws.aws_endpoint_url, region_name="us-east-1",
                 aws_access_key_id="test", aws_secret_access_key="test").delete_role(
        RoleName="Role.User")
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


@pytest.mark.parametrize("garbage", ["!!!not base64!!!", base64.b64encode(b"not xml").decode(),
                                     base64.b64encode(b"<a>unsigned</a>").decode()])
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
    iam = boto3.client("iam", endpoint_url=aws.aws_endpoint_url, region_name="us-east-1",
                       aws_access_key_id="test", aws_secret_access_key="test")
    s3 = boto3.client("s3", endpoint_url=aws.aws_endpoint_url, region_name="us-east-1",
                      aws_access_key_id="test", aws_secret_access_key="test")
    assert realm.BUCKET in {b["Name"] for b in s3.list_buckets()["Buckets"]}
    providers = {p["Arn"] for p in iam.list_saml_providers()["SAMLProviderList"]}
    assert providers == {realm.PROVIDER_ARN}
    for arn, maximum in realm.ROLE_MAX_SESSION_DURATION.items():
        role = iam.get_role(RoleName=arn.rsplit("/", 1)[-1])["Role"]
        assert role["Arn"] == arn and role["MaxSessionDuration"] == maximum
