"""AssumeRoleWithSAML as AWS decides it, on top of moto's IAM and STS backends (in-process)."""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
import re
from xml.sax.saxutils import escape

from devstack import realm
from devstack.samlcheck import Assertion, StsFault, check

DENIED = "Not authorized to perform sts:AssumeRoleWithSAML"
SESSION_NAME = re.compile(r"^[\w+=,.@-]{2,64}$")
ARN = re.compile(r"^arn:aws[\w-]*:iam::\d{12}:(role|saml-provider)/[\w+=,.@/-]+$")


def validation(message: str) -> StsFault:
    return StsFault(400, "ValidationError", message)


def denied() -> StsFault:
    return StsFault(403, "AccessDenied", DENIED)


def _duration(params: dict[str, str]) -> int:
    raw = params.get("DurationSeconds")
    if raw is None:
        return 3600
    try:
        seconds = int(raw)
    except ValueError:
        raise validation(f"Value '{raw}' at 'durationSeconds' is not a number") from None
    if not 900 <= seconds <= 43200:
        bound = "greater than or equal to 900" if seconds < 900 else "less than or equal to 43200"
        raise validation(
            f"1 validation error detected: Value '{seconds}' at 'durationSeconds' "
            f"failed to satisfy constraint: Member must have value {bound}"
        )
    return seconds


def _validate(params: dict[str, str]) -> tuple[str, str, str, int]:
    missing = [p for p in ("RoleArn", "PrincipalArn", "SAMLAssertion") if not params.get(p)]
    if missing:
        raise validation(
            f"1 validation error detected: Value null at '{missing[0]}' failed to "
            "satisfy constraint: Member must not be null"
        )
    role_arn, provider_arn, saml = (params["RoleArn"], params["PrincipalArn"], params["SAMLAssertion"])
    if not 4 <= len(saml) <= 100_000:
        raise validation(
            "1 validation error detected: Value at 'sAMLAssertion' failed to "
            "satisfy constraint: Member must have length between 4 and 100000"
        )
    for _name, arn in (("roleArn", role_arn), ("principalArn", provider_arn)):
        if not 20 <= len(arn) <= 2048 or not ARN.match(arn):
            raise validation(f"{arn} is invalid")  # AWS: "Request ARN is invalid"
    return role_arn, provider_arn, saml, _duration(params)


def _iam():
    from moto.iam.models import iam_backends

    return iam_backends[realm.ACCOUNT_ID]["aws"]


def _provider_metadata(provider_arn: str) -> str:
    try:
        return _iam().get_saml_provider(provider_arn).saml_metadata_document
    except Exception:  # moto raises its own NotFound flavours; any miss is a denial
        raise denied() from None


def _role(role_arn: str):
    try:
        return _iam().get_role_by_arn(role_arn)
    except Exception:
        raise denied() from None


def trusts(policy_document: str, provider_arn: str) -> bool:
    """Does the trust policy allow sts:AssumeRoleWithSAML for this provider?

    Conditions (SAML:aud and friends) are not evaluated: the listener SP posts to a loopback
    Recipient, and moto does not evaluate IAM conditions anywhere else either.
    """
    try:
        policy = json.loads(policy_document)
    except (TypeError, ValueError):
        return False
    statements = policy.get("Statement", [])
    for st in statements if isinstance(statements, list) else [statements]:
        federated = st.get("Principal", {}).get("Federated", []) if isinstance(st.get("Principal"), dict) else []
        actions = st.get("Action", [])
        federated = [federated] if isinstance(federated, str) else federated
        actions = [actions] if isinstance(actions, str) else actions
        if (
            st.get("Effect") == "Allow"
            and provider_arn in federated
            and any(a in ("sts:AssumeRoleWithSAML", "sts:*", "*") for a in actions)
        ):
            return True
    return False


def assume_role_with_saml(params: dict[str, str], now: datetime.datetime) -> str:
    """The inner XML of AssumeRoleWithSAMLResult; raises StsFault like AWS would."""
    role_arn, provider_arn, saml, duration = _validate(params)
    metadata = _provider_metadata(provider_arn)
    facts = check(saml, metadata, now)
    if (role_arn, provider_arn) not in facts.roles:
        raise denied()
    role = _role(role_arn)
    if not trusts(role.assume_role_policy_document, provider_arn):
        raise denied()
    if duration > int(role.max_session_duration or 3600):
        raise validation("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
    if not facts.session_name or not SESSION_NAME.match(facts.session_name):
        raise StsFault(400, "InvalidIdentityToken", "RoleSessionName in the SAML assertion is missing or invalid")
    return _result(facts, role_arn, provider_arn, duration, now)


def _result(facts: Assertion, role_arn: str, provider_arn: str, duration: int, now: datetime.datetime) -> str:
    from moto.sts.models import sts_backends

    expiration = now + datetime.timedelta(seconds=duration)
    if facts.session_not_on_or_after and facts.session_not_on_or_after < expiration:
        expiration = facts.session_not_on_or_after
    seconds = max(1, int((expiration - now).total_seconds()))
    assumed = sts_backends[realm.ACCOUNT_ID]["aws"].assume_role(
        region_name="us-east-1",
        role_session_name=facts.session_name,
        role_arn=role_arn,
        policy="",
        duration=seconds,
        external_id="",
    )
    provider_name = provider_arn.rsplit("/", 1)[-1]
    qualifier = base64.b64encode(
        hashlib.sha1(  # AWS's documented formula
            (facts.issuer + realm.ACCOUNT_ID + provider_name).encode()
        ).digest()
    ).decode()
    short = {
        "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent": "persistent",
        "urn:oasis:names:tc:SAML:2.0:nameid-format:transient": "transient",
    }
    fields = {
        "Issuer": facts.issuer,
        "Audience": facts.recipient,
        "Subject": facts.subject,
        "SubjectType": short.get(facts.subject_format, facts.subject_format),
        "NameQualifier": qualifier,
    }
    user_id = assumed.user_id
    return (
        "<Credentials>"
        f"<AccessKeyId>{assumed.access_key_id}</AccessKeyId>"
        f"<SecretAccessKey>{escape(assumed.secret_access_key)}</SecretAccessKey>"
        f"<SessionToken>{escape(assumed.session_token)}</SessionToken>"
        f"<Expiration>{expiration.strftime('%Y-%m-%dT%H:%M:%SZ')}</Expiration>"
        "</Credentials>"
        f"<AssumedRoleUser><AssumedRoleId>{escape(user_id)}</AssumedRoleId>"
        f"<Arn>{escape(assumed.arn)}</Arn></AssumedRoleUser>"
        + "".join(f"<{k}>{escape(v)}</{k}>" for k, v in fields.items())
    )
