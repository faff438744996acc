"""Whether a file or directory the tool reads secrets from can be trusted.

A directory or file is trusted when it belongs to the person running the tool (or to root, who
can change anything anyway) and nobody else can write to it (no group or other write bit). A
cache directory that another user could replace, or a stored-IdP file another user wrote, would
let them hand us their keys or their IdP URL: such paths are refused with one line, never
"fixed" silently (tightening the mode afterwards would trust what was put there meanwhile).

POSIX only: on Windows, ownership and ACLs are not expressed by ``st_uid``/``st_mode``.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from awscli_saml_sso.errors import FilesError

CHECKED = os.name == "posix"


def _trusted_owner(uid: int) -> bool:
    return uid in (os.geteuid(), 0)


def check_stat(path: Path | str, st: os.stat_result) -> None:
    """Refuse ``path`` (described by ``st``) unless it is ours and not writable by others."""
    if not CHECKED:
        return
    kind = "directory" if stat.S_ISDIR(st.st_mode) else "file"
    if not _trusted_owner(st.st_uid):
        raise FilesError(
            f"refusing to trust the {kind} {path}: it belongs to another user (uid {st.st_uid})",
            hint=f"check it, then remove it or give it back to yourself (chown {os.geteuid()})",
        )
    if st.st_mode & 0o022:
        raise FilesError(
            f"refusing to trust the {kind} {path}: others can write to it (mode {stat.S_IMODE(st.st_mode):04o})",
            hint=f"check its contents, then: chmod go-w {path}",
        )


def check_tree(path: Path, top: Path) -> None:
    """Check ``top`` and every existing directory or file below it down to ``path`` (symlinks
    followed: a link into the person's dotfiles is judged by what it points to). A ``path``
    outside ``top`` is checked alone."""
    path, top = Path(path), Path(top)
    try:
        rel = path.relative_to(top)
    except ValueError:
        chain = [path]
    else:
        chain = [top] + [top.joinpath(*rel.parts[: i + 1]) for i in range(len(rel.parts))]
    for item in chain:
        try:
            st = os.stat(item)
        except FileNotFoundError:
            return  # nothing below a missing directory exists either
        except OSError as exc:
            raise FilesError(f"cannot check {item}: {exc.strerror or exc}") from exc
        check_stat(item, st)
