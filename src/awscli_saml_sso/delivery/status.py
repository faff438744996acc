"""``status``: the profiles this tool wrote, whose role they hold and how long they last.

Pure: ``rows`` turns profiles into table rows at a given time; ``table`` lays them out.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence

from awscli_saml_sso import awsfiles

HEADERS = ("PROFILE", "ROLE", "SAML PROVIDER", "EXPIRES (UTC)", "LEFT")


@dataclasses.dataclass(frozen=True)
class Row:
    profile: str
    role: str
    provider: str
    expires: str
    left: str


def time_left(expiration: dt.datetime | None, now: dt.datetime) -> str:
    if expiration is None:
        return "unknown"
    seconds = int((expiration - now).total_seconds())
    if seconds <= 0:
        return "expired"
    hours, rest = divmod(seconds, 3600)
    minutes = rest // 60
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m" if minutes else f"{seconds}s"


def rows(profiles: Sequence[awsfiles.ProfileInfo], now: dt.datetime) -> list[Row]:
    return [
        Row(
            profile=p.profile,
            role=p.role_arn or "-",
            provider=p.principal_arn or "-",
            expires=f"{p.expiration.astimezone(dt.timezone.utc):%Y-%m-%d %H:%M}" if p.expiration else "-",
            left=time_left(p.expiration, now),
        )
        for p in profiles
    ]


def table(found: Sequence[Row]) -> str:
    """The rows laid out. Every cell comes from the credentials file, which anyone who can write
    it (or a tool that wrote a profile) controls: escape sequences are shown escaped, never sent
    to the terminal (they could hide lines, retitle the window, or fake a profile)."""
    from awscli_saml_sso.ui import one_line

    cells = [HEADERS] + [tuple(one_line(cell) for cell in dataclasses.astuple(r)) for r in found]
    widths = [max(len(row[i]) for row in cells) for i in range(len(HEADERS))]
    lines = ["  ".join(value.ljust(widths[i]) for i, value in enumerate(row)).rstrip() for row in cells]
    return "\n".join(lines) + "\n"


def status(environ: Mapping[str, str], now: dt.datetime | None = None) -> tuple[str, int]:
    """The table (or a sentence when there is nothing) and the number of profiles."""
    now = now or dt.datetime.now(dt.timezone.utc)
    found = _with_aliases(rows(awsfiles.tool_profiles(environ), now) + process_rows(environ, now), environ)
    if not found:
        return f"no profile written by awscli_saml_sso in {awsfiles.credentials_path(environ)}\n", 0
    return table(found), len(found)


# -- credential_process profiles (~/.aws/config) and --json ----------------------------------
def _process_records(environ: Mapping[str, str], now: dt.datetime) -> list[dict]:
    """One record per config profile whose credential_process is this tool; its credentials are
    those of its cache entry (none yet: expiration None)."""
    from awscli_saml_sso.delivery import cache, configprofiles

    profiles = configprofiles.all_profiles(environ)
    if not profiles:  # the usual case: no second parse of a credentials file that may be large
        return []
    shadowed = {p.profile for p in awsfiles.tool_profiles(environ)}
    records = []
    for name, (request, region) in profiles.items():
        entry = cache.read(cache.file_for(environ, request.cache_key)) or {}
        try:
            expiration = cache.parse_expiration(entry["Expiration"]) if entry.get("Expiration") else None
        except (TypeError, ValueError):
            expiration = None
        records.append(
            {
                "profile": name,
                "source": "credential_process",
                "idp_nickname": request.nickname,
                "role_arn": entry.get("RoleArn") or request.role_arn,
                "provider_arn": None,
                "region": region or None,
                "expiration": expiration,
                "shadowed": name in shadowed,  # keys in ~/.aws/credentials win over credential_process
            }
        )
    return records


def process_rows(environ: Mapping[str, str], now: dt.datetime) -> list[Row]:
    return [
        Row(
            profile=r["profile"],
            role=r["role_arn"] or "-",
            provider=f"(credential_process, IdP {r['idp_nickname']})",
            expires=f"{r['expiration']:%Y-%m-%d %H:%M}" if r["expiration"] else "-",
            left=time_left(r["expiration"], now) if r["expiration"] else "not cached",
        )
        for r in _process_records(environ, now)
    ]


def records(environ: Mapping[str, str], now: dt.datetime | None = None) -> list[dict]:
    """``status --json``: both kinds of profiles, times as ISO 8601 UTC, seconds left."""
    now = now or dt.datetime.now(dt.timezone.utc)
    found = [
        {
            "profile": p.profile,
            "source": "credentials",
            "idp_nickname": p.idp_nickname,
            "role_arn": p.role_arn,
            "provider_arn": p.principal_arn,
            "region": awsfiles.read_config_region(p.profile, environ),
            "expiration": p.expiration,
            "shadowed": False,
        }
        for p in awsfiles.tool_profiles(environ)
    ] + _process_records(environ, now)
    known = _aliases(environ)
    for record in found:
        expiration = record["expiration"]
        record["account"] = _account(record["role_arn"])
        record["alias"] = known.get(record["account"] or "")
        record["expiration"] = f"{expiration.astimezone(dt.timezone.utc):%Y-%m-%dT%H:%M:%SZ}" if expiration else None
        record["seconds_left"] = max(0, int((expiration - now).total_seconds())) if expiration else None
    return found


def _account(role_arn: str | None) -> str | None:
    parts = (role_arn or "").split(":")
    return parts[4] if len(parts) > 5 and parts[4] else None


def _aliases(environ: Mapping[str, str]) -> dict[str, str]:
    from awscli_saml_sso import aliases

    return aliases.load(environ)


def _with_aliases(found: list[Row], environ: Mapping[str, str]) -> list[Row]:
    """``ROLE`` shows the account's alias when one is known: ``arn:...:role/Dev (prod)``."""
    known = _aliases(environ)
    return [
        dataclasses.replace(r, role=f"{r.role} ({known[a]})") if (a := _account(r.role)) in known else r for r in found
    ]
