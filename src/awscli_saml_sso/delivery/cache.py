"""The ``credential-process`` cache: one private JSON file per (IdP, role, profile) request.

Served while more than 15 minutes remain (botocore refreshes 15 minutes before expiry, so a
cached answer closer to expiry would be refreshed again at once). This module is on the hot
path of every AWS SDK call made through ``credential_process``: it imports nothing heavy and
does one ``open`` and one ``json.loads``.

File format (version 1)::

    {"version": 1, "key": {"idp": ..., "role_arn": ..., "profile": ...},
     "AccessKeyId": ..., "SecretAccessKey": ..., "SessionToken": ..., "Expiration": "...Z",
     "RoleArn": ...}

A file of another version, or unreadable, or for another key (hash collision), is a miss.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import re
from collections.abc import Mapping
from pathlib import Path

from awscli_saml_sso import defaults, paths
from awscli_saml_sso.models import Credentials

log = logging.getLogger(__name__)

VERSION = 1
MAX_FILE_BYTES = 1024 * 1024  # one set of credentials is under 2 KB; a /dev/zero link is refused
_STRING_FIELDS = ("AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration")


def key(nickname: str, role_arn: str | None, profile: str | None) -> dict[str, str | None]:
    return {"idp": nickname, "role_arn": role_arn or None, "profile": profile or None}


def file_for(environ: Mapping[str, str], cache_key: Mapping[str, str | None]) -> Path:
    """A safe, stable file name: readable prefix from the nickname, hash of the whole key."""
    digest = hashlib.sha256(json.dumps(cache_key, sort_keys=True).encode()).hexdigest()[:24]
    readable = re.sub(r"[^A-Za-z0-9_.-]", "_", str(cache_key["idp"]))[:40].lstrip(".") or "_"
    return paths.cache_dir(environ) / f"credential-process-{readable}-{digest}.json"


def login_lock_path(environ: Mapping[str, str], nickname: str) -> Path:
    """Serialises logins per stored IdP (``<this>.lock`` is the lock file)."""
    readable = re.sub(r"[^A-Za-z0-9_.-]", "_", nickname)[:40].lstrip(".") or "_"
    digest = hashlib.sha256(nickname.encode()).hexdigest()[:12]
    return paths.cache_dir(environ) / f"login-{readable}-{digest}"


def format_expiration(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_expiration(text: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)


def load(path: Path, cache_key: Mapping[str, str | None], now: dt.datetime) -> Credentials | None:
    """The cached credentials if the file is ours, for this key, and not within 15 min of expiry.

    A cache directory or file that another user owns or can write to is refused with a
    ``FilesError`` (they could have put their own keys there), as is a file that is not a
    regular one (a FIFO, a link to a device) or too big: a miss would hide the tampering."""
    from awscli_saml_sso import atomicfile, trust  # both light

    trust.check_tree(path.parent, path.parent.parent)  # the tool home and the cache directory
    raw = atomicfile.read_bytes(path, MAX_FILE_BYTES, trusted=True, what="credential-process cache file")
    if not raw:
        return None
    try:
        data = json.loads(raw.decode("utf-8"))
        if data.get("version") != VERSION or data.get("key") != dict(cache_key):
            log.debug("cache %s: other version or key: miss", path.name)
            return None
        if not all(isinstance(data.get(k), str) and data[k] for k in _STRING_FIELDS):
            log.debug("cache %s: a credential field is missing or not a string: miss", path.name)
            return None
        creds = Credentials(
            access_key_id=data["AccessKeyId"],
            secret_access_key=data["SecretAccessKey"],
            session_token=data["SessionToken"],
            expiration=parse_expiration(data["Expiration"]),
        )
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        log.debug("cache %s unreadable (%s): miss", path.name, type(exc).__name__)
        return None
    if creds.expiration - now <= defaults.MIN_REMAINING:
        log.debug("cache %s: expires %s, too soon: miss", path.name, creds.expiration.isoformat())
        return None
    return creds


def store(path: Path, cache_key: Mapping[str, str | None], creds: Credentials, role_arn: str | None = None) -> None:
    """Atomic, private (0700 directory, 0600 file), under the file's lock."""
    from awscli_saml_sso import atomicfile  # only on the slow path

    data = {
        "version": VERSION,
        "key": dict(cache_key),
        "AccessKeyId": creds.access_key_id,
        "SecretAccessKey": creds.secret_access_key,
        "SessionToken": creds.session_token,
        "Expiration": format_expiration(creds.expiration),
        "RoleArn": role_arn,
    }
    atomicfile.write_private(path, json.dumps(data, indent=1).encode() + b"\n", own_dir=True)


def role_arn(path: Path) -> str | None:
    """The role a cache file's credentials are for (``status``, ``console``), or None."""
    entry = read(path)
    value = entry.get("RoleArn") if entry else None
    return value if isinstance(value, str) and value else None


def read(path: Path) -> dict | None:
    """A cache file's JSON object, or None when absent, unreadable or of another version."""
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) and data.get("version") == VERSION else None


def entries(environ: Mapping[str, str]) -> list[tuple[Path, dict]]:
    """Every ``credential-process`` cache file with its content (``logout``, ``status``)."""
    found = []
    for path in sorted(paths.cache_dir(environ).glob("credential-process-*.json")):
        data = read(path)
        if data is not None and isinstance(data.get("key"), dict):
            found.append((path, data))
    return found


def remove(path: Path) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
