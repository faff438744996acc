"""``exec`` and ``env``: a profile's temporary credentials as environment variables.

Pure parts (``variables``, ``render``, ``child_environment``) apart from the one that runs a
process (``run``). Exit codes follow the shells: the child's own code, 128+N when a signal N
killed it, 127 when the command does not exist, 126 when it cannot be executed.
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
from collections.abc import Mapping, Sequence

from awscli_saml_sso.delivery.profiles import ProfileCredentials
from awscli_saml_sso.errors import SamlSsoError

# ``env --format``: exactly the names of AWS CLI v2's ``aws configure export-credentials --format``
# (``process`` is the credential_process JSON), and the names this tool used before as aliases.
FORMATS = ("env", "env-no-export", "process", "powershell", "windows-cmd", "fish")
ALIASES = {"sh": "env", "bash": "env", "zsh": "env", "json": "process"}


def format_name(name: str) -> str:
    """The canonical name of an ``env --format`` value (``sh`` → ``env``, ``json`` → ``process``)."""
    return ALIASES.get(name, name)


# Variables that would point the SDKs at other credentials than the ones we set.
REMOVED = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SECURITY_TOKEN")


class CommandFailed(SamlSsoError):
    """The command could not be started: 127 (not found) or 126 (not executable), as shells do."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message, hint="")
        self.exit_code = code  # type: ignore[assignment] - the shell's codes, not ours


def variables(creds: ProfileCredentials) -> dict[str, str]:
    values = {
        "AWS_ACCESS_KEY_ID": creds.access_key_id,
        "AWS_SECRET_ACCESS_KEY": creds.secret_access_key,
        "AWS_SESSION_TOKEN": creds.session_token,
    }
    if creds.region:
        values["AWS_REGION"] = creds.region
        values["AWS_DEFAULT_REGION"] = creds.region
    values["AWS_CREDENTIAL_EXPIRATION"] = creds.expiration_iso
    return values


def child_environment(environ: Mapping[str, str], values: Mapping[str, str]) -> dict[str, str]:
    env = {k: v for k, v in environ.items() if k not in REMOVED}
    env.update(values)
    return env


# -- env ------------------------------------------------------------------------------------
def _fish_quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


# PowerShell ends a single-quoted string at any of these, not only at ' (its tokenizer treats
# the typographic single quotes as quotes): each is doubled, as ' is.
_POWERSHELL_QUOTES = re.compile("['\u2018\u2019\u201a\u201b]")


def _powershell_quote(value: str) -> str:
    return "'" + _POWERSHELL_QUOTES.sub(lambda m: m.group() * 2, value) + "'"


def _cmd_value(value: str) -> str:
    """cmd.exe's ``set "NAME=value"`` takes everything up to the last quote literally, except
    ``%`` (variable expansion, even inside quotes) and line breaks: refuse those rather than
    print a line that sets something else."""
    if "%" in value or "\n" in value or "\r" in value or '"' in value:
        raise ValueError("a value cmd.exe cannot hold literally")
    return value


def render(values: Mapping[str, str], shell: str) -> str:
    """Lines that set ``values`` (and unset AWS_PROFILE & co.) in ``shell``.

    ``env-no-export`` is ``NAME=value`` only (a .env file, ``docker --env-file`` or
    ``set -a; . file``): no unset lines, values quoted only when the shell needs it."""
    lines: list[str] = []
    if shell == "env-no-export":
        lines += [f"{k}={shlex.quote(v)}" for k, v in values.items()]
    elif shell == "windows-cmd":
        lines += [f"set {k}=" for k in REMOVED]
        lines += [f'set "{k}={_cmd_value(v)}"' for k, v in values.items()]
    elif shell in ("env", "sh"):
        lines.append("unset " + " ".join(REMOVED))
        lines += [f"export {k}={shlex.quote(v)}" for k, v in values.items()]
    elif shell == "fish":
        # fish's ``set -e`` of an unset variable leaves status 4 and ``set -gx`` keeps it, so
        # ``... | source; and aws ...`` would skip the command: ``or true`` leaves status 0.
        lines += [f"set -e {k}; or true" for k in REMOVED]
        lines += [f"set -gx {k} {_fish_quote(v)}" for k, v in values.items()]
    elif shell == "powershell":
        lines += [f"Remove-Item Env:{k} -ErrorAction SilentlyContinue" for k in REMOVED]
        lines += [f"$Env:{k} = {_powershell_quote(v)}" for k, v in values.items()]
    else:
        raise ValueError(f"unknown shell {shell!r}")
    return "\n".join(lines) + "\n"


# -- exec -----------------------------------------------------------------------------------
def run(command: Sequence[str], env: Mapping[str, str]) -> int:
    """Run ``command`` with ``env``; return its exit code (128+N if killed by signal N)."""
    try:
        child = subprocess.Popen(list(command), env=dict(env))  # the person's own command
    except FileNotFoundError as exc:
        raise CommandFailed(f"command not found: {command[0]}", 127) from exc
    except PermissionError as exc:
        raise CommandFailed(f"cannot execute {command[0]}: permission denied", 126) from exc
    except OSError as exc:
        raise CommandFailed(f"cannot execute {command[0]}: {exc.strerror or exc}", 126) from exc
    with _forwarding_signals(child):
        code = _wait(child)
    return 128 - code if code < 0 else code


def _wait(child: subprocess.Popen) -> int:
    while True:
        try:
            return child.wait()
        except InterruptedError:  # pragma: no cover - PEP 475 retries, belt and braces
            continue


class _forwarding_signals:  # used as a context manager
    """While the child runs, SIGINT/SIGTERM (and SIGHUP) go to it; we wait for its verdict."""

    NAMES = ("SIGINT", "SIGTERM", "SIGHUP")

    def __init__(self, child: subprocess.Popen) -> None:
        self.child = child
        self.saved: dict[int, object] = {}

    def _forward(self, signum: int, _frame: object) -> None:
        if self.child.poll() is None:
            try:
                self.child.send_signal(signum)
            except ProcessLookupError:  # it just ended
                pass

    def __enter__(self) -> _forwarding_signals:
        if os.name != "posix":  # Windows: the console delivers Ctrl-C to the child itself
            return self
        for name in self.NAMES:
            signum = getattr(signal, name, None)
            if signum is not None:
                self.saved[signum] = signal.signal(signum, self._forward)
        return self

    def __exit__(self, *exc: object) -> None:
        for signum, handler in self.saved.items():
            signal.signal(signum, handler)  # type: ignore[arg-type]
