"""up / down / status of the whole stack; the state directory remembers what runs where."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from devstack import idp, keycloak, localstack, procs, realm
from devstack.procs import StackError
from devstack.settings import (
    AWS_SIDES,
    HOST,
    IDPS,
    KEYCLOAK,
    LOCALSTACK,
    MOTO,
    REPO_ROOT,
    SIMPLESAMLPHP,
    STACK_COMMAND,
    Settings,
)

STATE_FILE = "stack.json"
STATE_VERSION = 1
AWS = "aws"
WATCHDOG = "watchdog"  # devstack/watchdog.py, started by up(watch_pid=...), stopped by down


def _state_path(state_dir: Path) -> Path:
    return state_dir / STATE_FILE


def load(state_dir: Path) -> Settings | None:
    """The settings of the stack last started in ``state_dir``, if any."""
    try:
        data = json.loads(_state_path(state_dir).read_text())
    except (OSError, ValueError):
        return None
    if data.get("version") != STATE_VERSION:
        return None
    return Settings(
        state_dir=state_dir,
        idp_port=data["idp_port"],
        aws_port=data["aws_port"],
        listener_port=data["listener_port"],
        # A state file written before Keycloak was an option ran SimpleSAMLphp.
        idp=data.get("idp", SIMPLESAMLPHP),
        # ... and one written before LocalStack was an option ran moto.
        aws=data.get("aws", MOTO),
    )


def _save(settings: Settings) -> None:
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    _state_path(settings.state_dir).write_text(
        json.dumps(
            {
                "version": STATE_VERSION,
                "idp_port": settings.idp_port,
                "aws_port": settings.aws_port,
                "listener_port": settings.listener_port,
                "idp": settings.idp,
                "aws": settings.aws,
            },
            indent=2,
        )
        + "\n"
    )


def status(state_dir: Path) -> dict[str, bool]:
    return {name: procs.is_running(name, state_dir) for name in (idp.NAME, AWS)}


def _check_ports(settings: Settings) -> None:
    for what, port in (("IdP", settings.idp_port), ("AWS", settings.aws_port)):
        if not procs.port_is_free(HOST, port):
            raise StackError(
                f"port {port} ({what}) is already in use: stop what uses it, or pick another "
                f"with --{what.lower()}-port / ASS_STACK_{what.upper()}_PORT"
            )


def _python_env(**extra: str) -> dict[str, str]:
    """Environment for our Python servers: devstack importable from any working directory."""
    path = os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")]))
    return {**os.environ, "PYTHONPATH": path, **extra}


def _start_aws(settings: Settings) -> int:
    if settings.aws not in AWS_SIDES:
        raise StackError(f"unknown AWS side {settings.aws!r}: choose one of {', '.join(AWS_SIDES)}")
    if settings.aws == LOCALSTACK:
        return localstack.start(settings, AWS)
    env = _python_env(MOTO_ACCOUNT_ID=realm.ACCOUNT_ID)
    argv = [sys.executable, "-m", "devstack.aws", "--host", HOST, "--port", str(settings.aws_port)]
    return procs.start(AWS, argv, run_dir=settings.state_dir, env=env, cwd=REPO_ROOT)


def _start_idp(settings: Settings, log) -> int:
    if settings.idp not in IDPS:
        raise StackError(f"unknown IdP {settings.idp!r}: choose one of {', '.join(IDPS)}")
    if settings.idp == KEYCLOAK:
        return keycloak.start(settings, log=log)
    return idp.start(settings)


def _wait_idp(settings: Settings, pid: int) -> None:
    if settings.idp == KEYCLOAK:
        keycloak.wait_ready(settings, pid)
        keycloak.configure(settings)
    else:
        idp.wait_ready(settings, pid)


def preflight() -> None:
    """This Python must be able to run the AWS side; say which Python and how to fix it."""
    import importlib.util

    needed = ("moto", "boto3", "signxml", "werkzeug", "flask", "lxml", "requests")
    lacking = [name for name in needed if importlib.util.find_spec(name) is None]
    if lacking:
        raise StackError(
            f"{sys.executable} lacks {', '.join(lacking)}: use the project's venv "
            f"(bash dev/setup.sh, then {STACK_COMMAND} up) or "
            "pip install -e '.[test]'"
        )


def up(settings: Settings, log=lambda msg: None, watch_pid: int | None = None) -> Settings:
    """Start what is not running, wait until both answer, seed AWS. Idempotent.

    With ``watch_pid`` the stack also stops by itself when that process dies (test runs).
    """
    started = time.monotonic()
    previous = load(settings.state_dir)
    running = status(settings.state_dir)
    if all(running.values()) and previous is not None:
        if previous != settings:
            log(f"already running ({previous.idp}, its own ports: see `env`); `down` first to change them")
        seed(previous)  # idempotent; puts the realm back after a /moto-api/reset
        log("already running")
        return previous
    if any(running.values()):
        down(settings.state_dir)  # half a stack: start both afresh
    preflight()
    _check_ports(settings)
    _save(settings)
    try:
        if settings.aws == LOCALSTACK:
            localstack.ensure(log=log)  # its venv, made once (~1-2 min), before any server starts
        idp_pid = _start_idp(settings, log)
        aws_pid = _start_aws(settings)
        _wait_aws(settings, aws_pid)
        # Started together: Keycloak's ~15-60 s start overlaps moto's second.
        if watch_pid is not None:
            # Before the slow wait: a test run killed during Keycloak's start leaves nothing.
            _start_watchdog(settings, watch_pid)
        _wait_idp(settings, idp_pid)
        seed(settings)  # from the IdP's real metadata, so only once it answers
    except BaseException:
        down(settings.state_dir)
        raise
    log(f"up in {time.monotonic() - started:.1f}s")
    return settings


def _wait_aws(settings: Settings, pid: int) -> None:
    if settings.aws == LOCALSTACK:
        localstack.wait_ready(settings, pid, AWS)
    else:
        procs.wait_http(
            HOST,
            settings.aws_port,
            "/moto-api/data.json",
            pid=pid,
            name="AWS (moto)",
            log=settings.state_dir / f"{AWS}.log",
        )


def _start_watchdog(settings: Settings, watch_pid: int) -> None:
    env = _python_env()
    procs.start(
        WATCHDOG,
        [sys.executable, "-m", "devstack.watchdog", str(watch_pid), str(settings.state_dir)],
        run_dir=settings.state_dir,
        env=env,
        cwd=REPO_ROOT,
    )


def seed(settings: Settings) -> None:
    from botocore.exceptions import BotoCoreError, ClientError

    from devstack.seed import seed as seed_aws

    try:
        seed_aws(settings.aws_endpoint_url, settings.idp_metadata_url)
    except (BotoCoreError, ClientError, OSError) as err:
        raise StackError(f"seeding AWS at {settings.aws_endpoint_url} failed: {err}") from err


def down(state_dir: Path, include_watchdog: bool = True) -> list[str]:
    """Stop both servers (whole process groups); returns the names that were running."""
    if include_watchdog:
        procs.stop(WATCHDOG, state_dir)
    return [name for name in (idp.NAME, AWS) if procs.stop(name, state_dir)]
