"""A profile's temporary credentials, read back for ``exec``, ``env``, ``console`` and ``status``.

Reading goes through :mod:`awsfiles` (the one reader/writer of the AWS files). A profile that is
missing, incomplete or expired is an error that says how to log in again.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import shlex
from collections.abc import Mapping

from awscli_saml_sso import awsfiles, defaults
from awscli_saml_sso.errors import UsageError
from awscli_saml_sso.models import Credentials, mask


class NotLoggedIn(UsageError):
    """The profile has no usable temporary credentials: log in first."""


@dataclasses.dataclass(frozen=True)
class ProfileCredentials:
    profile: str
    access_key_id: str
    secret_access_key: str
    session_token: str
    expiration: dt.datetime
    region: str | None
    role_arn: str | None

    @classmethod
    def of(
        cls, profile: str, creds: Credentials, role_arn: str | None, environ: Mapping[str, str]
    ) -> ProfileCredentials:
        """``creds`` as the profile's, with its region from ``~/.aws/config``."""
        keys = (creds.access_key_id, creds.secret_access_key, creds.session_token, creds.expiration)
        return cls(profile, *keys, region=awsfiles.read_config_region(profile, environ), role_arn=role_arn)

    @property
    def expiration_iso(self) -> str:
        return self.expiration.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")

    @property
    def credentials(self) -> Credentials:
        return Credentials(self.access_key_id, self.secret_access_key, self.session_token, self.expiration)

    def __repr__(self) -> str:  # keys never reach a log through repr
        return f"ProfileCredentials(profile={self.profile!r}, access_key_id={mask(self.access_key_id)}, expiration={self.expiration_iso})"


def login_hint(profile: str) -> str:
    option = "" if profile == defaults.PROFILE else f" --profile {shlex.quote(profile)}"
    return f"log in first: awscli_saml_sso{option} --idp-nickname NAME (or --idp-url URL)"


RENEW_BEFORE = dt.timedelta(minutes=5)


def resolve(
    profile: str, environ: Mapping[str, str], status, renew_before: dt.timedelta = RENEW_BEFORE
) -> ProfileCredentials:
    """The profile's credentials from ``~/.aws/credentials`` (renewed as ``load_or_renew`` does),
    or, when it is not there, from the ``credential_process`` of ``[profile P]`` in
    ``~/.aws/config`` when that is this tool (its cache, else a login), as the SDKs would."""
    info = awsfiles.read_profile(profile, environ)
    if info is None:
        from awscli_saml_sso.delivery import configprofiles

        request = configprofiles.find(profile, environ)
        if request is not None:
            return from_process(profile, request, environ)
    return load_or_renew(profile, environ, status, renew_before, read=info)


def from_process(profile: str, request, environ: Mapping[str, str]) -> ProfileCredentials:
    from awscli_saml_sso.delivery import cache, process

    creds = process.credentials(request, environ)
    role_arn = cache.role_arn(cache.file_for(environ, request.cache_key)) or request.role_arn
    return ProfileCredentials.of(profile, creds, role_arn, environ)


def load_or_renew(
    profile: str,
    environ: Mapping[str, str],
    status,
    renew_before: dt.timedelta = RENEW_BEFORE,
    remembered: awsfiles.ProfileInfo | None = None,
    read: awsfiles.ProfileInfo | None = None,
) -> ProfileCredentials:
    """``load``, but a profile that a stored IdP wrote (``x_idp_nickname``) and that has expired
    (or has less than 5 minutes left) is renewed first, without prompts: keyring password, same
    role, the browser profile's SSO cookie. Anything else is ``NotLoggedIn`` naming the fix.
    ``read``: the profile as the caller has just read it (the file is parsed once, not again)."""
    now = dt.datetime.now(dt.timezone.utc)
    try:
        return load(profile, environ, now=now + renew_before, info=read)
    except NotLoggedIn:
        info = awsfiles.read_profile(profile, environ)
        if remembered is not None and remembered.idp_nickname and (info is None or not info.idp_nickname):
            info = remembered  # `exec --server` remembers the IdP: a profile removed meanwhile is logged in again
        if info is None or not info.idp_nickname:
            raise
    from awscli_saml_sso.delivery import process  # the slow path only

    status(f"profile [{profile}] expired (or ends soon): logging in again with the stored IdP '{info.idp_nickname}'")
    request = process.Request(
        nickname=info.idp_nickname,
        role_arn=info.role_arn,
        profile=profile,
        endpoint_url=environ.get("ASS_ENDPOINT_URL") or None,
    )
    process.login(request, environ)
    return load(profile, environ, now=now)


def load(
    profile: str, environ: Mapping[str, str], now: dt.datetime | None = None, info: awsfiles.ProfileInfo | None = None
) -> ProfileCredentials:
    """The profile's credentials, valid at ``now``; else ``NotLoggedIn`` naming the fix.
    ``info``: the profile already read from the credentials file (else it is read here)."""
    now = now or dt.datetime.now(dt.timezone.utc)
    info = info or awsfiles.read_profile(profile, environ)
    where = awsfiles.credentials_path(environ)
    if info is None:
        raise NotLoggedIn(f"no profile [{profile}] in {where}", hint=login_hint(profile))
    if not (info.access_key_id and info.secret_access_key and info.session_token):
        raise NotLoggedIn(
            f"profile [{profile}] in {where} has no temporary credentials (no session token)", hint=login_hint(profile)
        )
    if info.expiration is None:
        raise NotLoggedIn(
            f"profile [{profile}] was not written by awscli_saml_sso (no x_security_token_expires)",
            hint=login_hint(profile),
        )
    if info.expiration <= now:
        raise NotLoggedIn(
            f"the credentials of profile [{profile}] expired at {info.expiration:%Y-%m-%d %H:%M:%S} UTC",
            hint=login_hint(profile),
        )
    creds = Credentials(info.access_key_id, info.secret_access_key, info.session_token, info.expiration)
    return ProfileCredentials.of(profile, creds, info.role_arn, environ)
