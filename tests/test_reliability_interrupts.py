"""SIGINT and SIGTERM at each phase of a login (issue 8, part 3): while the browser starts,
while it waits on the IdP, during the STS call, and at random moments around the write. Each
run: exit 130 (SIGINT) or 143 (SIGTERM) (or 0 when the signal came after the work was done), no
browser or driver process left, no temporary file beside the credentials file, and the
credentials file either the old bytes or a complete new file (never a mix, never empty).
"""

from __future__ import annotations

import configparser
import random
import signal
import time

import pytest

from hostile import fakes
from hostile.harness import (  # world, short_tmpdir: fixtures, used by name
    OLD, world,
    Cli, assert_no_temp_files, assert_unchanged, short_tmpdir, snapshot, wait_for,
)
from reliability_summary import reliability  # noqa: F401 - the fixture

assert short_tmpdir and world  # fixtures, used by name below
CODES = {signal.SIGINT: 130, signal.SIGTERM: 143}
SIGNALS = [pytest.param(signal.SIGINT, id="SIGINT"), pytest.param(signal.SIGTERM, id="SIGTERM")]


def _judge_interrupted(run, signum, home, before, watch) -> None:
    assert run.code == CODES[signum], run
    assert run.error_line() in ("error: interrupted", "error: terminated"), run
    watch.assert_none_left()
    assert_unchanged(before, snapshot(home / ".aws"), "credentials")
    assert_no_temp_files(home / ".aws")


def _browser_args(url: str) -> list[str]:
    return ["--idp-url", url, "--username", "alice", "--password-stdin", "--timeout", "30"]


@pytest.mark.browser  # a real Chromium
@pytest.mark.parametrize("signum", SIGNALS)
def test_while_the_browser_starts(signum, world, cli_env, reliability):
    home, _, watch = world
    reliability.tried("interruption", f"browser starting {signum}")
    idp = fakes.SilentServer()
    try:
        before = snapshot(home / ".aws")
        cli = Cli(_browser_args(idp.url + "/sso"), cli_env, stdin="pw\n")
        # the driver is up and the browser is being launched, but no page is open yet
        wait_for(lambda: any(name == "chromedriver" for _, name in watch.alive()), 20, "chromedriver")
        cli.signal(signum)
        run = cli.wait(12)
    finally:
        idp.close()
    _judge_interrupted(run, signum, home, before, watch)


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
    _judge_interrupted(run, signum, home, before, watch)
    assert time.monotonic() - started < PROMPT, f"exited {time.monotonic() - started:.1f} s after the signal"


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
    _judge_interrupted(run, signum, home, before, watch)


RUNS = 8


def test_at_random_moments_around_the_write(world, cli_env, reliability):
    """Signals spread over the whole run (start-up, parsing, STS, writing, verifying): whatever
    the moment, the file is the old one or a complete new one. The fake STS answers after a
    short delay so that the write happens at a known, reachable time."""
    home, response, watch = world
    creds = home / ".aws" / "credentials"
    rng = random.Random(8)
    sts = fakes.FakeSts("ok", delay=0.05)
    outcomes = {0: 0, 130: 0, 143: 0}
    try:
        # one undisturbed run measures how long a run takes
        probe = Cli(["--saml-response", str(response), "--endpoint-url", sts.url], cli_env).wait(30)
        assert probe.code == 0, probe
        span = probe.wall
        for n in range(RUNS):
            creds.write_text(OLD)
            before = creds.read_bytes()
            signum = (signal.SIGINT, signal.SIGTERM)[n % 2]
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
    assert outcomes[0] and outcomes[130] + outcomes[143], outcomes
