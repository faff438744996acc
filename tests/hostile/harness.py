"""Run the real CLI and judge how it failed: exit code, one error line, CPU time, peak memory,
files left byte-identical, no process left behind, no secret in any output."""

from __future__ import annotations

import dataclasses
import os
import signal
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

import reliability_summary

TEMP_SUFFIX = ".ass-tmp"


@dataclasses.dataclass
class Run:
    code: int
    out: str
    err: str
    wall: float  # seconds, start to exit
    cpu: float  # user + system seconds of the CLI process itself
    max_rss_mb: float  # peak resident memory of the CLI process

    def __str__(self) -> str:
        return (
            f"exit {self.code} in {self.wall:.2f} s (cpu {self.cpu:.2f} s, {self.max_rss_mb:.0f} MB)\n"
            f"--- stdout\n{self.out[:3000]}\n--- stderr\n{self.err[:3000]}"
        )

    def error_line(self) -> str:
        """The one error line the CLI must print on failure: last, after at most some one-line
        warnings; no traceback, nothing else."""
        lines = [line for line in self.err.splitlines() if line.strip()]
        assert "Traceback" not in self.err, self
        assert lines and lines[-1].startswith("error: "), self
        assert all(line.startswith("warning: ") for line in lines[:-1]), self
        return lines[-1]


# A small launcher between pytest and the CLI: a process forked from pytest would inherit
# pytest's memory high-water mark (ru_maxrss survives exec), so the launcher (small) forks and
# execs the CLI, reports the CLI's pid, and after wait4 its CPU time and peak memory.
_LAUNCHER = r"""
import os, sys
report = int(sys.argv[1])
umask = int(sys.argv[2])
pid = os.fork()
if pid == 0:
    if umask >= 0:
        os.umask(umask)
    os.execv(sys.executable, [sys.executable, "-m", "awscli_saml_sso", *sys.argv[3:]])
os.write(report, b"%d\n" % pid)
_, status, usage = os.wait4(pid, 0)
os.write(report, b"%d %f %d\n" % (status, usage.ru_utime + usage.ru_stime, usage.ru_maxrss))
"""


