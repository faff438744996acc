"""~/.aws/credentials and ~/.aws/config: where they are, and locked, atomic, private updates.

The text editing is :mod:`inifile` (pure). Here: paths from an injected environment, a sidecar
lock that serialises concurrent runs, and a write that leaves either the old file or the new one
(temporary file in the same directory, fsync, ``os.replace``), always mode 0600.

Keys this tool writes to a credentials profile (README "Files"):
``aws_access_key_id``, ``aws_secret_access_key``, ``aws_session_token``, ``aws_security_token``
(the same token, for older consumers), ``x_security_token_expires`` (ISO 8601, UTC),
``x_principal_arn`` (the assumed role's ARN) and ``x_saml_provider_arn`` (the SAML provider it was
assumed through; lets ``status`` and the still-valid check rebuild the role without a login).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from . import atomicfile, defaults, inifile
from .models import Credentials, Role, mask

EXPIRES_KEY = "x_security_token_expires"
PRINCIPAL_KEY = "x_principal_arn"
PROVIDER_KEY = "x_saml_provider_arn"
IDP_KEY = "x_idp_nickname"  # the stored IdP that wrote the profile: `exec` renews through it
_VAR = re.compile(r"\$(\w+)|\$\{([^}]*)\}")


# -- paths -----------------------------------------------------------------------------------
def _expand(path: str, environ: Mapping[str, str]) -> Path:
    """``$VAR`` and ``~`` as botocore expands them, but from ``environ``, not the process's."""
    path = _VAR.sub(lambda m: environ.get(m.group(1) or m.group(2), m.group(0)), path)
    if path == "~" or path.startswith(("~/", "~" + os.sep)):
        home = environ.get("HOME") or environ.get("USERPROFILE") or os.path.expanduser("~")
        path = home + path[1:]
    return Path(os.path.expanduser(path))


def credentials_path(environ: Mapping[str, str]) -> Path:
    return _expand(environ.get("AWS_SHARED_CREDENTIALS_FILE") or "~/.aws/credentials", environ)


def config_path(environ: Mapping[str, str]) -> Path:
    return _expand(environ.get("AWS_CONFIG_FILE") or "~/.aws/config", environ)


def config_section(profile: str) -> str:
    """``~/.aws/config`` names profiles ``[profile x]``, except ``[default]``."""
    inifile.check_name(profile)
    return "default" if profile == "default" else f"profile {profile}"


# -- locked, atomic update -------------------------------------------------------------------
def update_file(path: Path | str, section: str, values: Mapping[str, str], remove_keys: Iterable[str] = ()) -> Path:
    """Set ``values`` in ``section`` of the INI file at ``path``; return the real path written.

    Symlinks are followed to a file of our own (the link stays, its target is updated); a
    dangling link or another user's file is refused (``atomicfile.write_target``). The parent
    directory is created 0700; the file ends 0600. On any failure the old file is left as it was.
    """
    inifile.check_name(section, "section name")
    with atomicfile.updating(path) as real:
        old = atomicfile.read_bytes(real)
        text = inifile.set_section(old.decode("utf-8", "surrogateescape"), section, values, remove_keys)
        new = text.encode("utf-8", "surrogateescape")
        if new != old or not real.exists():
            atomicfile.atomic_write(real, new)
        else:
            atomicfile.chmod_private(real)
    return real


def remove_profile_keys(path: Path | str, section: str, keys: Iterable[str]) -> bool:
    """Remove ``keys`` from ``section`` (the section too when nothing else is left in it), under
    the same lock and atomic write as ``update_file``; True when the file changed."""
    if not os.path.exists(path):
        return False
    with atomicfile.updating(path) as real:
        old = atomicfile.read_bytes(real)
        text = inifile.remove_keys(old.decode("utf-8", "surrogateescape"), section, keys)
        new = text.encode("utf-8", "surrogateescape")
        if new == old:
            return False
        atomicfile.atomic_write(real, new)
    return True


TOOL_KEYS = (
    "aws_access_key_id",
    "aws_secret_access_key",
    "aws_session_token",
    "aws_security_token",
    EXPIRES_KEY,
    PRINCIPAL_KEY,
    PROVIDER_KEY,
    IDP_KEY,
)  # what a login writes (logout removes)


