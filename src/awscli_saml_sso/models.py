"""Plain values passed between layers. No I/O, no heavy imports."""

from __future__ import annotations

import dataclasses
import datetime as dt


@dataclasses.dataclass(frozen=True, order=True)
class Role:
    """One role granted by the assertion: the role and the SAML provider that vouches for it."""

    role_arn: str
    principal_arn: str

    @property
    def partition(self) -> str:
        return self.role_arn.split(":")[1]

    @property
    def account_id(self) -> str:
        return self.role_arn.split(":")[4]

    @property
    def name(self) -> str:
        """Role name without path: ``arn:aws:iam::1:role/path/Name`` -> ``Name``."""
        return self.role_arn.rsplit("/", 1)[-1]


@dataclasses.dataclass(frozen=True)
class Assertion:
    """What the tool needs from a SAMLResponse. ``saml_response`` is the base64 text for STS."""

    saml_response: str
    roles: tuple[Role, ...]
    session_name: str | None = None
    session_duration: int | None = None
    not_on_or_after: dt.datetime | None = None
    destination: str | None = None
    partition: str = "aws"
    region: str | None = None

    def __repr__(self) -> str:  # never show the assertion itself (it is a bearer token)
        return (
            f"Assertion(roles={len(self.roles)}, session_name={self.session_name!r}, "
            f"session_duration={self.session_duration!r}, partition={self.partition!r}, "
            f"region={self.region!r})"
        )


@dataclasses.dataclass(frozen=True)
class Credentials:
    access_key_id: str
    secret_access_key: str
    session_token: str
    expiration: dt.datetime  # timezone-aware, UTC

    def __repr__(self) -> str:  # keys never reach a log through repr
        return f"Credentials(access_key_id={mask(self.access_key_id)}, expiration={self.expiration.isoformat()})"


def mask(secret: str | None) -> str:
    """Show only enough of an identifier to tell two apart: ``ASIA****WXYZ``."""
    if not secret:
        return "<none>"
    if len(secret) <= 8:
        return "****"
    return f"{secret[:4]}****{secret[-4:]}"


@dataclasses.dataclass
class StoredIdp:
    """One IdP of ``idps.json`` (read, validated and written by ``idps``)."""

    nickname: str
    url: str
    username: str | None = None
    browser: str | None = None
    role_arn: str | None = None
    profile: str | None = None
    region: str | None = None
    duration: int | None = None
    mfa_method: str | None = None  # older readers skip unknown fields (see idps._entry)
    app: str | None = None  # the tile to open on the IdP's app dashboard (--app)
    allowed_origins: list[str] | None = None  # besides the URL's own origin (``origins``)
    needs_person: str | None = None  # a step the IdP asked a person for (e.g. "a security key")
    engine: str | None = None  # --engine for this IdP; "browser" once an auto login needed it

    def to_json(self) -> dict[str, object]:
        """The file's entry: every set field but the nickname (the entry's key)."""
        return {k: v for k, v in dataclasses.asdict(self).items() if k != "nickname" and v is not None}
