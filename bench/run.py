"""Benchmark runner: every figure of docs/performance.md, measured on a private local stack.

    .venv/bin/python bench/run.py                # everything; rewrites docs/performance.md + .svg
    .venv/bin/python bench/run.py --runs 5       # fewer runs (quicker, noisier)
    .venv/bin/python bench/run.py --only cli,cache,server,core   # no stack, no browser

It starts its own stack (SimpleSAMLphp + strict moto STS) on free loopback ports in a temporary
state directory and stops it at the end; it creates the original tool's venv (bench/.venv-orig,
awscli-saml-sso 0.3.2 with bench/orig-constraints.txt) when it is missing. Each figure is a
median over repeated runs with min and max; wall and CPU time; load average beside them.
"""

from __future__ import annotations

import argparse
import compileall
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path[:0] = [str(BENCH), str(REPO), str(REPO / "src")]

import chart
import report
import scenarios

SECTIONS = ("cli", "cache", "server", "core", "login", "wrong", "valid", "cookie", "allroles", "memory")
ORIG_VENV = BENCH / ".venv-orig"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/run.py", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="runs per process figure [10]")
    parser.add_argument("--cli-runs", type=int, default=20, help="runs of --help/--version [20]")
    parser.add_argument("--only", default=",".join(SECTIONS), help=f"comma-separated sections [{','.join(SECTIONS)}]")
    parser.add_argument(
        "--orig-venv",
        type=Path,
        default=ORIG_VENV,
        help="venv holding awscli-saml-sso 0.3.2 [bench/.venv-orig; made if missing]",
    )
    parser.add_argument("--output", type=Path, default=REPO / "docs" / "performance.md")
    args = parser.parse_args(argv)
    wanted = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = set(wanted) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown section(s): {', '.join(sorted(unknown))}")

    # As pip leaves an installed package: bytecode compiled (an editable checkout otherwise
    # compiles every module at each start when PYTHONDONTWRITEBYTECODE is set, ~20 ms here).
    compileall.compile_dir(str(REPO / "src" / "awscli_saml_sso"), quiet=1)
    tools = scenarios.Tools(ours=_our_command(), orig=None, python=sys.executable)
    if "cli" in wanted:
        tools.orig = [str(ensure_orig_venv(args.orig_venv) / "bin" / "awscli_saml_sso")]
    doc = report.Report(machine=report.machine(), command=_command_line(argv))
    with tempfile.TemporaryDirectory(prefix="ass-bench-") as tmp_name:
        tmp = Path(tmp_name)
        scenarios.SCRATCH.append(str(tmp))
        _run_sections(wanted, args, tools, tmp, doc)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    if doc.login is not None:
        svg = args.output.with_suffix(".svg")
        svg.write_text(
            chart.stacked_bars(
                "Fresh headless login: median seconds per phase",
                [("awscli_saml_sso", doc.login.phases["tool"]), ("floor", doc.login.phases["floor"])],
                [name for name, _ in scenarios.PHASES],
            )
        )
        doc.chart = svg.name
    args.output.write_text(doc.markdown() + _kept_by_hand(args.output))
    _say(f"wrote {args.output.relative_to(REPO) if args.output.is_relative_to(REPO) else args.output}")
    return 0


# Sections measured by hand (Keycloak's start needs minutes, not a benchmark loop) start at this
# line; a new report keeps them.
KEPT_MARKER = "<!-- kept by bench/run.py: measured by hand, see the commands -->"


def _kept_by_hand(output: Path) -> str:
    try:
        old = output.read_text()
    except OSError:
        return ""
    at = old.find(KEPT_MARKER)
    return "" if at < 0 else "\n" + old[at:]


def _run_sections(
    wanted: list[str], args: argparse.Namespace, tools: scenarios.Tools, tmp: Path, doc: report.Report
) -> None:
    if "cli" in wanted:
        rows = _timed_section(doc, "cli", lambda: scenarios.help_and_version(tools, args.cli_runs, tmp)[0])
        doc.add("Start-up: `--help` and `--version`, side by side with awscli-saml-sso 0.3.2", rows)
    if "cache" in wanted:
        doc.add(
            "credential-process",
            _timed_section(doc, "cache", lambda: scenarios.credential_process(tools, args.runs, tmp)),
        )
    if "server" in wanted:
        doc.add(
            "exec --server", _timed_section(doc, "server", lambda: scenarios.credential_server(tools, args.runs, tmp))
        )
    if "core" in wanted:
        doc.add("Scale", _timed_section(doc, "core", lambda: scenarios.core(50)))
    on_stack = [s for s in wanted if s in ("login", "wrong", "valid", "cookie", "allroles", "memory")]
    if not on_stack:
        return
    from benchstack import BenchStack

    with BenchStack(tmp / "stack", log=_say) as stack:
        info = stack.info()
        if "login" in wanted:
            doc.login = _timed_section(doc, "login", lambda: scenarios.fresh_login(tools, info, args.runs, tmp))
            doc.add("Fresh headless login against the local stack", doc.login.rows)
        if "wrong" in wanted:
            doc.add(
                "Fresh headless login against the local stack",
                _timed_section(doc, "wrong", lambda: scenarios.wrong_password(tools, info, args.runs, tmp)),
            )
        if "valid" in wanted:
            doc.add(
                "Repeat logins",
                _timed_section(doc, "valid", lambda: scenarios.still_valid(tools, info, args.runs, tmp)),
            )
        if "cookie" in wanted:
            doc.add(
                "Repeat logins",
                _timed_section(doc, "cookie", lambda: scenarios.persistent_profile(tools, info, args.runs, tmp)),
            )
        if "allroles" in wanted:
            doc.add(
                "Scale",
                _timed_section(
                    doc,
                    "allroles",
                    lambda: scenarios.all_roles(tools, info, max(3, args.runs // 2), tmp, stack.many_roles_response),
                ),
            )
        if "memory" in wanted:
            doc.memory = _timed_section(doc, "memory", lambda: scenarios.memory(tools, info, 3, tmp))


def _timed_section(doc: report.Report, name: str, fn):
    _say(f"{name}: running (load average {report.load_text()})")
    before = os.getloadavg()
    began = time.monotonic()
    result = fn()
    after = os.getloadavg()
    doc.loads[name] = (before, after, time.monotonic() - began)
    rows = result.rows + [result.versus] if isinstance(result, scenarios.LoginFigures) else result
    for row in rows if isinstance(rows, list) else []:
        if isinstance(row, scenarios.Row):
            row.load = f"{before[0]:.1f} → {after[0]:.1f}"
    _say(f"{name}: done in {time.monotonic() - began:.0f} s")
    return result


def _our_command() -> list[str]:
    script = Path(sys.executable).parent / "awscli_saml_sso"
    return [str(script)] if script.exists() else [sys.executable, "-m", "awscli_saml_sso"]


def ensure_orig_venv(venv: Path) -> Path:
    """The original tool in its own venv, made once: python -m venv + pip install (pinned)."""
    if (venv / "bin" / "awscli_saml_sso").exists():
        return venv
    _say(f"creating {venv} with awscli-saml-sso 0.3.2 (once)")
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run(
        [
            str(venv / "bin" / "pip"),
            "install",
            "--quiet",
            "awscli-saml-sso==0.3.2",
            "-c",
            str(BENCH / "orig-constraints.txt"),
        ],
        check=True,
    )
    return venv


def _command_line(argv: list[str] | None) -> str:
    args = sys.argv[1:] if argv is None else argv
    return " ".join([".venv/bin/python bench/run.py", *args])


def _say(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
