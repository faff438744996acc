"""Stored IdPs: ``<tool home>/idps.json``, versioned, private, written atomically under a lock.

Format (version 2)::

    {"version": 2, "idps": {"corp": {"url": "https://...", "username": "me", "role_arn": "...",
                                     "allowed_origins": ["https://login.partner.example"]}}}

Fields that are not set are left out. ``allowed_origins`` (new in version 2): the web origins
besides the URL's own where the password may be typed (``origins``), remembered like SSH's
known hosts. A version 1 file is read as is (no allowed origins). A file is written as version 2
only when an IdP has allowed origins, else as version 1: an older awscli-saml-sso keeps reading
it, and one that is given a version 2 file refuses it rather than silently drop the origins. Passwords are never in this file: they live in the OS
keyring (``secrets``). The original tool's ``~/.awscli_saml_sso/credentials`` (an INI file, one
section per nickname) is converted on first use and renamed aside, never deleted (``migrate``,
with the reading and conversion in ``legacy``).

Light imports only: this module is imported by ``--help`` paths.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import re
import shutil
from collections.abc import Mapping
from pathlib import Path

from awscli_saml_sso import atomicfile, origins, paths, trust
from awscli_saml_sso.defaults import BROWSERS, ENGINE_AUTO, ENGINES, MAX_DURATION, MFA_METHODS, MIN_DURATION
from awscli_saml_sso.errors import FilesError, UsageError
from awscli_saml_sso.models import StoredIdp
from awscli_saml_sso.origins import validate_url
from awscli_saml_sso.secrets import delete_password, get_password, set_password

log = logging.getLogger(__name__)

FILENAME = "idps.json"
VERSION = 2  # 2: allowed_origins
MAX_FILE_BYTES = 1024 * 1024  # a few IdPs take a few hundred bytes; anything this big is not ours
NICKNAME_RE = re.compile(r"[A-Za-z0-9_.-]{1,64}")
_ROLE_ARN_RE = re.compile(r"arn:aws(-[a-z]+)*:iam::\d{12}:role/\S+")
_REGION_RE = re.compile(r"[a-z]{2}(-[a-z]+)+-\d{1,2}")
_PROFILE_RE = re.compile(r"[^\s\[\]]{1,128}")

__all__ = [
    "StoredIdp",
    "load_all",
    "load_all_with_note",
    "migrate",
    "get",
    "save",
    "update",
    "remove",
    "validate",
    "validate_url",
    "validate_nickname",
    "idps_path",
    "allow_origins",
    "get_password",
    "set_password",
    "delete_password",
    "remember_step",
    "remember_engine",
]


_FIELDS = {f.name: f for f in dataclasses.fields(StoredIdp)}


# ------------------------------------------------------------------------------------------
# validation (also used by prompts)
# ------------------------------------------------------------------------------------------
def validate_nickname(nickname: str) -> str:
    if not NICKNAME_RE.fullmatch(nickname or ""):
        raise UsageError(
            f"invalid IdP nickname {nickname!r}",
            hint="use 1 to 64 letters, digits, '.', '_' or '-'",
        )
    return nickname


def validate(idp: StoredIdp) -> StoredIdp:
    """Raise ``UsageError`` naming the first bad field; returns a copy with the URL trimmed."""
    validate_nickname(idp.nickname)
    url = validate_url(idp.url)
    _check(
        idp.username is None or (idp.username.strip() and "\n" not in idp.username),
        "username",
        idp.username,
        "a non-empty, one-line username",
    )
    _check(idp.browser is None or idp.browser in BROWSERS, "browser", idp.browser, "one of " + ", ".join(BROWSERS))
    _check(
        idp.role_arn is None or _ROLE_ARN_RE.fullmatch(idp.role_arn),
        "role ARN",
        idp.role_arn,
        "arn:aws:iam::123456789012:role/NAME",
    )
    _check(
        idp.profile is None or _PROFILE_RE.fullmatch(idp.profile),
        "profile",
        idp.profile,
        "a profile name without spaces or brackets",
    )
    _check(idp.region is None or _REGION_RE.fullmatch(idp.region), "region", idp.region, "e.g. eu-west-1")
    duration_ok = idp.duration is None or (
        isinstance(idp.duration, int)
        and not isinstance(idp.duration, bool)
        and MIN_DURATION <= idp.duration <= MAX_DURATION
    )
    _check(duration_ok, "duration", idp.duration, f"seconds from {MIN_DURATION} to {MAX_DURATION}")
    _check(
        idp.mfa_method is None or idp.mfa_method in MFA_METHODS,
        "MFA method",
        idp.mfa_method,
        "one of " + ", ".join(MFA_METHODS),
    )
    _check(
        idp.app is None or (isinstance(idp.app, str) and 0 < len(idp.app) <= 100 and "\n" not in idp.app),
        "app",
        idp.app,
        "the text of a tile on the app dashboard, one short line",
    )
    _check(
        idp.needs_person is None or (len(idp.needs_person) <= 100 and "\n" not in idp.needs_person),
        "needs_person",
        idp.needs_person,
        "a short one-line note",
    )
    _check(idp.engine is None or idp.engine in ENGINES, "engine", idp.engine, "one of " + ", ".join(ENGINES))
    engine = None if idp.engine == ENGINE_AUTO else idp.engine  # auto is the default: not stored
    return dataclasses.replace(idp, url=url, allowed_origins=_origins(idp.allowed_origins), engine=engine)


def _origins(given: list[str] | None) -> list[str] | None:
    """Canonical, without duplicates, in the order given; None when there are none."""
    found: list[str] = []
    for origin in given or ():
        try:
            canonical = origins.normalize(origin)
        except ValueError:
            raise UsageError(f"invalid origin: {origin!r}", hint="expected e.g. https://login.example.com") from None
        if canonical not in found:
            found.append(canonical)
    return found or None


def allow_origins(nickname: str, new: list[str], environ: Mapping[str, str]) -> StoredIdp:
    """Remember ``new`` origins for the stored IdP (``idp add/set --allow-origin``, or an origin
    the person confirmed during a login); returns the IdP as stored."""
    path = idps_path(environ)
    get(nickname, environ)  # unknown nickname: the same error as everywhere
    with _locked(path) as real:
        known = _read(path)
        idp = known[nickname]
        idp = validate(dataclasses.replace(idp, allowed_origins=[*(idp.allowed_origins or ()), *new]))
        known[nickname] = idp
        _write(real, known)
    log.debug("IdP %s: allowed origins now %s", nickname, idp.allowed_origins)
    return idp


def _check(ok: object, what: str, value: object, expected: str) -> None:
    if not ok:
        raise UsageError(f"invalid {what}: {value!r}", hint=f"expected {expected}")


# ------------------------------------------------------------------------------------------
# the file
# ------------------------------------------------------------------------------------------
def idps_path(environ: Mapping[str, str]) -> Path:
    return paths.tool_home(environ) / FILENAME


def load_all(environ: Mapping[str, str]) -> dict[str, StoredIdp]:
    """Every stored IdP, sorted by nickname (migrates the original tool's file the first time)."""
    return load_all_with_note(environ)[0]


def load_all_with_note(environ: Mapping[str, str]) -> tuple[dict[str, StoredIdp], str | None]:
    """Like ``load_all``; the note (for the person) says what a migration just did, else None."""
    note = migrate(environ)
    return _read(idps_path(environ)), note


def get(nickname: str, environ: Mapping[str, str]) -> StoredIdp:
    known = load_all(environ)
    if nickname in known:
        return known[nickname]
    names = ", ".join(known)
    raise UsageError(
        f"unknown IdP nickname {nickname!r}",
        hint=(f"known: {names}; " if names else "no IdP is stored yet; ")
        + "add one with: awscli_saml_sso idp add NICK --url URL",
    )


def save(idp: StoredIdp, environ: Mapping[str, str]) -> Path:
    """Add or replace ``idp`` (validated first); returns the file written."""
    idp = validate(idp)
    migrate(environ)
    path = idps_path(environ)
    with _locked(path) as real:
        known = _read(path)
        known[idp.nickname] = idp
        _write(real, known)
    log.debug("stored IdP %s in %s", idp.nickname, path)
    return path


def update(nickname: str, changes: Mapping[str, object], environ: Mapping[str, str]) -> tuple[StoredIdp, Path]:
    """Change only the fields in ``changes`` (a value of None clears one) of a stored IdP, under the
    lock, so a concurrent login that remembers its role keeps it. Returns the new entry and file."""
    unknown = set(changes) - set(_FIELDS) | ({"nickname"} & set(changes))
    if unknown:
        raise ValueError(f"not fields of a stored IdP: {sorted(unknown)}")
    get(nickname, environ)  # unknown nickname: the same error as everywhere (and the migration)
    path = idps_path(environ)
    with _locked(path) as real:
        known = _read(path)
        if nickname not in known:  # removed by another run meanwhile
            get(nickname, environ)
        updated = validate(dataclasses.replace(known[nickname], **changes))
        known[nickname] = updated
        _write(real, known)
    log.debug("changed %s of IdP %s in %s", ", ".join(sorted(changes)), nickname, path)
    return updated, path


def remember_step(nickname: str, step: str, environ: Mapping[str, str]) -> None:
    """Note on the stored IdP that its login needed ``step`` from a person, to say so next time."""
    idp = get(nickname, environ)
    if idp.needs_person != step:
        save(dataclasses.replace(idp, needs_person=step), environ)


def remember_engine(nickname: str, engine: str, environ: Mapping[str, str]) -> None:
    """Note that the IdP's login needed ``engine`` (the browser), so ``auto`` starts there next time."""
    idp = get(nickname, environ)
    if idp.engine in (None, ENGINE_AUTO) and engine != ENGINE_AUTO:
        save(dataclasses.replace(idp, engine=engine), environ)


def remove(nickname: str, environ: Mapping[str, str]) -> None:
    """Forget the IdP, its keyring password and its browser profile (its SSO cookies)."""
    path = idps_path(environ)
    get(nickname, environ)  # unknown nickname: the same error as everywhere
    with _locked(path) as real:
        known = _read(path)
        idp = known.pop(nickname, None)
        _write(real, known)
    if idp is not None and idp.username:
        delete_password(nickname, idp.username)
    profile_dir = paths.browser_profile_dir(environ, nickname)
    if profile_dir.is_dir() and not profile_dir.is_symlink():
        shutil.rmtree(profile_dir, ignore_errors=True)
    from awscli_saml_sso import cookiestore  # its cookie jar goes with it

    cookiestore.remove(cookiestore.jar_path(environ, nickname))
    log.debug("removed IdP %s", nickname)


def _read(path: Path) -> dict[str, StoredIdp]:
    """Read only a file we can trust (ours, in a directory of ours, nobody else can write to
    either): the URL in it is where the password is typed."""
    trust.check_tree(path.parent, path.parent)
    # twice the limit: a file just over it is reported as damaged by _decode, not read whole
    raw = atomicfile.read_bytes(path, 2 * MAX_FILE_BYTES, trusted=True, what="stored-IdP file")
    if not raw and not path.exists():
        return {}
    return _decode(raw, path)


def _decode(raw: bytes, path: Path) -> dict[str, StoredIdp]:
    if len(raw) > MAX_FILE_BYTES:
        raise _corrupt(path, f"larger than {MAX_FILE_BYTES // 1024 // 1024} MB")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError) as exc:  # also: nested too deeply, an integer of 5,000 digits
        raise _corrupt(path, f"not valid JSON ({exc.__class__.__name__})") from None
    if not isinstance(data, dict) or not isinstance(data.get("version"), int):
        raise _corrupt(path, "no format version")
    if data["version"] > VERSION:
        raise FilesError(
            f"{path} was written by a newer awscli-saml-sso "
            f"(format version {data['version']}, this one reads {VERSION})",
            hint="upgrade: pip install --upgrade awscli-saml-sso",
        )
    if data["version"] < 1 or not isinstance(data.get("idps"), dict):
        raise _corrupt(path, "unknown layout")
    idps = {}
    for nickname in sorted(data["idps"]):
        idps[nickname] = _entry(nickname, data["idps"][nickname], path)
    return idps


