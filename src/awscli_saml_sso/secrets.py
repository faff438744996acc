"""IdP passwords in the OS keyring, and nowhere else.

``keyring`` is imported by each function (not at module import) so ``--help`` stays fast and a
broken keyring only matters to the code path that needs a password. Reading is forgiving (a
keyring that cannot answer means "no stored password": the person is asked instead); writing is
not (the person asked for the password to be kept and must learn that it was not).

Secrets never reach a log: failures are logged with the exception's type only, because some
backends put the stored value or their own unlock secret in their messages.
"""

from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path

from awscli_saml_sso import atomicfile
from awscli_saml_sso.errors import FilesError

log = logging.getLogger(__name__)

SERVICE = "awscli-saml-sso"
# The original tool (0.3) kept one password per nickname: keyring service "idp_nickname",
# keyring username = the nickname (awscli_saml_sso/config_parser.py, store_password).
LEGACY_SERVICE = "idp_nickname"

KEYRING_HINT = (
    "no usable OS keyring: install and unlock one (Keychain, Windows Credential Locker, Secret Service), "
    "or add a file backend (a plain file, only for machines you trust): pipx inject awscli-saml-sso "
    "keyrings.alt and export PYTHON_KEYRING_BACKEND=keyrings.alt.file.PlaintextKeyring; "
    "or pass --password-stdin at each login"
)


def keyring_usable() -> bool:
    """Whether a password could be kept: a keyring backend that can store, not keyring's
    stand-ins for "none" (``fail.Keyring`` raises on every call, ``null.Keyring`` drops it)."""
    try:
        import keyring
        from keyring.backends import fail, null

        backend = keyring.get_keyring()
    except Exception as exc:  # see set_password
        log.debug("keyring: unavailable (%s)", type(exc).__name__)
        return False
    chained = getattr(backend, "backends", None)
    candidates = list(chained) if chained is not None else [backend]
    usable = any(not isinstance(b, (fail.Keyring, null.Keyring)) for b in candidates)
    log.debug("keyring: backend %s is %susable", type(backend).__name__, "" if usable else "not ")
    return usable


def key(nickname: str, username: str) -> str:
    """Keyring username for one IdP account: two accounts on one IdP are two entries."""
    return f"{nickname}:{username}"


def get_password(nickname: str, username: str) -> str | None:
    """The stored password, or None when there is none or the keyring cannot answer."""
    return _get(SERVICE, key(nickname, username))


def get_legacy_password(nickname: str) -> str | None:
    """The original tool's password for ``nickname`` (read once, when migrating its file)."""
    return _get(LEGACY_SERVICE, nickname)


def set_password(nickname: str, username: str, password: str) -> str | None:
    """Keep the password; returns a note for the person when it went into a plain file for the
    first time without being asked for (keyrings.alt's PlaintextKeyring, picked by ``keyring``
    because no OS keyring is usable)."""
    try:
        import keyring  # heavy (entry-point discovery), only when storing

        plain = _plain_file(keyring.get_keyring())
        first = plain is not None and not plain.exists()
        if first:
            _create_private(plain)
        keyring.set_password(SERVICE, key(nickname, username), password)
    except Exception as exc:  # every backend has its own errors (dbus, Keychain, ...
        log.debug("keyring: storing the password for %s failed: %s", key(nickname, username), type(exc).__name__)
        raise FilesError(
            f"could not store the password for {username!r} ({nickname}) in the OS keyring ({type(exc).__name__})",
            hint=KEYRING_HINT,
        ) from None
    if first and not _asked_for():
        return (
            f"the password is kept in a plain file, {plain} (0600): keyrings.alt's PlaintextKeyring, "
            "picked because no OS keyring is usable; prefer a real one (unlock or install the Secret "
            "Service: gnome-keyring, KeePassXC), or pass --password-stdin at each login"
        )
    return None


def _plain_file(backend: object) -> Path | None:
    """The file the password would be written to, when the storing backend is a plain file."""
    chained = getattr(backend, "backends", None)
    storing = chained[0] if chained else backend  # a chain stores in its first (best) backend
    module = type(storing).__module__
    if not module.startswith("keyrings.alt.") or not hasattr(storing, "file_path"):
        return None
    return Path(storing.file_path)


def _create_private(file: Path) -> None:
    """Create the plain file's directories 0700 and the file 0600 before keyrings.alt does: it
    makes them with the umask's modes (``~/.local/share/python_keyring`` 0777 under umask 000)."""
    atomicfile.ensure_private_dir(file.parent)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600))


def _asked_for() -> bool:
    """Whether the person chose the backend (PYTHON_KEYRING_BACKEND, keyringrc.cfg)."""
    import keyring.core

    return keyring.core.load_env() is not None or keyring.core.load_config() is not None


def delete_password(nickname: str, username: str) -> None:
    """Forget the password; a missing entry or an unusable keyring is not an error here."""
    try:
        import keyring
        from keyring.errors import PasswordDeleteError
    except Exception as exc:  # keyring not importable: nothing stored through it
        log.debug("keyring: unavailable (%s)", type(exc).__name__)
        return
    try:
        keyring.delete_password(SERVICE, key(nickname, username))
        log.debug("keyring: deleted the password for %s", key(nickname, username))
    except PasswordDeleteError:
        log.debug("keyring: no password stored for %s", key(nickname, username))
    except Exception as exc:  # see set_password
        log.debug("keyring: deleting the password for %s failed: %s", key(nickname, username), type(exc).__name__)


def _get(service: str, name: str) -> str | None:
    try:
        import keyring

        password = keyring.get_password(service, name)
    except Exception as exc:  # see set_password; reading falls back to a prompt
        log.debug("keyring: reading %s/%s failed: %s", service, name, type(exc).__name__)
        return None
    if password:
        from awscli_saml_sso import logsetup

        logsetup.register_secret(password)
    log.debug("keyring: %s password for %s/%s", "found a" if password else "no", service, name)
    return password or None
