"""Private files written so that a crash never leaves a mix: lock, temp file, fsync, replace.

The one writer of the tool's private files (``~/.aws`` files, stored IdPs, caches):
``write_private(path, data)``, or ``updating(path)`` around a read-modify-write. Both resolve the
real file (``write_target``: a link is followed only to a file of ours), make its directory
private, and hold the lock while ``atomic_write`` replaces the file.

``locked(path)`` serialises writers of one file through a sidecar ``<file>.lock`` (flock on POSIX,
msvcrt on Windows; the OS releases it when the holder dies), removed again by its holder. ``atomic_write`` writes a temporary
file in the same directory (mode 0600), fsyncs it, renames it over the target and fsyncs the
directory. Errors become :class:`FilesError` naming the path and the OS's reason.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from .errors import FilesError

LOCK_TIMEOUT = 30.0  # seconds to wait for another run holding the lock
# ~/.aws files are read whole and parsed in memory: 4 MB is 20,000 profiles, and parses in about
# a second; a 10 MB file (or a symlink to /dev/zero) is refused at once instead.
MAX_READ_BYTES = 4 * 1024 * 1024
_TMP_SUFFIX = ".ass-tmp"


def _os_reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


def ensure_private_dir(directory: Path) -> None:
    """The directory and its missing parents, each created 0700 (see ``paths.private_dir``)."""
    if directory.is_dir():
        return
    from . import paths  # paths is light, but only needed here

    paths.private_dir(directory)


_READ_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)
_KINDS = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISDIR, "a directory"),
)


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def read_bytes(
    path: Path, limit: int | None = None, *, trusted: bool = False, what: str = "AWS credentials or config file"
) -> bytes:
    """The file's bytes (empty when it does not exist); more than ``limit`` bytes is an error.

    Regular files only: the file is opened non-blocking (a FIFO would otherwise block the open
    until a writer comes, forever) and checked with ``fstat`` on the open descriptor, so a
    FIFO, a device (a link to /dev/zero) or a directory is one clear error at once. With
    ``trusted``, the file must also be ours and not writable by others (``trust``)."""
    limit = MAX_READ_BYTES if limit is None else limit
    try:
        fd = os.open(path, _READ_FLAGS)
    except FileNotFoundError:
        return b""
    except OSError as exc:
        raise FilesError(f"cannot read {path}: {_os_reason(exc)}", hint="check its permissions") from exc
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise FilesError(
                f"cannot read {path}: it is {_kind(st.st_mode)}, not a regular file",
                hint="replace it with a regular file, or point the tool at another one",
            )
        if trusted:
            from . import trust

            trust.check_stat(path, st)
        data = _read_at_most(fd, limit + 1)
    except OSError as exc:
        raise FilesError(f"cannot read {path}: {_os_reason(exc)}", hint="check its permissions") from exc
    finally:
        os.close(fd)
    if len(data) > limit:
        size = f"{limit // (1024 * 1024)} MB" if limit >= 1024 * 1024 else f"{limit // 1024} KB"
        raise FilesError(
            f"{path} is larger than {size}, far beyond any {what}",
            hint="check that it is the right file; it was not changed",
        )
    return data


def _read_at_most(fd: int, count: int) -> bytes:
    chunks, left = [], count
    while left > 0:
        chunk = os.read(fd, min(left, 1024 * 1024))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def write_target(path: Path | str) -> Path:
    """The file a write to ``path`` really changes: symlinks are followed (a credentials file
    linked into a dotfiles repository stays a link), but only to a file of our own.

    Refused, with nothing written: a dangling link anywhere on the way (it would create a file
    wherever it points), and an existing target that belongs to another user (root writing
    through a link would take the file over: new owner root, mode 0600) or is not a regular
    file."""
    path = Path(path)
    for item in (path, *path.parents):
        if os.path.islink(item) and not os.path.exists(item):
            raise FilesError(
                f"{item} is a symbolic link to {os.readlink(item)}, which does not exist",
                hint="create the file it points to, or remove the link; nothing was written",
            )
    real = Path(os.path.realpath(path))
    try:
        st = os.stat(real)
    except FileNotFoundError:
        return real
    except OSError as exc:
        raise FilesError(f"cannot check {real}: {_os_reason(exc)}") from exc
    via = f" (linked from {path})" if real != path.absolute() else ""
    if not stat.S_ISREG(st.st_mode):
        raise FilesError(
            f"cannot write {real}{via}: it is {_kind(st.st_mode)}, not a regular file",
            hint="replace it with a regular file; nothing was written",
        )
    if hasattr(os, "geteuid") and st.st_uid != os.geteuid():
        raise FilesError(
            f"refusing to write {real}{via}: it belongs to another user (uid {st.st_uid})",
            hint="write your own file instead (AWS_SHARED_CREDENTIALS_FILE, AWS_CONFIG_FILE); nothing was changed",
        )
    return real


def private_target(path: Path | str, *, own_dir: bool = False) -> Path:
    """``write_target(path)`` with its directory private: missing levels are created 0700; with
    ``own_dir`` (a directory of the tool's own, not ``~/.aws``) an existing one is tightened too."""
    real = write_target(path)
    if own_dir:
        from . import paths  # light; only needed here

        paths.private_dir(real.parent)
    else:
        ensure_private_dir(real.parent)
    return real


@contextlib.contextmanager
def updating(path: Path | str, *, own_dir: bool = False) -> Iterator[Path]:
    """Hold the lock of the real file behind ``path`` (``private_target``) and yield it: read it,
    then ``atomic_write`` it, and no other run writes in between."""
    real = private_target(path, own_dir=own_dir)
    with locked(real):
        yield real


def write_private(path: Path | str, data: bytes, *, own_dir: bool = False) -> Path:
    """Replace the file at ``path`` with ``data``: atomic, 0600, under its lock, through a link
    only to a file of ours (``updating``). Returns the real file written."""
    with updating(path, own_dir=own_dir) as real:
        atomic_write(real, data)
    return real


def chmod_private(path: Path) -> None:
    try:
        os.chmod(path, 0o600)
    except OSError as exc:
        raise FilesError(f"cannot make {path} private (0600): {_os_reason(exc)}") from exc


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same directory: a crash at
    any moment leaves the old file or the new one, never a mix or an empty file."""
    fd, tmp = -1, None
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=_TMP_SUFFIX)
        os.chmod(tmp, 0o600)  # mkstemp already does; be explicit (and right on every platform)
        with open(fd, "wb", closefd=True) as out:
            fd = -1
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
        tmp = None
        _fsync_dir(path.parent)
    except OSError as exc:
        raise FilesError(
            f"cannot write {path}: {_os_reason(exc)}",
            hint="the old file is unchanged; check free disk space and permissions",
        ) from exc
    finally:
        if fd >= 0:
            os.close(fd)
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def _fsync_dir(directory: Path) -> None:
    """Make the rename durable. Not possible on Windows, and refused by some file systems."""
    if os.name == "nt":
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError as exc:
        if exc.errno not in (errno.EINVAL, errno.ENOTSUP, errno.EBADF):
            raise
    finally:
        os.close(fd)


@contextlib.contextmanager
def locked(real: Path, timeout: float | None = None) -> Iterator[None]:
    """Exclusive lock on ``<file>.lock`` beside the file. The OS drops it when its holder dies,
    so a crashed run never leaves a stale lock; the holder removes the file when it is done, so
    no empty ``*.lock`` stays behind (POSIX; on Windows an open file cannot be removed).

    Why removing it is race-free: the lock file is only ever removed by the holder of its lock,
    while holding it. A run that locked a file is the holder only if the path still names that
    very file (same device and inode) once locked; a run that was waiting on a file its holder
    has just removed finds the path gone or naming another file, and starts over on it. So at
    any moment at most one run holds the lock of the file the path names."""
    lock_path = Path(f"{real}.lock")
    fd = _lock(lock_path, LOCK_TIMEOUT if timeout is None else timeout)
    try:
        _remove_stale_temps(real)
        yield
    finally:
        if os.name != "nt":
            with contextlib.suppress(OSError):
                os.unlink(lock_path)  # still holding it: see above
        os.close(fd)  # closing releases the lock


def _lock(lock_path: Path, timeout: float) -> int:
    """An open descriptor of ``lock_path``, locked, that the path still names."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            # O_NOFOLLOW: a planted link must not make us create or truncate a file elsewhere
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o600)
        except OSError as exc:
            raise FilesError(f"cannot create the lock file {lock_path}: {_os_reason(exc)}") from exc
        try:
            _acquire(fd, lock_path, deadline, timeout)
            if os.name == "nt" or _names(lock_path, fd):
                return fd
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)  # its holder removed it meanwhile: lock the file the path names now