def _entry(nickname: str, entry: object, path: Path) -> StoredIdp:
    if not isinstance(entry, dict) or not isinstance(entry.get("url"), str):
        raise _corrupt(path, f"IdP {nickname!r} has no URL")
    values = {}
    for name, value in entry.items():
        if name not in _FIELDS or name == "nickname":
            log.debug("%s: ignoring unknown field %r of IdP %s", path, name, nickname)
            continue
        wanted = int if name == "duration" else list if name == "allowed_origins" else str
        if value is not None and (type(value) is not wanted):
            raise _corrupt(path, f"IdP {nickname!r}: {name} is not a {wanted.__name__}")
        if name == "allowed_origins" and not all(isinstance(o, str) for o in value or ()):
            raise _corrupt(path, f"IdP {nickname!r}: an allowed origin is not a string")
        values[name] = value
    return StoredIdp(nickname=nickname, **values)


def _corrupt(path: Path, why: str) -> FilesError:
    return FilesError(
        f"{path} is damaged: {why}",
        hint="fix it, or move it aside and add your IdPs again with: awscli_saml_sso idp add",
    )


def _write(real: Path, idps: Mapping[str, StoredIdp]) -> None:
    """Replace the real file (a symlinked ``idps.json`` stays a link); under ``_locked`` only."""
    version = VERSION if any(i.allowed_origins for i in idps.values()) else 1
    document = {"version": version, "idps": {n: idps[n].to_json() for n in sorted(idps)}}
    atomicfile.atomic_write(real, (json.dumps(document, indent=2, sort_keys=True) + "\n").encode("utf-8"))


