"""SIGINT, SIGTERM and SIGHUP at each phase of a login (issue 8, part 3): while the browser
starts, while it waits on the IdP, during the STS call, at random moments around the write, and
the terminal itself closing mid-login. Each run: exit 130 (SIGINT), 143 (SIGTERM) or 129
(SIGHUP) (or 0 when the signal came after the work was done), no
browser or driver process left, no temporary file beside the credentials file, and the
credentials file either the old bytes or a complete new file (never a mix, never empty).
"""

from __future__ import annotations

import configparser
import contextlib
import os
import pty
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from hostile import fakes
from hostile.harness import (  # world, short_tmpdir: fixtures, used by name
    OLD,
    Cli,
    assert_no_temp_files,
    assert_unchanged,
    short_tmpdir,
    snapshot,
    wait_for,
    world,
)

assert short_tmpdir and world  # fixtures, used by name below
CODES = {signal.SIGINT: 130, signal.SIGTERM: 143, signal.SIGHUP: 129}
SIGNALS = [
    pytest.param(signal.SIGINT, id="SIGINT"),
    pytest.param(signal.SIGTERM, id="SIGTERM"),
    pytest.param(signal.SIGHUP, id="SIGHUP"),
]
LINES = ("error: interrupted", "error: terminated", "error: hung up (the terminal was closed)")


def _judge_interrupted(run, signum, home, before, watch, tmpdir) -> None:
    assert run.code == CODES[signum], run
    assert run.error_line() in LINES, run
    watch.assert_none_left()
    assert list(Path(tmpdir).iterdir()) == []  # no profile, no browser's temporary directory
    assert_unchanged(before, snapshot(home / ".aws"), "credentials")
    assert_no_temp_files(home / ".aws")


def _browser_args(url: str) -> list[str]:
    return ["--idp-url", url, "--username", "alice", "--password-stdin", "--timeout", "30"]


def _browser_up(watch) -> bool:
    """The CLI's Chromium runs (started directly, over its DevTools pipe: no driver)."""
    return any(name.startswith("chrom") for _, name in watch.alive())


def _signal_mid_login(signum, moment, home, watch, cli_env, wait=30.0):
    """A browser login against an IdP that never answers, signalled either while the browser
    starts (its process is up, no page is open yet) or once the browser waits on the IdP."""
    idp = fakes.SilentServer()
    try:
        before = snapshot(home / ".aws")
        cli = Cli(_browser_args(idp.url + "/sso"), cli_env, stdin="pw\n")
        wait_for(lambda: _browser_up(watch), 60, "the browser")
        if moment == "waiting on the IdP":
            wait_for(lambda: idp.connections, 60, "the browser to reach the IdP")
        cli.signal(signum)
        return cli.wait(wait), before
    finally:
        idp.close()


@pytest.mark.browser  # a real Chromium
@pytest.mark.parametrize("signum", SIGNALS)
def test_while_the_browser_starts(signum, world, cli_env, reliability):
    home, _, watch = world
    reliability.tried("interruption", f"browser starting {signum}")
    run, before = _signal_mid_login(signum, "browser starting", home, watch, cli_env)
    _judge_interrupted(run, signum, home, before, watch, cli_env["TMPDIR"])


PROMPT = 2.0  # seconds from the signal to the exit: what a person pressing Ctrl-C can expect


def prompt_limit(cli_env) -> float:
    """PROMPT on an idle machine; on a loaded one, plus twice what merely starting the CLI takes
    right now (``--version``: about 0.2 s idle, seconds on a 2-core machine running other suites;
    seen: a 4.1 s exit at load 37, when ``--version`` took 1.8 s). The
    exit after a signal is interpreter work too (unwinding, the one line, finalisation), slowed
    by the same load; a CLI that waits for something (a socket, a thread) still overshoots."""
    started = time.monotonic()
    subprocess.run(
        [sys.executable, "-m", "awscli_saml_sso", "--version"], env=cli_env, capture_output=True, timeout=60, check=True
    )
    return PROMPT + 2 * (time.monotonic() - started)  # (the browser's shutdown is slowed as much)


@pytest.mark.browser  # a real Chromium
def test_while_waiting_on_the_idp(world, cli_env, reliability):
    signum = signal.SIGINT
    home, _, watch = world
    reliability.tried("interruption", f"waiting on the IdP {signum}")
    idp = fakes.SilentServer()
    limit = prompt_limit(cli_env)
    try:
        before = snapshot(home / ".aws")
        # (the login's own --timeout 30 is far beyond the bound: an exit by timeout fails the code)
        cli = Cli(_browser_args(idp.url + "/sso"), cli_env, stdin="pw\n")
        wait_for(lambda: idp.connections, 60, "the browser to reach the IdP")
        time.sleep(0.3)
        cli.signal(signum)
        started = time.monotonic()
        run = cli.wait(30)
    finally:
        idp.close()
    _judge_interrupted(run, signum, home, before, watch, cli_env["TMPDIR"])
    assert time.monotonic() - started < limit, f"exited {time.monotonic() - started:.1f} s after the signal"


