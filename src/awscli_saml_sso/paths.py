"""Where the tool keeps its own state. Every directory it creates is private (0700)."""

from __future__ import annotations

import contextlib
import os
import re
import stat
from collections.abc import Iterator, Mapping
from pathlib import Path

from awscli_saml_sso.errors import FilesError

HOME_ENV = "ASS_HOME"
HOME_DIRNAME = ".awscli_saml_sso"


def user_home(environ: Mapping[str, str]) -> Path:
    home = environ.get("HOME") or environ.get("USERPROFILE")
    return Path(home) if home else Path.home()


def tool_home(environ: Mapping[str, str]) -> Path:
    """``$ASS_HOME``, else ``~/.awscli_saml_sso`` (the original tool's place)."""
    override = environ.get(HOME_ENV)
    return Path(override).expanduser() if override else user_home(environ) / HOME_DIRNAME


def private_dir(path: Path) -> Path:
    """Create ``path`` and each missing parent as 0700, whatever the umask, and tighten ``path``
    if it already existed (and is ours: another user's directory is refused, not taken over).

    Each level is made with ``mkdir(0o700)`` itself: ``mkdir(parents=True)`` would create the
    parents with the umask's mode (0777 under umask 000), and another user could replace what
    is inside before a later chmod. The umask can only remove bits, so 0700 is never exceeded;
    the chmod afterwards restores bits a strange umask (e.g. 0100) removed."""
    from awscli_saml_sso import trust  # light; keeps this module import-free

    missing = [d for d in (path, *path.parents) if not os.path.lexists(d)]
    try:
        for directory in reversed(missing):
            try:
                directory.mkdir(mode=0o700)
            except FileExistsError:
                pass  # made meanwhile by a concurrent run: judged below like any existing one
            else:
                _chmod_private(directory)
        st = os.stat(path)
    except OSError as exc:
        raise FilesError(f"cannot create the directory {path}: {exc.strerror or exc}") from exc
    if not stat.S_ISDIR(st.st_mode):
        raise FilesError(f"{path} is not a directory", hint="move it aside")
    if os.name == "posix" and st.st_uid != os.geteuid():
        trust.check_stat(path, st)  # root's own directory passes; anyone else's is refused
    if path not in missing:
        _chmod_private(path)
    return path


def _chmod_private(directory: Path) -> None:
    if os.name == "posix":
        try:
            os.chmod(directory, 0o700)
        except OSError as exc:
            raise FilesError(f"cannot make {directory} private (0700): {exc.strerror or exc}") from exc


def diagnostics_dir(environ: Mapping[str, str]) -> Path:
    return tool_home(environ) / "diagnostics"


def browser_profile_dir(environ: Mapping[str, str], nickname: str) -> Path:
    """One persistent browser profile per stored IdP, so the IdP's SSO cookie is kept."""
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", nickname) or "_"
    return tool_home(environ) / "browser-profiles" / safe


def cache_dir(environ: Mapping[str, str]) -> Path:
    return tool_home(environ) / "cache"


@contextlib.contextmanager
def private_umask() -> Iterator[None]:
    """Run the block under umask 077: a process started in it (the browser) creates its files
    0600 and directories 0700 whatever the person's umask (000 left Chromium's ``Preferences``
    0666). Process-wide for a moment: what other threads create meanwhile is only more private,
    and all the tool creates is meant to be private anyway."""
    if os.name != "posix":
        yield
        return
    previous = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(previous)