def _names(lock_path: Path, fd: int) -> bool:
    """Whether ``lock_path`` (not following a link) is the open file ``fd``."""
    try:
        on_disk = os.stat(lock_path, follow_symlinks=False)
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise FilesError(f"cannot check the lock file {lock_path}: {_os_reason(exc)}") from exc
    held = os.fstat(fd)
    return (on_disk.st_dev, on_disk.st_ino) == (held.st_dev, held.st_ino)


def _acquire(fd: int, lock_path: Path, deadline: float, timeout: float) -> None:
    while not _try_lock(fd, lock_path):
        if time.monotonic() > deadline:
            raise FilesError(
                f"{lock_path.with_suffix('')} is locked by another awscli_saml_sso run (waited {timeout:.0f} s)",
                hint="wait for the other run to finish, then try again",
            )
        time.sleep(0.02)


def _try_lock(fd: int, lock_path: Path) -> bool:
    try:
        if os.name == "nt":
            import msvcrt  # Windows only

            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        else:
            import fcntl  # POSIX only

            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        if exc.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK, errno.EDEADLK):
            return False
        raise FilesError(f"cannot lock {lock_path}: {_os_reason(exc)}") from exc
    return True


def _remove_stale_temps(real: Path) -> None:
    """Temporary files of a run that was killed mid-write (we hold the lock: nobody writes)."""
    with contextlib.suppress(OSError):
        for entry in os.scandir(real.parent):
            if entry.name.startswith(f".{real.name}.") and entry.name.endswith(_TMP_SUFFIX):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)