@pytest.mark.browser  # a real Chromium
def test_closing_the_terminal_mid_login(world, cli_env, reliability):
    """The terminal window closes (or the SSH connection drops) while the browser waits on the
    IdP: the kernel hangs up the terminal and signals its session. The CLI runs on a real pseudo
    terminal here, which the test then closes. The default for SIGHUP is to die on the spot,
    leaving the driver, the headless browser and the throw-away profile (the IdP's cookies) behind;
    the CLI must clean up as after Ctrl-C, although its terminal can no longer be written to."""
    home, _, watch = world
    reliability.tried("interruption", "terminal closed (SIGHUP)")
    idp = fakes.SilentServer()
    pid, master = pty.fork()
    if pid == 0:  # the child: a session leader whose controlling terminal is the pty
        try:
            os.execve(
                sys.executable, [sys.executable, "-m", "awscli_saml_sso", *_browser_args(idp.url + "/sso")], cli_env
            )
        finally:
            os._exit(127)
    status = None
    try:
        before = snapshot(home / ".aws")
        os.write(master, b"pw\n")
        wait_for(lambda: idp.connections, 60, "the browser to reach the IdP")
        wait_for(lambda: _browser_up(watch), 20, "the browser")
        os.close(master)  # the terminal goes away
        master = -1
        deadline = time.monotonic() + 30  # a hang guard: seconds on a loaded 2-core machine
        while status is None and time.monotonic() < deadline:
            done, raw = os.waitpid(pid, os.WNOHANG)
            status = raw if done else None
            time.sleep(0.05)
    finally:
        idp.close()
        if master >= 0:
            os.close(master)
        if status is None:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
    assert status is not None, "the CLI did not exit within 30 s of its terminal closing"
    assert os.waitstatus_to_exitcode(status) == 129
    watch.assert_none_left()
    assert list(Path(cli_env["TMPDIR"]).iterdir()) == []  # the throw-away profile is gone
    assert_unchanged(before, snapshot(home / ".aws"), "credentials")
    assert_no_temp_files(home / ".aws")


