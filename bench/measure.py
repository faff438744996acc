"""Timing and memory of child processes, and the summary statistics every figure uses.

Wall time is measured around the child; CPU time (user + system) comes from ``os.wait4``, which on
Linux also counts the child's own reaped descendants (driver, browser). Memory is sampled from
/proc while the child runs, in separate runs from the timed ones (sampling costs CPU).
"""

from __future__ import annotations

import dataclasses
import os
import statistics
import subprocess
import threading
import time
from pathlib import Path


@dataclasses.dataclass
class Run:
    wall: float  # seconds
    cpu: float  # seconds, user + system, child and its reaped descendants
    returncode: int
    stdout: bytes
    stderr: bytes
    started_at: float  # time.time() just before the child was spawned


@dataclasses.dataclass(frozen=True)
class Stats:
    median: float
    low: float
    high: float
    runs: int

    @classmethod
    def of(cls, values: list[float]) -> Stats:
        return cls(statistics.median(values), min(values), max(values), len(values))


def run(argv: list[str], env: dict[str, str], stdin: bytes = b"", timeout: float = 180) -> Run:
    """Run ``argv`` without a controlling terminal (nothing can prompt), stdin given."""
    started_at = time.time()
    began = time.perf_counter()
    proc = subprocess.Popen(
        argv, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
    )
    out, err = _communicate(proc, stdin, timeout)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - began
    proc.returncode = os.waitstatus_to_exitcode(status)
    return Run(wall, usage.ru_utime + usage.ru_stime, proc.returncode, out, err, started_at)


def _communicate(proc: subprocess.Popen, stdin: bytes, timeout: float) -> tuple[bytes, bytes]:
    """Like communicate(), but leaves the child unreaped so that wait4 can read its rusage."""
    chunks: dict[str, list[bytes]] = {"out": [], "err": []}

    def drain(stream, key: str) -> None:
        for block in iter(lambda: stream.read(65536), b""):
            chunks[key].append(block)

    readers = [
        threading.Thread(target=drain, args=(proc.stdout, "out"), daemon=True),
        threading.Thread(target=drain, args=(proc.stderr, "err"), daemon=True),
    ]
    for reader in readers:
        reader.start()
    try:
        proc.stdin.write(stdin)
        proc.stdin.close()
    except BrokenPipeError:
        pass
    deadline = time.monotonic() + timeout
    for reader in readers:
        reader.join(max(0.0, deadline - time.monotonic()))
    if any(r.is_alive() for r in readers):
        os.killpg(proc.pid, 9)
        raise TimeoutError(f"{argv_text(proc.args)} did not finish within {timeout:g} s")
    return b"".join(chunks["out"]), b"".join(chunks["err"])


def argv_text(argv) -> str:
    return " ".join(str(a) for a in argv)


# ---- memory ------------------------------------------------------------------------------------


@dataclasses.dataclass
class Memory:
    tool_peak_kib: int = 0  # VmHWM of the tool's own process (peak resident set)
    browser_peak_kib: int = 0  # peak of the summed PSS of the browser's processes
    browser_processes: int = 0  # most browser processes seen at once
    driver_peak_kib: int = 0  # VmHWM of the WebDriver process


class MemorySampler:
    """Samples the child's process tree every ``interval`` seconds until stopped."""

    def __init__(
        self,
        pid: int,
        browser_names: tuple[str, ...] = ("chrom",),
        driver_names: tuple[str, ...] = ("chromedriver",),
        interval: float = 0.02,
    ) -> None:
        self.pid, self.interval = pid, interval
        self.browser_names, self.driver_names = browser_names, driver_names
        self.memory = Memory()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(self.interval)

    def _sample(self) -> None:
        mem = self.memory
        mem.tool_peak_kib = max(mem.tool_peak_kib, _status_kib(self.pid, "VmHWM"))
        browser_total, count = 0, 0
        for pid in descendants(self.pid):
            name = _comm(pid)
            if name.startswith(self.driver_names):
                mem.driver_peak_kib = max(mem.driver_peak_kib, _status_kib(pid, "VmHWM"))
            elif name.startswith(self.browser_names):
                browser_total += _pss_kib(pid)
                count += 1
        mem.browser_peak_kib = max(mem.browser_peak_kib, browser_total)
        mem.browser_processes = max(mem.browser_processes, count)


def descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def _status_kib(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _pss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def run_with_memory(
    argv: list[str], env: dict[str, str], stdin: bytes = b"", timeout: float = 180
) -> tuple[Run, Memory]:
    started_at = time.time()
    began = time.perf_counter()
    proc = subprocess.Popen(
        argv, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
    )
    with MemorySampler(proc.pid) as sampler:
        out, err = _communicate(proc, stdin, timeout)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - began
    code = os.waitstatus_to_exitcode(status)
    return Run(wall, usage.ru_utime + usage.ru_stime, code, out, err, started_at), sampler.memory
