"""Run the real CLI as a subprocess, as a person or a script would: no terminal, own session."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence


@dataclasses.dataclass
class Run:
    code: int
    out: str
    err: str

    def __str__(self) -> str:
        return f"exit {self.code}\n--- stdout\n{self.out}\n--- stderr\n{self.err}"


def run_cli(
    args: Sequence[str], env: Mapping[str, str] | None = None, stdin: str | bytes | None = None, timeout: float = 120
) -> Run:
    """``python -m awscli_saml_sso ARGS`` in a new session, so it has no controlling terminal."""
    data = stdin.encode() if isinstance(stdin, str) else stdin
    proc = subprocess.run(
        [sys.executable, "-m", "awscli_saml_sso", *args],
        input=data if data is not None else b"",
        capture_output=True,
        env=dict(env if env is not None else os.environ),
        timeout=timeout,
        start_new_session=True,
    )
    return Run(proc.returncode, proc.stdout.decode(errors="replace"), proc.stderr.decode(errors="replace"))