@pytest.mark.browser  # a real Chromium
@pytest.mark.parametrize("moment", ["browser starting", "waiting on the IdP"])
def test_killed_outright_mid_login(moment, world, cli_env, reliability):
    """SIGKILL (the OOM killer, kill -9): no handler, no finally. The watchdog, which holds the
    other end of a pipe only the CLI had, sees it close and kills the driver and the browser and
    removes the throw-away profile and the browser's temporary files."""
    home, _, watch = world
    reliability.tried("interruption", f"SIGKILL, {moment}")
    run, before = _signal_mid_login(signal.SIGKILL, moment, home, watch, cli_env, wait=30)
    assert run.code == -signal.SIGKILL, run
    watch.assert_none_left()
    tmpdir = Path(cli_env["TMPDIR"])
    deadline = time.monotonic() + 20  # the watchdog's sweep, slowed by a loaded machine
    while list(tmpdir.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert sorted(str(p.relative_to(tmpdir)) for p in tmpdir.rglob("*"))[:20] == []
    assert_unchanged(before, snapshot(home / ".aws"), "credentials")
    assert_no_temp_files(home / ".aws")


@pytest.mark.parametrize("signum", SIGNALS)
def test_during_the_sts_call(signum, world, cli_env, reliability):
    home, response, watch = world
    reliability.tried("interruption", f"STS call {signum}")
    sts = fakes.FakeSts("hang")
    limit = prompt_limit(cli_env)
    try:
        before = snapshot(home / ".aws")
        cli = Cli(["--saml-response", str(response), "--endpoint-url", sts.url], cli_env)
        wait_for(lambda: sts.requests, 30, "the STS call")
        cli.signal(signum)
        signalled = time.monotonic()
        run = cli.wait(30)  # (a hang guard; the bound is below)
        took = time.monotonic() - signalled
    finally:
        sts.close()
    _judge_interrupted(run, signum, home, before, watch, cli_env["TMPDIR"])
    assert took < limit, f"exited {took:.1f} s after the signal (limit {limit:.1f} s)"


# Where each run's signal lands. Fixed moments are tied to the CLI's own progress, as the fake
# STS sees it (a request arriving, an answer sent), never to a clock: a loaded machine changes how
# long each step takes, not which step the signal meets. (Before, the signals were spread over the
# wall time of one undisturbed probe run; under load on a 2-core machine later runs were much
# faster or slower than the probe, every signal fell on the same side of the write, and the
# "both sides covered" check failed.)
MOMENTS = (
    "before the write",  # held on AssumeRoleWithSAML: the old file must stay
    "around the write",  # just after STS answered: parsing, writing, renaming, verifying
    "after the write",  # held on GetCallerIdentity: the complete new file must be there
    "start-up",  # early: once the CLI's handlers are in, imports, reading the response
    "around the write",
    "before the write",
    "around the write",
    "after the write",
    "start-up",
)


def test_at_random_moments_around_the_write(world, cli_env, reliability):
    """Signals spread over the whole run (start-up, parsing, STS, writing, verifying): whatever
    the moment, the file is the old one or a complete new one, and the exit code is the signal's
    (or 0 when the work was done). Deterministic: the moments before and after the write are
    reached through the fake STS; the random ones vary only within a step."""
    home, response, watch = world
    creds = home / ".aws" / "credentials"
    rng = random.Random(8)
    sts = fakes.FakeSts("ok", delay=0.05)
    outcomes = {0: 0, 129: 0, 130: 0, 143: 0}
    args = ["--saml-response", str(response), "--endpoint-url", sts.url]
    try:
        undisturbed = Cli(args, cli_env).wait(30)  # the outcome with no signal at all
        assert undisturbed.code == 0, undisturbed
        outcomes[0] += 1
        for n, moment in enumerate(MOMENTS):
            creds.write_text(OLD)
            before = creds.read_bytes()
            signum = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)[n % 3]
            run = _signal_at(moment, signum, args, cli_env, sts, rng)
            reliability.tried("interruption", f"{moment} {n}")
            # -N: the signal came before the CLI installed its handlers (interpreter start) or
            # after it was done (interpreter exit); a shell shows both as 128+N, like ours.
            assert run.code in (0, CODES[signum], -signum), run
            if run.code == -signum:
                run.code = CODES[signum]
            outcomes[run.code] += 1
            after = creds.read_bytes()
            if moment == "before the write":
                assert run.code == CODES[signum] and after == before, run
            if moment == "after the write":
                assert run.code == CODES[signum] and after != before, run
            if after != before:  # a complete new file: the old bytes first, then a full [saml]
                assert after.startswith(before), after
                parser = configparser.RawConfigParser()
                parser.read_string(after.decode())
                assert parser.get("saml", "aws_session_token") in {c["SessionToken"] for c in sts.issued}
                assert parser.get("saml", "x_principal_arn") == fakes.ROLE_ARN
            assert_no_temp_files(home / ".aws")
            watch.assert_none_left(grace=2)
    finally:
        sts.close()
    # both sides of the write are covered by construction; the count is kept for the summary
    assert outcomes[0] and outcomes[129] + outcomes[130] + outcomes[143], outcomes