class Cli:
    """``python -m awscli_saml_sso`` in its own session (no terminal), measured with wait4."""

    def __init__(
        self, args: Sequence[str], env: Mapping[str, str], stdin: bytes | str | None = None, umask: int | None = None
    ) -> None:
        self.started = time.monotonic()
        read_end, write_end = os.pipe()
        self.proc = subprocess.Popen(
            [sys.executable, "-S", "-c", _LAUNCHER, str(write_end), str(-1 if umask is None else umask), *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=dict(env),
            start_new_session=True,
            pass_fds=(write_end,),
        )
        os.close(write_end)
        self._report = os.fdopen(read_end, "rb")
        self._out: list[bytes] = []
        self._err: list[bytes] = []
        self._readers = [
            threading.Thread(target=lambda: self._out.append(self.proc.stdout.read()), daemon=True),
            threading.Thread(target=lambda: self._err.append(self.proc.stderr.read()), daemon=True),
        ]
        for reader in self._readers:
            reader.start()
        data = stdin.encode() if isinstance(stdin, str) else (stdin or b"")
        try:
            self.proc.stdin.write(data)
            self.proc.stdin.close()
        except BrokenPipeError:
            pass
        self.pid = int(self._report.readline() or 0)  # the CLI itself, not the launcher
        assert self.pid, "the launcher did not start the CLI"

    def err_so_far(self) -> str:
        return b"".join(self._err).decode(errors="replace")

    def signal(self, signum: int) -> None:
        os.kill(self.pid, signum)

    def wait(self, timeout: float = 60) -> Run:
        timer = threading.Timer(timeout, lambda: _kill_group(self.proc.pid))
        timer.start()
        try:
            line = self._report.readline().split()
            self.proc.wait()
        finally:
            timer.cancel()
            self._report.close()
        wall = time.monotonic() - self.started
        for reader in self._readers:
            reader.join(10)
        assert line and wall < timeout, f"the CLI did not finish within {timeout} s and was killed"
        status, cpu, max_rss = int(line[0]), float(line[1]), int(line[2])
        return Run(
            code=os.waitstatus_to_exitcode(status),
            out=b"".join(self._out).decode(errors="replace"),
            err=b"".join(self._err).decode(errors="replace"),
            wall=wall,
            cpu=cpu,
            max_rss_mb=max_rss / 1024,
        )


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except OSError:
        pass


def run_cli(
    args: Sequence[str],
    env: Mapping[str, str],
    stdin: bytes | str | None = None,
    timeout: float = 60,
    umask: int | None = None,
) -> Run:
    return Cli(args, env, stdin, umask).wait(timeout)


# -- files ---------------------------------------------------------------------------------------
def snapshot(*roots: Path) -> dict[str, tuple[str, bytes | str, int]]:
    """Every file, link and directory under ``roots``: kind, content (or link target), mode."""
    found: dict[str, tuple[str, bytes | str, int]] = {}
    for root in roots:
        if not root.exists() and not root.is_symlink():
            continue
        for path in [root, *sorted(root.rglob("*"))]:
            info = path.lstat()
            if stat.S_ISLNK(info.st_mode):
                found[str(path)] = ("link", os.readlink(path), 0)
            elif stat.S_ISDIR(info.st_mode):
                found[str(path)] = ("dir", b"", stat.S_IMODE(info.st_mode))
            else:
                found[str(path)] = ("file", path.read_bytes(), stat.S_IMODE(info.st_mode))
    return found


def assert_unchanged(before: Mapping, after: Mapping, what: str = "files") -> None:
    """Byte-identical, same modes, nothing added or removed; a difference is recorded as lost data."""
    reliability_summary.checked("data")
    if before == after:
        return
    added = sorted(set(after) - set(before))
    removed = sorted(set(before) - set(after))
    changed = sorted(k for k in set(before) & set(after) if before[k] != after[k])
    reliability_summary.violation("data", f"{what}: added {added}, removed {removed}, changed {changed}")
    raise AssertionError(f"{what} changed: added {added}, removed {removed}, changed {changed}")


def temp_files(directory: Path) -> list[str]:
    if not directory.is_dir():
        return []
    return [p.name for p in directory.iterdir() if p.name.endswith(TEMP_SUFFIX)]


def assert_no_temp_files(directory: Path) -> None:
    reliability_summary.checked("data")
    left = temp_files(directory)
    if left:
        reliability_summary.violation("data", f"temporary files left in {directory}: {left}")
        raise AssertionError(f"temporary files left in {directory}: {left}")


# -- processes -----------------------------------------------------------------------------------
MARK_VAR = "ASS_FAILSAFE_MARK"


def _mentions(pid_dir: Path, needles: list[bytes]) -> bool:
    for name in ("cmdline", "environ"):
        try:
            data = (pid_dir / name).read_bytes()
        except OSError:
            continue
        if any(n in data for n in needles):
            return True
    return False


def marked_processes(needles: Iterable[str]) -> list[tuple[int, str]]:
    """Live processes whose command line or environment holds one of ``needles``: the CLI passes
    its environment (with a per-test mark) to the driver and the driver to every browser process,
    so this finds exactly this test's processes, whatever else runs on the machine."""
    wanted = [n.encode() for n in needles if n]
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            raw = (entry / "stat").read_text()
        except OSError:
            continue
        if raw[raw.rindex(")") + 2 :].split()[0] == "Z":  # a zombie holds nothing; its parent reaps it
            continue
        if _mentions(entry, wanted):
            found.append((int(entry.name), raw[raw.index("(") + 1 : raw.rindex(")")]))
    return found


class ProcessWatch:
    """A per-test mark for the CLI's environment; later, demand that no process carrying it (the
    CLI, its driver, its browser) is alive."""

    def __init__(self, env: dict[str, str] | None = None, markers: Iterable[str] = ()) -> None:
        import uuid

        self.mark = f"{MARK_VAR}={uuid.uuid4().hex}"
        if env is not None:
            env[MARK_VAR] = self.mark.split("=", 1)[1]
        self.markers = [self.mark, *markers]

    def alive(self) -> list[tuple[int, str]]:
        return marked_processes(self.markers)

    def leftovers(self, grace: float = 5.0) -> list[tuple[int, str]]:
        deadline = time.monotonic() + grace
        left = self.alive()
        while left and time.monotonic() < deadline:  # children may still be exiting
            time.sleep(0.1)
            left = self.alive()
        return left

    def kill_all(self) -> None:
        """Teardown: whatever a failed test left carrying this mark goes, so it cannot disturb
        the next test (a passing test has left nothing)."""
        for pid, _ in self.alive():
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass

    def assert_none_left(self, grace: float = 5.0) -> None:
        reliability_summary.checked("process")
        left = self.leftovers(grace)
        if left:
            reliability_summary.violation("process", f"left behind: {left}")
            for pid, _ in left:  # do not let them disturb the next test
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            raise AssertionError(f"browser/driver processes left behind: {left}")


def wait_for(condition: Callable[[], object], timeout: float, what: str, interval: float = 0.05) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


# -- secrets -------------------------------------------------------------------------------------
def find_secrets(text: str | bytes, secrets: Mapping[str, str]) -> list[str]:
    """Names of the secrets that occur in ``text`` (also URL- and JSON-escaped forms)."""
    import urllib.parse

    data = text if isinstance(text, bytes) else text.encode("utf-8", "surrogateescape")
    hits = []
    for name, value in secrets.items():
        if not value:
            continue
        forms = {value, urllib.parse.quote(value, safe=""), urllib.parse.quote_plus(value), value.replace("/", "\\/")}
        if any(form.encode() in data for form in forms):
            hits.append(name)
    return hits


def assert_no_secrets(where: str, text: str | bytes, secrets: Mapping[str, str]) -> None:
    reliability_summary.checked("secret")
    hits = find_secrets(text, secrets)
    if hits:
        reliability_summary.violation("secret", f"{', '.join(hits)} found in {where}")
        raise AssertionError(f"secret(s) {hits} found in {where}")


def assert_no_secrets_in_tree(
    root: Path, secrets: Mapping[str, str], skip: Callable[[Path], bool] = lambda p: False
) -> int:
    """Scan every regular file under ``root`` (skipping ``skip(path)``); return how many were read."""
    count = 0
    if not root.exists():
        return 0
    for path in sorted(root.rglob("*")):
        if path.is_symlink() or not path.is_file() or skip(path):
            continue
        assert_no_secrets(str(path), path.read_bytes(), secrets)
        count += 1
    return count


import pytest  # noqa: E402 - kept beside the one fixture below, which the test modules import


@pytest.fixture
def short_tmpdir():
    """A TMPDIR of its own for the CLI (so its throw-away browser profile can be found and checked),
    short: Chromium's socket paths under it must fit in 108 bytes (pytest's tmp_path may not)."""
    import shutil
    import tempfile

    path = Path(tempfile.mkdtemp(prefix="ass-t-", dir="/tmp"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


# A credentials file the person already had: every fault and interruption test checks it survives.
OLD = "# mine\n[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = keep-me\n"


@pytest.fixture
def world(cli_env, home, tmp_path, short_tmpdir):
    """A home with that credentials file (0600), a signed-looking SAML response on disk, a short
    TMPDIR, and a watch on every process the test starts."""
    from hostile import fakes

    aws = home / ".aws"
    aws.mkdir(mode=0o700)
    (aws / "credentials").write_text(OLD)
    os.chmod(aws / "credentials", 0o600)
    response = tmp_path / "response"
    response.write_text(fakes.saml_b64())
    cli_env["TMPDIR"] = str(short_tmpdir)
    watch = ProcessWatch(cli_env, [str(short_tmpdir)])
    yield home, response, watch
    watch.kill_all()
