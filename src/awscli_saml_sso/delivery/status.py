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
    from awscli_saml_sso.ui import one_line  # noqa: PLC0415

    cells = [HEADERS] + [tuple(one_line(cell) for cell in dataclasses.astuple(r)) for r in found]
    widths = [max(len(row[i]) for row in cells) for i in range(len(HEADERS))]
    lines = ["  ".join(value.ljust(widths[i]) for i, value in enumerate(row)).rstrip() for row in cells]
    return "\n".join(lines) + "\n"


def status(environ: Mapping[str, str], now: dt.datetime | None = None) -> tuple[str, int]:
    """The table (or a sentence when there is nothing) and the number of profiles."""
    now = now or dt.datetime.now(dt.timezone.utc)
    found = rows(awsfiles.tool_profiles(environ), now)
    if not found:
        return f"no profile written by awscli_saml_sso in {awsfiles.credentials_path(environ)}\n", 0
    return table(found), len(found)