def _handlers_installed(pid: int) -> bool:
    """The CLI has installed its handlers (SIGHUP and SIGTERM caught: /proc's SigCgt), or is gone.

    Earlier, the interpreter is still starting and the outcome is CPython's, not the tool's: a
    SIGINT while ``-m`` imports runpy prints "Could not import runpy module" and exits 1 (seen
    here under load when a clock-based moment fell that early), so that is not a moment to judge
    the tool by."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return True
    caught = int(next(line for line in status.splitlines() if line.startswith("SigCgt:")).split()[1], 16)
    return all(caught & (1 << (signum - 1)) for signum in (signal.SIGHUP, signal.SIGTERM))


def _signal_at(moment, signum, args, cli_env, sts, rng):
    """Run the CLI once and signal it at ``moment`` (see MOMENTS)."""
    started = threading.Event()  # the CLI's pid is known
    exited = threading.Event()  # the CLI is gone: a held STS answer may go now (to nobody)
    holder: list[Cli] = []

    def send() -> None:
        started.wait(30)
        with contextlib.suppress(ProcessLookupError):
            holder[0].signal(signum)

    def before_answer(action: str) -> None:
        wanted = {"before the write": "AssumeRoleWithSAML", "after the write": "GetCallerIdentity"}.get(moment)
        if action == wanted:
            send()
            exited.wait(30)  # the CLI is interrupted while it waits for this answer

    def after_answer(action: str) -> None:
        if moment == "around the write" and action == "AssumeRoleWithSAML":
            time.sleep(rng.uniform(0, 0.03))
            send()

    sts.before_answer, sts.after_answer = before_answer, after_answer
    try:
        holder.append(Cli(args, cli_env))
        started.set()
        if moment == "start-up":
            wait_for(lambda: _handlers_installed(holder[0].pid), 30, "the CLI's signal handlers")
            time.sleep(rng.uniform(0, 0.3))
            send()
        return holder[0].wait(30)
    finally:
        exited.set()
        sts.before_answer = sts.after_answer = None


SIGTERMS = 30
EXIT_WITHIN = 2.0  # seconds from the signal to the exit (issue 16)
GONE_AFTER = 0.5  # seconds after the exit by which every process of the tool is gone


@pytest.mark.browser  # a real Chromium
def test_thirty_sigterms_at_random_moments_of_the_browser_phase(world, cli_env, reliability):
    """SIGTERM anywhere from the browser's start to the wait on the IdP: the CLI exits within
    2 s (the hard deadline in hardexit guarantees it even if clean-up were stuck), and 0.5 s later
    no process of the tool (browser, helpers, watchdog) is left. Moments are random but seeded;
    the runs wait on the browser's own appearance, never on fixed sleeps, so CPU load shifts the
    moments, not the verdict."""
    home, _, watch = world
    rng = random.Random(16)
    idp = fakes.SilentServer()
    slow: list[str] = []
    try:
        for n in range(SIGTERMS):
            reliability.tried("interruption", "SIGTERM at a random moment of the browser phase")
            cli = Cli(_browser_args(idp.url + "/sso"), cli_env, stdin="pw\n")
            wait_for(lambda: _browser_up(watch), 30, "the browser")
            time.sleep(rng.uniform(0.0, 1.5))  # starting, connecting, navigating, waiting
            signalled = time.monotonic()
            cli.signal(signal.SIGTERM)
            run = cli.wait(30)
            took = cli.started + run.wall - signalled
            assert run.code == CODES[signal.SIGTERM], (n, run)
            if took > EXIT_WITHIN:
                slow.append(f"run {n}: {took:.2f} s")
            time.sleep(max(0.0, cli.started + run.wall + GONE_AFTER - time.monotonic()))
            assert watch.alive() == [], f"run {n}: alive {GONE_AFTER} s after the exit"
    finally:
        idp.close()
    assert slow == [], f"exits later than {EXIT_WITHIN} s after SIGTERM: {slow}"
    watch.assert_none_left()


# -- issue 22: a Ctrl-C in the first fraction of a second, before the handlers ------------------
# The signal is sent from inside the process, timed from the moment the program's own code
# starts (as `python -m` runs it, and as the installer's script for pyproject's entry point
# does): what runs before that is the interpreter's own start, which no program can guard.
START = r"""
import os, signal, sys, threading, time
delay, how = float(sys.argv[1]), sys.argv[2]
ready = threading.Event()
def later():
    ready.wait()
    time.sleep(delay)
    os.kill(os.getpid(), signal.SIGINT)
threading.Thread(target=later, daemon=True).start()
sys.argv = ["awscli_saml_sso", *sys.argv[3:]]
if how == "-m":
    import runpy
    ready.set()
    runpy.run_module("awscli_saml_sso", run_name="__main__", alter_sys=True)
else:  # what the installer writes for `awscli_saml_sso = "module:function"`
    module, function = how.split(":")
    ready.set()
    import importlib
    sys.exit(getattr(importlib.import_module(module), function)())
"""


def _entry_point() -> str:
    text = (Path(__file__).resolve().parent.parent / "pyproject.toml").read_text()
    return text.split("[project.scripts]", 1)[1].split('awscli_saml_sso = "', 1)[1].split('"', 1)[0]


@pytest.mark.parametrize("how", ["-m", "entry point"])
def test_sigint_at_any_moment_of_the_start_is_one_line_never_a_traceback(cli_env, how):
    """Before: a SIGINT 0.18 s after start (in the imports, before cli.main's handlers) printed a
    KeyboardInterrupt traceback (1 in 30; here, under load, 17 of 40). Forty moments spread over
    the first 0.6 s of `status` (its imports, the command, the exit after it)."""
    how = "-m" if how == "-m" else _entry_point()
    seen: dict[int, int] = {}
    for n in range(40):
        delay = 0.002 + n * 0.015
        done = subprocess.run(
            [sys.executable, "-c", START, str(delay), how, "status"],
            env=cli_env,
            capture_output=True,
            text=True,
            timeout=60,
            stdin=subprocess.DEVNULL,
        )
        assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr, (delay, done.stderr)
        assert done.returncode in (0, 130), (delay, done.returncode, done.stderr)
        if done.returncode == 130:
            assert done.stderr.splitlines()[-1:] == ["error: interrupted"], (delay, done.stderr)
        seen[done.returncode] = seen.get(done.returncode, 0) + 1
    assert seen.get(130), seen  # some of them did land while it ran