def _locked(path: Path) -> contextlib.AbstractContextManager[Path]:
    """Serialise read-modify-write between concurrent runs (``<file>.lock`` beside the real file,
    the tool home created or tightened to 0700); yields the real file for ``_write``."""
    return atomicfile.updating(path, own_dir=True)


# ------------------------------------------------------------------------------------------
# the original tool's file
# ------------------------------------------------------------------------------------------
def migrate(environ: Mapping[str, str]) -> str | None:
    """Convert the original tool's file into ``idps.json`` once; a note for the person, or None.

    Runs only while ``idps.json`` does not exist. The original file is renamed to
    ``credentials.migrated-<UTC time>`` (never deleted), so the original tool starts afresh.
    """
    path = idps_path(environ)
    if path.exists():
        return None
    from awscli_saml_sso import legacy  # configparser etc. only when migrating

    sources = [s for s in legacy.legacy_paths(environ) if s.is_file()]
    if not sources:
        return None
    with _locked(path) as real:
        if path.exists():  # another run migrated while this one waited for the lock
            return None
        converted = legacy.convert(sources[0])
        _write(real, {idp.nickname: idp for idp in converted.idps})
        moved_to = legacy.move_aside(sources[0], converted.scrub)
    note = converted.note(sources[0], moved_to)
    log.info("%s", note)
    return note
