"""Private files written so that a crash never leaves a mix: lock, temp file, fsync, replace.

``locked(path)`` serialises writers of one file through a sidecar ``<file>.lock`` (flock on POSIX,
msvcrt on Windows; the OS releases it when the holder dies). ``atomic_write`` writes a temporary
file in the same directory (mode 0600), fsyncs it, renames it over the target and fsyncs the
directory. Errors become :class:`FilesError` naming the path and the OS's reason.
"""

from __future__ import annotations

import contextlib
import errno
import os
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
    if directory.is_dir():
        return
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(directory, 0o700)  # mkdir's mode is reduced by the umask
    except OSError as exc:
        raise FilesError(f"cannot create the directory {directory}: {_os_reason(exc)}") from exc


def read_bytes(path: Path, limit: int | None = None) -> bytes:
    """The file's bytes (empty when it does not exist); more than ``limit`` bytes is an error."""
    limit = MAX_READ_BYTES if limit is None else limit
    try:
        with Path(path).open("rb") as handle:
            data = handle.read(limit + 1)
    except FileNotFoundError:
        return b""
    except OSError as exc:
        raise FilesError(f"cannot read {path}: {_os_reason(exc)}", hint="check its permissions") from exc
    if len(data) > limit:
        raise FilesError(
            f"{path} is larger than {limit // (1024 * 1024)} MB, far beyond any AWS credentials or config file",
            hint="check that it is the right file (AWS_SHARED_CREDENTIALS_FILE, AWS_CONFIG_FILE); it was not changed",
        )
    return data


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
    so a crashed run never leaves a stale lock."""
    lock_path = Path(f"{real}.lock")
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise FilesError(f"cannot create the lock file {lock_path}: {_os_reason(exc)}") from exc
    try:
        _acquire(fd, lock_path, LOCK_TIMEOUT if timeout is None else timeout)
        _remove_stale_temps(real)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _acquire(fd: int, lock_path: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not _try_lock(fd, lock_path):
        if time.monotonic() > deadline:
            raise FilesError(
                f"{lock_path.with_suffix('')} is locked by another awscli_saml_sso run "
                f"(waited {timeout:.0f} s)",
                hint="wait for the other run to finish, then try again",
            )
        time.sleep(0.02)


def _try_lock(fd: int, lock_path: Path) -> bool:
    try:
        if os.name == "nt":
            import msvcrt  # noqa: PLC0415  (Windows only)

            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        else:
            import fcntl  # noqa: PLC0415  (POSIX only)

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
