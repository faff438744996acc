"""SIGINT, SIGTERM and SIGHUP at each phase of a login (issue 8, part 3): while the browser
starts, while it waits on the IdP, during the STS call, at random moments around the write, and
the terminal itself closing mid-login. Each run: exit 130 (SIGINT), 143 (SIGTERM) or 129
(SIGHUP) (or 0 when the signal came after the work was done), no
browser or driver process left, no temporary file beside the credentials file, and the
credentials file either the old bytes or a complete new file (never a mix, never empty).
"""

from __future__ import annotations

import configparser
import os
import pty
import random
import signal
import sys
import time
from pathlib import Path

import pytest

from hostile import fakes
from hostile.harness import (  # world, short_tmpdir: fixtures, used by name
    OLD, world,
    Cli, assert_no_temp_files, assert_unchanged, short_tmpdir, snapshot, wait_for,
)
from reliability_summary import reliability  # noqa: F401 - the fixture

assert short_tmpdir and world  # fixtures, used by name below
CODES = {signal.SIGINT: 130, signal.SIGTERM: 143, signal.SIGHUP: 129}
SIGNALS = [pytest.param(signal.SIGINT, id="SIGINT"), pytest.param(signal.SIGTERM, id="SIGTERM"),
           pytest.param(signal.SIGHUP, id="SIGHUP")]
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


def _signal_mid_login(signum, moment, home, watch, cli_env, wait=12.0):
    """A browser login against an IdP that never answers, signalled either while the browser
    starts (its process is up, no page is open yet) or once the browser waits on the IdP."""
    idp = fakes.SilentServer()
    try:
        before = snapshot(home / ".aws")
        cli = Cli(_browser_args(idp.url + "/sso"), cli_env, stdin="pw\n")
        wait_for(lambda: _browser_up(watch), 20, "the browser")
        if moment == "waiting on the IdP":
            wait_for(lambda: idp.connections, 20, "the browser to reach the IdP")
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


@pytest.mark.browser  # a real Chromium
def test_while_waiting_on_the_idp(world, cli_env, reliability):
    signum = signal.SIGINT
    home, _, watch = world
    reliability.tried("interruption", f"waiting on the IdP {signum}")
    idp = fakes.SilentServer()
    try:
        before = snapshot(home / ".aws")
        cli = Cli(_browser_args(idp.url + "/sso")[:-1] + ["6"], cli_env, stdin="pw\n")
        wait_for(lambda: idp.connections, 20, "the browser to reach the IdP")
        time.sleep(0.3)
        cli.signal(signum)
        started = time.monotonic()
        run = cli.wait(30)
    finally:
        idp.close()
    _judge_interrupted(run, signum, home, before, watch, cli_env["TMPDIR"])
    assert time.monotonic() - started < PROMPT, f"exited {time.monotonic() - started:.1f} s after the signal"


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
            os.execve(sys.executable, [sys.executable, "-m", "awscli_saml_sso",
                                       *_browser_args(idp.url + "/sso")], cli_env)
        finally:
            os._exit(127)
    status = None
    try:
        before = snapshot(home / ".aws")
        os.write(master, b"pw\n")
        wait_for(lambda: idp.connections, 20, "the browser to reach the IdP")
        wait_for(lambda: _browser_up(watch), 5, "the browser")
        os.close(master)  # the terminal goes away
        master = -1
        deadline = time.monotonic() + 15
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
    assert status is not None, "the CLI did not exit within 15 s of its terminal closing"
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
    run, before = _signal_mid_login(signal.SIGKILL, moment, home, watch, cli_env, wait=10)
    assert run.code == -signal.SIGKILL, run
    watch.assert_none_left()
    tmpdir = Path(cli_env["TMPDIR"])
    deadline = time.monotonic() + 5
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
    try:
        before = snapshot(home / ".aws")
        cli = Cli(["--saml-response", str(response), "--endpoint-url", sts.url], cli_env)
        wait_for(lambda: sts.requests, 10, "the STS call")
        cli.signal(signum)
        run = cli.wait(PROMPT + 0.5)
    finally:
        sts.close()
    _judge_interrupted(run, signum, home, before, watch, cli_env["TMPDIR"])


RUNS = 8


def test_at_random_moments_around_the_write(world, cli_env, reliability):
    """Signals spread over the whole run (start-up, parsing, STS, writing, verifying): whatever
    the moment, the file is the old one or a complete new one. The fake STS answers after a
    short delay so that the write happens at a known, reachable time."""
    home, response, watch = world
    creds = home / ".aws" / "credentials"
    rng = random.Random(8)
    sts = fakes.FakeSts("ok", delay=0.05)
    outcomes = {0: 0, 129: 0, 130: 0, 143: 0}
    try:
        # one undisturbed run measures how long a run takes
        probe = Cli(["--saml-response", str(response), "--endpoint-url", sts.url], cli_env).wait(30)
        assert probe.code == 0, probe
        span = probe.wall
        for n in range(RUNS):
            creds.write_text(OLD)
            before = creds.read_bytes()
            signum = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)[n % 3]
            cli = Cli(["--saml-response", str(response), "--endpoint-url", sts.url], cli_env)
            time.sleep(rng.uniform(0.3 * span, 1.05 * span))
            try:
                cli.signal(signum)
            except ProcessLookupError:
                pass  # already done
            run = cli.wait(30)
            reliability.tried("interruption", f"random moment {n}")
            # -N: the signal came before the CLI installed its handlers (interpreter start) or
            # after it was done (interpreter exit); a shell shows both as 128+N, like ours.
            assert run.code in (0, CODES[signum], -signum), run
            if run.code == -signum:
                run.code = CODES[signum]
            outcomes[run.code] += 1
            after = creds.read_bytes()
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
    # the spread must really cover both sides of the write, or the test proves nothing
    assert outcomes[0] and outcomes[129] + outcomes[130] + outcomes[143], outcomes


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
