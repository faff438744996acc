"""The only user of boto3 for STS. AWS errors become our errors, each one plain sentence.

boto3/botocore are imported inside functions: ``--help`` must never pay for them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import threading
from typing import Any

from awscli_saml_sso.defaults import DEFAULT_DURATION, MAX_DURATION, MIN_DURATION
from awscli_saml_sso.errors import FilesError, NetworkError, StsError
from awscli_saml_sso.models import Assertion, Credentials, Role

log = logging.getLogger(__name__)

# Where STS lives when the assertion names no region: each partition's "home" region.
PARTITION_DEFAULT_REGION = {"aws": "us-east-1", "aws-us-gov": "us-gov-west-1", "aws-cn": "cn-north-1"}


class DurationExceedsMaximum(StsError):
    """STS said the requested duration is above the role's MaxSessionDuration."""


@dataclasses.dataclass(frozen=True)
class StsTarget:
    """Where to send STS calls: resolved once, shared by every call of a login."""

    region: str
    endpoint_url: str | None = None


def resolve_target(assertion: Assertion, region: str | None, endpoint_url: str | None) -> StsTarget:
    """Pure: region from the option, else the assertion's Destination, else the partition's home."""
    chosen = region or assertion.region or PARTITION_DEFAULT_REGION.get(assertion.partition, "us-east-1")
    return StsTarget(region=chosen, endpoint_url=endpoint_url or None)


def choose_duration(requested: int | None, assertion: Assertion) -> int:
    """Pure: ``--duration``, else the assertion's SessionDuration, else STS' default; within STS' bounds."""
    duration = requested or assertion.session_duration or DEFAULT_DURATION
    return max(MIN_DURATION, min(MAX_DURATION, int(duration)))


class Clients:
    """The STS clients of one login, all from one botocore session (service models read once).

    With a ``warm`` target, boto3 is imported and that target's unsigned client is made in a
    background thread, while the browser logs in; :meth:`client` waits for it. A failure there
    is only logged: the same work is done again by :meth:`client`, which reports it.
    """

    def __init__(self, warm: StsTarget | None = None) -> None:
        self._lock = threading.Lock()
        self._session: Any = None
        self._unsigned: dict[StsTarget, Any] = {}
        if warm is not None:
            self.warm(warm)

    def warm(self, target: StsTarget) -> None:
        """Import boto3 and make ``target``'s client in the background (see the class)."""
        threading.Thread(target=self._warm_up, args=(target,), name="sts-warm-up", daemon=True).start()

    def _warm_up(self, target: StsTarget) -> None:
        try:
            self.client(target)
        except Exception:  # reported by the real call
            log.debug("warming up the STS client failed", exc_info=True)

    def client(self, target: StsTarget, credentials: Credentials | None = None) -> Any:
        from botocore.exceptions import ConfigParseError

        with self._lock:
            if credentials is None and target in self._unsigned:
                return self._unsigned[target]
            try:
                made = self._make(target, credentials)
            except ConfigParseError as exc:
                raise FilesError(
                    f"AWS STS client: {exc}", hint="fix or move aside that file (botocore cannot read it)"
                ) from exc
            if credentials is None:
                self._unsigned[target] = made
            return made

    def _make(self, target: StsTarget, credentials: Credentials | None) -> Any:
        from botocore import UNSIGNED
        from botocore.config import Config

        config = Config(
            retries={"mode": "standard", "max_attempts": 3},
            connect_timeout=10,
            read_timeout=30,
            signature_version=UNSIGNED if credentials is None else None,
        )
        return self._boto_session().client(
            "sts",
            region_name=target.region,
            endpoint_url=target.endpoint_url,
            config=config,
            aws_access_key_id=credentials.access_key_id if credentials else None,
            aws_secret_access_key=credentials.secret_access_key if credentials else None,
            aws_session_token=credentials.session_token if credentials else None,
        )

    def _boto_session(self) -> Any:
        if self._session is None:
            import boto3  # heavy, only on the paths that call AWS
            import botocore.session
            from botocore.configprovider import ConstantProvider

            core = botocore.session.Session()
            # Not the ambient AWS_PROFILE: it often names the very profile this login is about to
            # create (ProfileNotFound), and its settings are not this call's business.
            core.get_component("config_store").set_config_provider("profile", ConstantProvider(None))
            self._session = boto3.session.Session(botocore_session=core)
        return self._session


