"""STS errors a user can meet become one plain sentence with a hint.

The strict local STS produces AccessDenied, InvalidIdentityToken, ValidationError and expiry for
real (tests/test_e2e_*); the codes no emulator produces are injected with botocore's Stubber, at
the boundary."""

from __future__ import annotations

import datetime as dt

import pytest
from botocore.stub import Stubber

from awscli_saml_sso import sts
from awscli_saml_sso.errors import ExitCode, NetworkError, StsError
from awscli_saml_sso.models import Assertion, Role

ROLE = Role("arn:aws:iam::123456789012:role/Dev", "arn:aws:iam::123456789012:saml-provider/Idp")
ASSERTION = Assertion(saml_response="PHNhbWw+" * 10, roles=(ROLE,), session_duration=7200)


@pytest.mark.parametrize(
    ("code", "message", "expected", "error_type"),
    [
        ("ExpiredTokenException", "Token must be fresh", "it has expired", StsError),
        ("IDPRejectedClaim", "Bad claim", "rejected the claim (Bad claim)", StsError),
        ("InvalidIdentityToken", "Invalid signature", "refused the SAML assertion (Invalid signature)", StsError),
        ("AccessDenied", "Not authorized", f"AWS denied role {ROLE.role_arn} via {ROLE.principal_arn}", StsError),
        ("RegionDisabledException", "STS is not activated", "not activated in this region", StsError),
        ("Throttling", "Rate exceeded", "throttling", StsError),
        (
            "ValidationError",
            "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
            "exceeds the role's maximum",
            sts.DurationExceedsMaximum,
        ),
        ("ValidationError", "1 validation error", "AWS refused the request: 1 validation error", StsError),
        ("SomethingNew", "odd", "AWS STS error SomethingNew: odd", StsError),
    ],
)
def test_sts_error_codes_become_plain_messages(code, message, expected, error_type):
    client = sts.Clients().client(sts.StsTarget("us-east-1", "http://127.0.0.1:9"))
    with Stubber(client) as stub:
        stub.add_client_error(
            "assume_role_with_saml", service_error_code=code, service_message=message, http_status_code=400
        )
        with pytest.raises(error_type) as caught:
            sts.assume_role_with_saml(client, ASSERTION, ROLE, 3600)
    assert expected in caught.value.message
    assert caught.value.exit_code == ExitCode.STS
    assert ASSERTION.saml_response not in str(caught.value)


def test_unreachable_sts_is_a_network_error():
    client = sts.Clients().client(sts.StsTarget("us-east-1", "http://127.0.0.1:9"))  # port 9: nothing listens
    with pytest.raises(NetworkError) as caught:
        sts.assume_role_with_saml(client, ASSERTION, ROLE, 3600)
    assert caught.value.exit_code == ExitCode.NETWORK


def test_success_returns_aware_utc_expiration():
    client = sts.Clients().client(sts.StsTarget("us-east-1", "http://127.0.0.1:9"))
    expires = dt.datetime(2030, 1, 1, 12, 0, tzinfo=dt.timezone.utc)
    with Stubber(client) as stub:
        stub.add_response(
            "assume_role_with_saml",
            {
                "Credentials": {
                    "AccessKeyId": "ASIAEXAMPLEEXAMPLE",
                    "SecretAccessKey": "s" * 40,
                    "SessionToken": "t" * 100,
                    "Expiration": expires,
                }
            },
            {
                "RoleArn": ROLE.role_arn,
                "PrincipalArn": ROLE.principal_arn,
                "SAMLAssertion": ASSERTION.saml_response,
                "DurationSeconds": 3600,
            },
        )
        creds = sts.assume_role_with_saml(client, ASSERTION, ROLE, 3600)
    assert creds.expiration == expires and creds.access_key_id == "ASIAEXAMPLEEXAMPLE"
    assert "s" * 40 not in repr(creds)


@pytest.mark.parametrize(
    ("requested", "session_duration", "expected"),
    [(None, None, 3600), (None, 7200, 7200), (1800, 7200, 1800), (None, 100000, 43200), (None, 60, 900)],
)
def test_duration_choice(requested, session_duration, expected):
    assertion = Assertion(saml_response="x", roles=(ROLE,), session_duration=session_duration)
    assert sts.choose_duration(requested, assertion) == expected


@pytest.mark.parametrize(
    ("partition", "region", "option", "expected"),
    [
        ("aws", None, None, "us-east-1"),
        ("aws", "eu-west-1", None, "eu-west-1"),
        ("aws", "eu-west-1", "us-west-2", "us-west-2"),
        ("aws-us-gov", None, None, "us-gov-west-1"),
        ("aws-cn", None, None, "cn-north-1"),
    ],
)
def test_target_region(partition, region, option, expected):
    assertion = Assertion(saml_response="x", roles=(ROLE,), partition=partition, region=region)
    assert sts.resolve_target(assertion, option, None).region == expected


def test_partition_endpoints_are_regional():
    cn = sts.Clients().client(sts.StsTarget("cn-north-1"))
    gov = sts.Clients().client(sts.StsTarget("us-gov-west-1"))
    assert cn.meta.endpoint_url == "https://sts.cn-north-1.amazonaws.com.cn"
    assert gov.meta.endpoint_url == "https://sts.us-gov-west-1.amazonaws.com"
