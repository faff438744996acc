"""The original tool's stored IdPs (0.1–0.3), read once and converted for ``idps.migrate``.

0.3 kept ``~/.awscli_saml_sso/credentials``, an INI file written by ``ConfigParser``: one section
per nickname with ``idp_url``, ``login``, ``browser_name`` and ``user_data_dir``; 0.1–0.2 kept the
same in ``~/.awscli_saml_sso_credentials``. Passwords were in the keyring (service
``idp_nickname``), never in the file; a hand-edited plaintext one is moved to the keyring.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import re
from collections.abc import Mapping
from pathlib import Path

from awscli_saml_sso import atomicfile, paths, secrets
from awscli_saml_sso.errors import FilesError, UsageError
from awscli_saml_sso.models import StoredIdp
from awscli_saml_sso.origins import validate_url

log = logging.getLogger(__name__)


def legacy_paths(environ: Mapping[str, str]) -> list[Path]:
    """Where the original tool kept its IdPs: 0.3 (``~/.awscli_saml_sso/credentials``), then 0.1–0.2
    (``~/.awscli_saml_sso_credentials``, only when ``ASS_HOME`` does not move the tool home)."""
    found = [paths.tool_home(environ) / "credentials"]
    if not environ.get(paths.HOME_ENV):
        found.append(paths.user_home(environ) / ".awscli_saml_sso_credentials")
    return found


# Keys a hand-edited original file might hold a plaintext password under (0.3 never wrote one:
# it kept passwords in the keyring). Moved to the keyring, then dropped from the kept copy.
_PASSWORD_KEYS = ("password", "idp_password")
# 0.3's browser names (browser.py SupportedBrowsers) -> ours
_LEGACY_BROWSERS = {"edge": "edge", "chrome": "chrome", "firefox": "firefox", "chromium": "chromium"}


@dataclasses.dataclass
class _Converted:
    idps: list[StoredIdp] = dataclasses.field(default_factory=list)
    renamed: dict[str, str] = dataclasses.field(default_factory=dict)
    skipped: list[str] = dataclasses.field(default_factory=list)
    passwords: int = 0
    scrub: list[tuple[str, str]] = dataclasses.field(default_factory=list)  # (section, key) to drop

    def note(self, source: Path, moved_to: Path) -> str:
        count = len(self.idps)
        parts = [
            f"migrated {count} IdP{'s' if count != 1 else ''} from the original tool's file {source} "
            f"(kept as {moved_to.name})"
        ]
        parts += [f"renamed {old!r} to {new!r}" for old, new in self.renamed.items()]
        if self.skipped:
            parts.append("skipped (no valid URL): " + ", ".join(repr(s) for s in self.skipped))
        if self.passwords:
            parts.append(f"{self.passwords} password{'s' if self.passwords != 1 else ''} now in the keyring")
        return "; ".join(parts)


def convert(source: Path) -> _Converted:
    """The original's INI: one section per nickname with ``idp_url``, ``login``, ``browser_name``
    and ``user_data_dir`` (awscli_saml_sso/config_parser.py in 0.3)."""
    parser = _read_legacy(source)
    result = _Converted()
    taken: set[str] = set()
    for section in parser.sections():
        values = {key: _legacy_value(parser, section, key) for key in parser.options(section)}
        try:
            url = validate_url(values.get("idp_url", ""))
        except UsageError:
            result.skipped.append(section)
            continue
        nickname = _free_nickname(section, taken)
        if nickname != section:
            result.renamed[section] = nickname
        username = (values.get("login") or "").strip() or None
        browser = _LEGACY_BROWSERS.get((values.get("browser_name") or "").strip().lower())
        result.idps.append(StoredIdp(nickname=nickname, url=url, username=username, browser=browser))
        if username:
            result.passwords += _move_password(section, nickname, username, values, result)
    return result


def _read_legacy(source: Path):  # -> configparser.ConfigParser
    import configparser  # only for the one-time migration

    # Default interpolation, as the original read it: '%%' in a stored value meant '%'.
    parser = configparser.ConfigParser()
    # a regular file of ours only, like idps.json: its URLs are where passwords would be typed
    raw = atomicfile.read_bytes(source, trusted=True, what="file of the original tool")
    try:
        parser.read_string(raw.decode("utf-8"), source=str(source))
    except (OSError, UnicodeDecodeError, configparser.Error) as exc:
        raise FilesError(
            f"cannot read the original tool's file {source}: {type(exc).__name__}",
            hint="fix it, or move it aside and add your IdPs with: awscli_saml_sso idp add",
        ) from None
    return parser


def _legacy_value(parser, section: str, key: str) -> str:
    import configparser

    try:
        return parser.get(section, key)
    except configparser.InterpolationError:  # a lone '%': the original never read it; take it as is
        return parser.get(section, key, raw=True)


def _free_nickname(name: str, taken: set[str]) -> str:
    base = re.sub(r"[^A-Za-z0-9_.-]", "_", name.strip())[:60] or "idp"
    candidate, number = base, 2
    while candidate in taken:
        candidate, number = f"{base}-{number}", number + 1
    taken.add(candidate)
    return candidate


def _move_password(section: str, nickname: str, username: str, values: dict[str, str], result: _Converted) -> int:
    """Copy the original's password (keyring, or a plaintext one in the file) to our keyring entry.
    The original's keyring entry is left alone: the original tool may still be in use."""
    in_file = next((k for k in _PASSWORD_KEYS if values.get(k)), None)
    password = values[in_file] if in_file else secrets.get_legacy_password(section)
    if not password or secrets.get_password(nickname, username) is not None:
        return 0
    try:
        secrets.set_password(nickname, username, password)
    except FilesError:
        log.warning("could not move the password of IdP %s into the keyring; it will be asked at login", nickname)
        return 0
    if in_file:
        result.scrub.append((section, in_file))
    return 1


def move_aside(source: Path, scrub: list[tuple[str, str]]) -> Path:
    """Rename the original file to ``<name>.migrated-<UTC time>``; plaintext passwords that are now in
    the keyring are dropped from the kept copy."""
    import datetime as dt

    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    target, number = source.with_name(f"{source.name}.migrated-{stamp}"), 2
    while target.exists():
        target, number = source.with_name(f"{source.name}.migrated-{stamp}-{number}"), number + 1
    try:
        if scrub:
            parser = _read_legacy(source)
            for section, key in scrub:
                parser.remove_option(section, key)
            import io

            text = io.StringIO()
            parser.write(text)
            # not locked itself: idps.migrate holds idps.json's lock around the whole migration
            atomicfile.atomic_write(atomicfile.private_target(target, own_dir=True), text.getvalue().encode("utf-8"))
            os.unlink(source)
        else:
            os.rename(source, target)
            if os.name == "posix":  # it names the person's accounts: keep it private like the rest
                os.chmod(target, 0o600)
    except OSError as exc:
        raise FilesError(
            f"cannot move {source} aside: {exc.strerror}", hint="check its owner and permissions"
        ) from None
    return target