def assume_role_with_saml(client: Any, assertion: Assertion, role: Role, duration: int) -> Credentials:
    """Call AssumeRoleWithSAML; translate every failure into one of our errors."""
    log.debug("AssumeRoleWithSAML role=%s provider=%s duration=%s", role.role_arn, role.principal_arn, duration)
    try:
        answer = client.assume_role_with_saml(
            RoleArn=role.role_arn,
            PrincipalArn=role.principal_arn,
            SAMLAssertion=assertion.saml_response,
            DurationSeconds=duration,
        )
    except Exception as exc:  # translated below; unknown ones re-raised
        raise translate_error(exc, role) from exc
    raw = answer["Credentials"]
    creds = Credentials(
        access_key_id=raw["AccessKeyId"],
        secret_access_key=raw["SecretAccessKey"],
        session_token=raw["SessionToken"],
        expiration=_utc(raw["Expiration"]),
    )
    log.debug("assumed %s: %r", role.role_arn, creds)
    return creds


def caller_arn(target: StsTarget, credentials: Credentials, clients: Clients | None = None) -> str:
    """``sts:GetCallerIdentity`` with the new credentials: proves they work."""
    client = (clients or Clients()).client(target, credentials)
    try:
        return client.get_caller_identity()["Arn"]
    except Exception as exc:  # translated below
        raise translate_error(exc, None) from exc


def _utc(value: Any) -> dt.datetime:
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(dt.timezone.utc)


def translate_error(exc: Exception, role: Role | None) -> Exception:
    """Map a botocore exception to our error; anything unknown is returned unchanged (a bug)."""
    from botocore.exceptions import (
        BotoCoreError,
        ClientError,
        EndpointConnectionError,
        ReadTimeoutError,
    )
    from botocore.exceptions import (
        ConnectionError as BotoConnectionError,
    )
    from botocore.parsers import ResponseParserError

    if isinstance(exc, (EndpointConnectionError, BotoConnectionError, ReadTimeoutError)):
        return NetworkError(f"cannot reach AWS STS: {exc}", hint="check your network, --region and --endpoint-url")
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        return sts_error(error.get("Code", ""), error.get("Message", ""), role)
    if isinstance(exc, BotoCoreError):
        return StsError(f"AWS STS call failed: {exc}")
    if isinstance(exc, ResponseParserError):  # not a BotoCoreError: a proxy's page, a wrong endpoint
        return StsError(
            "AWS STS answered with something that is not an STS response",
            hint="check --endpoint-url and any proxy between you and AWS",
        )
    return exc


_STS_MESSAGES = {
    "ExpiredTokenException": (
        "AWS refused the SAML assertion: it has expired",
        "log in again, and check that this machine's clock is right",
    ),
    "IDPRejectedClaim": (
        "AWS refused the SAML assertion: the identity provider rejected the claim ({detail})",
        "check the IdP's AWS app setup (Role and RoleSessionName attributes)",
    ),
    "InvalidIdentityToken": (
        "AWS refused the SAML assertion ({detail})",
        "the IAM SAML provider's metadata may not match the IdP (a rotated signing certificate?); "
        "ask your AWS administrator",
    ),
    "MalformedPolicyDocument": ("AWS refused the request: {detail}", None),
    "PackedPolicyTooLarge": ("AWS refused the request: {detail}", None),
    "RegionDisabledException": (
        "AWS STS is not activated in this region ({detail})",
        "use --region with a region your account has enabled",
    ),
    "Throttling": ("AWS STS is throttling requests ({detail})", "wait a moment and try again"),
    "ThrottlingException": ("AWS STS is throttling requests ({detail})", "wait a moment and try again"),
}


def sts_error(code: str, message: str, role: Role | None) -> StsError:
    """Pure: one plain sentence and a hint for an STS error code."""
    detail = message.strip().rstrip(".") or code
    if code == "ValidationError" and "MaxSessionDuration" in message:
        return DurationExceedsMaximum(f"the requested duration exceeds the role's maximum ({detail})")
    if code == "AccessDenied":
        what = f"role {role.role_arn}" if role else "the request"
        via = f" via {role.principal_arn}" if role else ""
        return StsError(
            f"AWS denied {what}{via}: {detail}",
            hint="the role's trust policy must trust this SAML provider; ask your AWS administrator",
        )
    if code == "ValidationError":
        return StsError(f"AWS refused the request: {detail}", hint="check --duration and the role's settings")
    if code in _STS_MESSAGES:
        text, hint = _STS_MESSAGES[code]
        return StsError(text.format(detail=detail), hint=hint)
    return StsError(f"AWS STS error {code or 'unknown'}: {detail}")


__all__ = [
    "Clients",
    "DurationExceedsMaximum",
    "StsTarget",
    "assume_role_with_saml",
    "caller_arn",
    "choose_duration",
    "resolve_target",
    "sts_error",
    "translate_error",
]
