"""Median wall time of ``credential-process`` answered from its cache (target: < 0.2 s).

Runs the real command as the AWS SDKs do (a new Python process each time) against a private
temporary tool home holding one fresh cache entry; nothing else on the machine is read or
written. Usage: ``python bench/bench_credential_process.py [--runs 10]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_SECONDS = 0.2
# Until cli.py registers the delivery commands, run the same entry point with them added.
_MAIN = (
    "import sys\n"
    "from awscli_saml_sso import cli\n"
    "from awscli_saml_sso.commands import deliver\n"
    "for command in deliver.COMMANDS:\n"
    "    if command.name not in cli.cli.commands:\n"
    "        cli.cli.add_command(command)\n"
    "cli.main(sys.argv[1:])\n"
)


def command() -> list[str]:
    from awscli_saml_sso import cli

    if "credential-process" in cli.cli.commands or "credential-process" in getattr(cli.cli, "LAZY", {}):
        return [sys.executable, "-m", "awscli_saml_sso"]
    return [sys.executable, "-c", _MAIN]


def seed(env: dict[str, str]) -> None:
    from awscli_saml_sso.delivery import cache
    from awscli_saml_sso.models import Credentials

    key = cache.key("bench", None, None)
    expires = dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=1)
    cache.store(cache.file_for(env, key), key, Credentials("ASIABENCH0000000", "secret", "token" * 40, expires))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "HOME": tmp,
            "ASS_HOME": str(Path(tmp) / ".awscli_saml_sso"),
            "AWS_SHARED_CREDENTIALS_FILE": str(Path(tmp) / "credentials"),
            "AWS_CONFIG_FILE": str(Path(tmp) / "config"),
        }
        env.pop("AWS_PROFILE", None)
        seed(env)
        argv = [*command(), "credential-process", "--idp-nickname", "bench"]
        times, bare = [], []
        for _ in range(args.runs):
            # Interleaved with a bare interpreter start, so a loaded machine shows in both.
            bare.append(_timed([sys.executable, "-c", "pass"], env)[0])
            elapsed, proc = _timed(argv, env)
            times.append(elapsed)
            if proc.returncode != 0 or json.loads(proc.stdout)["Version"] != 1:
                print(f"credential-process failed: {proc.stderr.decode(errors='replace')}", file=sys.stderr)
                return 1
    median, floor = statistics.median(times), statistics.median(bare)
    print(
        f"credential-process from cache: median {median * 1000:.0f} ms over {args.runs} runs "
        f"(min {min(times) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms; target < {TARGET_SECONDS * 1000:.0f} ms)"
    )
    print(
        f"bare `python -c pass` on this machine now: median {floor * 1000:.0f} ms "
        f"(our own cost: {max(0.0, median - floor) * 1000:.0f} ms)"
    )
    if any(_CPU):  # wall time suffers on a loaded machine; CPU time much less
        ours, theirs = statistics.median(_CPU[1::2]), statistics.median(_CPU[0::2])
        print(
            f"CPU (user+sys): credential-process median {ours * 1000:.0f} ms, bare interpreter {theirs * 1000:.0f} ms"
        )
    return 0 if median < TARGET_SECONDS else 2


def _timed(argv: list[str], env: dict[str, str]) -> tuple[float, subprocess.CompletedProcess]:
    started = time.perf_counter()
    proc = subprocess.run(argv, env=env, capture_output=True, check=False)
    elapsed = time.perf_counter() - started
    _CPU.append(_children_cpu() - (sum(_CPU) if _CPU else 0.0))
    return elapsed, proc


_CPU: list[float] = []  # CPU seconds (user + system) of each child, in order


def _children_cpu() -> float:
    try:
        import resource  # POSIX only
    except ImportError:  # Windows: wall time only
        return 0.0
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


if __name__ == "__main__":
    sys.exit(main())
