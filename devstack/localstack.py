"""The AWS side as LocalStack itself, without Docker (``--aws localstack``).

Only localstack-core 4.13.1 runs on Python 3.11 (its 2026.x releases need 3.12+). It pins its
own boto3/botocore, so it gets a venv of its own in the cache (outside the repository), made
once and reused, with the pins it needs on these machines (see PINS). Its gateway is started
directly (``localstack start`` refuses the light, Docker-less install) on loopback with
hypercorn: the default gateway server ignores the host part of GATEWAY_LISTEN and binds 0.0.0.0.

Known upstream limit: its STS (moto's) answers InternalError to an assertion with two Role
values, and it ignores RoleArn. The strict emulator (devstack/aws.py) stays the default.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from devstack import procs
from devstack.procs import StackError
from devstack.settings import HOST, Settings

VERSION = "4.13.1"
# cbor2 6 ("No component plugins found"), pyopenssl 26 ('X509' has no 'add_extensions') and
# cryptography 44 break 4.13.1; service_identity for its TLS certificate code.
PINS = (f"localstack-core[runtime]=={VERSION}", "cbor2<6", "pyopenssl<24.3", "cryptography<44", "service_identity")
HEALTH_PATH = "/_localstack/health"
# Ready ~3-5 s after start idle (measured: docs/performance.md); far more on a loaded machine.
START_TIMEOUT = 180.0
INSTALL_TIMEOUT = 1200.0


def cache_root() -> Path:
    """$XDG_CACHE_HOME/awscli-saml-sso, else ~/.cache/awscli-saml-sso (Keycloak's cache too)."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "awscli-saml-sso"


def venv_dir() -> Path:
    """$ASS_LOCALSTACK_VENV, else <cache>/localstack-4.13.1-venv."""
    explicit = os.environ.get("ASS_LOCALSTACK_VENV")
    return Path(explicit) if explicit else cache_root() / f"localstack-{VERSION}-venv"


def venv_python() -> Path:
    return venv_dir() / "bin" / "python"


def _ready_stamp(venv: Path) -> Path:
    # Written last: a venv without it is a broken or interrupted install, made again.
    return venv / ".awscli-saml-sso-ready"


def base_python() -> str:
    """A Python 3.11 for the venv: 4.13.1 is the last release for it, and 3.12+ would pull
    a LocalStack newer than the pin's world. $ASS_LOCALSTACK_PYTHON, else python3.11, else us."""
    explicit = os.environ.get("ASS_LOCALSTACK_PYTHON")
    if explicit:
        return explicit
    if sys.version_info[:2] == (3, 11):
        return sys.executable
    found = shutil.which("python3.11")
    if found is None:
        raise StackError(
            "LocalStack 4.13.1 needs Python 3.11: install it or set "
            "ASS_LOCALSTACK_PYTHON (dev/test.sh: ASS_SKIP_LOCALSTACK=1 skips its tests)"
        )
    return found


@contextlib.contextmanager
def _cache_lock():
    """Two test runs (or engineers) making the venv at once would each break the other's."""
    root = cache_root()
    root.mkdir(parents=True, exist_ok=True)
    import fcntl  # here, not at the top: the unit tests import devstack on macOS and Windows too

    with open(root / f"localstack-{VERSION}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def ensure(log=lambda msg: None) -> Path:
    """The venv with LocalStack, made once (~1.5-2 min from PyPI); its Python."""
    venv = venv_dir()
    if _ready_stamp(venv).exists():
        return venv_python()
    with _cache_lock():
        if _ready_stamp(venv).exists():
            return venv_python()
        started = time.monotonic()
        log(f"installing LocalStack {VERSION} into {venv} (once)")
        building = venv.with_name(venv.name + ".partial")
        shutil.rmtree(building, ignore_errors=True)
        _run([base_python(), "-m", "venv", str(building)], "making its venv")
        _run(
            [str(building / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check", *PINS],
            "pip install " + " ".join(PINS),
        )
        # Built aside and renamed only when complete: an interrupted install never looks ready.
        shutil.rmtree(venv, ignore_errors=True)
        building.rename(venv)
        _fix_shebangs(building, venv)
        _ready_stamp(venv).write_text(f"{VERSION}\n")
        log(f"LocalStack {VERSION} installed in {time.monotonic() - started:.0f}s")
    return venv_python()


def _fix_shebangs(old: Path, new: Path) -> None:
    """The venv was built under another name, which its scripts' #! lines carry. The stack only
    runs ``bin/python -m`` (relocatable); this keeps ``bin/localstack`` usable by hand."""
    for script in (new / "bin").iterdir():
        if script.is_symlink() or not script.is_file():
            continue
        try:
            text = script.read_text()
        except (UnicodeDecodeError, OSError):
            continue
        if str(old) in text:
            script.write_text(text.replace(str(old), str(new)))


def _run(argv: list[str], what: str) -> None:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=INSTALL_TIMEOUT)
    except (OSError, subprocess.TimeoutExpired) as err:
        raise StackError(f"LocalStack install: {what} failed: {err}") from err
    if done.returncode != 0:
        last = (done.stderr or done.stdout).strip().splitlines()[-5:]
        raise StackError(f"LocalStack install: {what} failed:\n" + "\n".join(last))


def environment(settings: Settings) -> dict[str, str]:
    """Its settings: loopback only, state and caches under this stack's state directory."""
    home = settings.state_dir / "localstack"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "PYTHON", "VIRTUAL_ENV"))}
    env.update(
        {
            "GATEWAY_SERVER": "hypercorn",
            "GATEWAY_LISTEN": f"{HOST}:{settings.aws_port}",
            "LOCALSTACK_HOST": f"{HOST}:{settings.aws_port}",
            # Its host-mode directories default to shared places; each stack gets its own.
            "FILESYSTEM_ROOT": str(home / "fs"),
            "HOME": str(home),
            "SKIP_SSL_CERT_DOWNLOAD": "1",  # no fetch of localstack.cloud's certificate
            "DISABLE_EVENTS": "1",  # no analytics sent home
            "DNS_ADDRESS": "0",  # no DNS server of its own (it would try port 53)
            "SERVICES": "iam,sts,s3",  # what the realm uses
            "LOCALSTACK_CLI": "0",  # host-mode directories (under FILESYSTEM_ROOT), not the CLI's
        }
    )
    return env


def start(settings: Settings, name: str) -> int:
    python = ensure()
    home = settings.state_dir / "localstack"
    (home / "fs").mkdir(parents=True, exist_ok=True)
    argv = [str(python), "-m", "localstack.runtime.main"]
    return procs.start(name, argv, run_dir=settings.state_dir, env=environment(settings), cwd=home)


def wait_ready(settings: Settings, pid: int, name: str) -> None:
    procs.wait_http(
        HOST,
        settings.aws_port,
        HEALTH_PATH,
        pid=pid,
        name="AWS (LocalStack)",
        log=settings.state_dir / f"{name}.log",
        timeout=START_TIMEOUT,
    )