# -- profiles --------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class ProfileInfo:
    """A credentials profile as this tool reads it back. ``principal_arn`` is the SAML provider
    (as in :class:`Role`); ``role_arn`` comes from ``x_principal_arn``."""

    profile: str
    access_key_id: str | None
    secret_access_key: str | None
    session_token: str | None
    expiration: dt.datetime | None  # aware UTC; None when absent or unreadable
    role_arn: str | None
    principal_arn: str | None
    idp_nickname: str | None = None

    def __repr__(self) -> str:  # keys never reach a log through repr
        expires = self.expiration.isoformat() if self.expiration else None
        return (
            f"ProfileInfo(profile={self.profile!r}, access_key_id={mask(self.access_key_id)}, "
            f"expiration={expires}, role_arn={self.role_arn!r})"
        )

    @property
    def role(self) -> Role | None:
        if not self.role_arn:
            return None
        return Role(self.role_arn, self.principal_arn or "")


def credentials_values(creds: Credentials, role: Role, idp_nickname: str | None = None) -> dict[str, str]:
    """The keys a login writes to its credentials profile (see the module docstring)."""
    expires = creds.expiration.astimezone(dt.timezone.utc).isoformat(timespec="seconds")
    extra = {IDP_KEY: idp_nickname} if idp_nickname else {}
    return extra | {
        "aws_access_key_id": creds.access_key_id,
        "aws_secret_access_key": creds.secret_access_key,
        "aws_session_token": creds.session_token,
        "aws_security_token": creds.session_token,
        EXPIRES_KEY: expires,
        PRINCIPAL_KEY: role.role_arn,
        PROVIDER_KEY: role.principal_arn,
    }


def write_credentials(
    profile: str, creds: Credentials, role: Role, environ: Mapping[str, str], idp_nickname: str | None = None
) -> Path:
    """Write the login's credentials to ``[profile]`` of the credentials file; return its path
    (the path as configured, even when it is a symlink to the file really written). A login
    through a one-off URL removes an older ``x_idp_nickname``: it no longer says who wrote it."""
    inifile.check_name(profile)
    path = credentials_path(environ)
    update_file(
        path, profile, credentials_values(creds, role, idp_nickname), remove_keys=() if idp_nickname else (IDP_KEY,)
    )
    return path


def write_config_region(profile: str, region: str, environ: Mapping[str, str]) -> Path:
    path = config_path(environ)
    update_file(path, config_section(profile), {"region": region})
    return path


def read_config_region(profile: str, environ: Mapping[str, str]) -> str | None:
    section = inifile.get_section(read_text(config_path(environ)), config_section(profile))
    return (section or {}).get("region") or None


def read_text(path: Path) -> str:
    return atomicfile.read_bytes(path).decode("utf-8", "surrogateescape")


def _profile_info(profile: str, values: Mapping[str, str]) -> ProfileInfo:
    from .saml import parse_saml_time  # cheap: lxml is imported lazily there

    principal = values.get(PRINCIPAL_KEY) or None
    return ProfileInfo(
        profile=profile,
        access_key_id=values.get("aws_access_key_id") or None,
        secret_access_key=values.get("aws_secret_access_key") or None,
        session_token=values.get("aws_session_token") or values.get("aws_security_token") or None,
        expiration=parse_saml_time(values.get(EXPIRES_KEY)),
        # saml2aws stores the assumed-role (sts) ARN here: only an IAM role ARN names a role.
        role_arn=principal if principal and ":role/" in principal else None,
        principal_arn=values.get(PROVIDER_KEY) or None,
        idp_nickname=values.get(IDP_KEY) or None,
    )


def read_profile(profile: str, environ: Mapping[str, str]) -> ProfileInfo | None:
    """The profile in the credentials file, or None when it is absent."""
    inifile.check_name(profile)
    values = inifile.get_section(read_text(credentials_path(environ)), profile)
    return None if values is None else _profile_info(profile, values)


def tool_profiles(environ: Mapping[str, str]) -> list[ProfileInfo]:
    """Profiles carrying ``x_security_token_expires`` (written by this tool or alike), in file order."""
    sections = inifile.parse(read_text(credentials_path(environ)))
    return [_profile_info(name, values) for name, values in sections.items() if EXPIRES_KEY in values]


def profile_still_valid(
    info: ProfileInfo | None,
    role_arn: str | None,
    now: dt.datetime,
    min_remaining: dt.timedelta = defaults.MIN_REMAINING,
) -> bool:
    """True when ``info`` holds complete credentials for ``role_arn`` (any role when None) that
    stay valid for more than ``min_remaining`` after ``now`` (aware)."""
    if info is None or not (info.access_key_id and info.secret_access_key and info.session_token):
        return False
    if info.expiration is None or info.expiration - now <= min_remaining:
        return False
    return role_arn is None or role_arn.strip() == info.role_arn
