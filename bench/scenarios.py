"""The measured scenarios. Each returns rows for the report; none prints.

Every scenario runs the real command in a new process with a private HOME, tool home and AWS
files (nothing on the machine is read or written), on the private local stack that run.py starts.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import re
import statistics
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import measure
from measure import Stats

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
PASSWORD = b"aws_user\n"


@dataclasses.dataclass
class Row:
    name: str
    wall: Stats
    cpu: Stats | None = None
    target: str = ""
    met: bool | None = None
    command: str = ""
    note: str = ""
    load: str = ""  # 1-minute load average before → after its section


@dataclasses.dataclass
class Tools:
    ours: list[str]  # argv prefix of this project's command
    orig: list[str] | None  # argv prefix of awscli_saml_sso 0.3.2
    python: str  # this project's interpreter


def private_env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "ASS_")) or k.startswith("ASS_STACK")}
    env.update(
        {
            "HOME": str(home),
            "ASS_HOME": str(home / ".awscli_saml_sso"),
            "AWS_SHARED_CREDENTIALS_FILE": str(home / ".aws" / "credentials"),
            "AWS_CONFIG_FILE": str(home / ".aws" / "config"),
            "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",  # never the real keyring
            **extra,
        }
    )
    return env


def timed_runs(
    argv: list[str],
    env_for: Callable[[int], dict[str, str]],
    runs: int,
    stdin: bytes = b"",
    check: Callable[[measure.Run], str | None] | None = None,
) -> list[measure.Run]:
    done = []
    for index in range(runs):
        result = measure.run(argv, env_for(index), stdin)
        problem = check(result) if check else (None if result.returncode == 0 else "failed")
        if problem:
            raise RuntimeError(
                f"{measure.argv_text(argv)}: {problem}\n{result.stderr.decode(errors='replace')[-2000:]}"
            )
        done.append(result)
    return done


def row_of(name: str, results: list[measure.Run], argv: list[str], target: float | None = None, **kw: object) -> Row:
    wall = Stats.of([r.wall for r in results])
    return Row(
        name,
        wall,
        Stats.of([r.cpu for r in results]),
        target=f"< {target * 1000:.0f} ms" if target else "",
        met=(wall.median < target) if target else None,
        command=shell(argv),
        **kw,
    )  # type: ignore[arg-type]


def shell(argv: list[str]) -> str:
    import shlex

    return " ".join(shlex.quote(_short(str(a))) for a in argv)


SCRATCH: list[str] = []  # the runner's temporary directory, shown as $TMP in command lines


def _short(text: str) -> str:
    """Our venv's scripts by name, the repository's files relative to it, $TMP for scratch."""
    ours = str(Path(sys.executable).parent) + "/"
    if text.startswith(ours):
        return text[len(ours) :]
    for scratch in SCRATCH:
        text = text.replace(scratch, "$TMP")
    return text.replace(str(REPO) + "/", "")


# ---- 1. --help / --version ---------------------------------------------------------------------


def help_and_version(tools: Tools, runs: int, tmp: Path) -> tuple[list[Row], dict[str, float]]:
    env = private_env(tmp / "home-help")
    rows, ratios = [], {}
    for flag in ("--help", "--version"):
        ours, orig = [], []
        for _ in range(runs):  # interleaved: a load spike hits both
            ours.append(measure.run([*tools.ours, flag], env))
            if tools.orig:
                orig.append(measure.run([*tools.orig, flag], env))
        _all_ok(ours + orig, flag)
        row = row_of(f"`{flag}`", ours, [*tools.ours, flag])
        rows.append(row)
        if tools.orig:
            old = row_of(f"`{flag}`, original 0.3.2", orig, [*tools.orig, flag])
            ratios[flag] = row.wall.median / old.wall.median
            if flag == "--help":
                row.target, row.met = "≤ 1/3 of 0.3.2", ratios[flag] <= 1 / 3
            row.note = f"{ratios[flag]:.2f} × the original's time"
            rows.append(old)
    bare = [measure.run([tools.python, "-c", "pass"], env) for _ in range(runs)]
    rows.append(row_of("bare `python -c pass` (for scale)", bare, [tools.python, "-c", "pass"]))
    return rows, ratios


def _all_ok(results: list[measure.Run], what: str) -> None:
    bad = [r for r in results if r.returncode != 0]
    if bad:
        raise RuntimeError(f"{what} failed: {bad[0].stderr.decode(errors='replace')[-500:]}")


# ---- 5. credential-process from its cache ------------------------------------------------------


def credential_process(tools: Tools, runs: int, tmp: Path) -> list[Row]:
    home = tmp / "home-cp"
    env = private_env(home)
    _seed_cache(tools.python, env)
    argv = [*tools.ours, "credential-process", "--idp-nickname", "bench"]

    def check(result: measure.Run) -> str | None:
        if result.returncode != 0:
            return "failed"
        return None if json.loads(result.stdout)["Version"] == 1 else "not a credential_process answer"

    results = timed_runs(argv, lambda _: env, runs, check=check)
    return [row_of("`credential-process`, served from its cache", results, argv, 0.2)]


def _seed_cache(python: str, env: dict[str, str]) -> None:
    code = (
        "import datetime as dt, os\n"
        "from awscli_saml_sso.delivery import cache\n"
        "from awscli_saml_sso.models import Credentials\n"
        "key = cache.key('bench', None, None)\n"
        "exp = dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=1)\n"
        "cache.store(cache.file_for(os.environ, key), key,"
        " Credentials('ASIABENCH0000000', 'secret', 'token' * 40, exp))\n"
    )
    measure.run([python, "-c", code], env)


# ---- 5b. exec --server answering from the profile ----------------------------------------------

SERVER_CLIENT = BENCH / "server_client.py"  # runs as the child: raw HTTP/1.1, as an SDK's requests


def credential_server(tools: Tools, runs: int, tmp: Path) -> list[Row]:
    """One request = a new connection, as an SDK's refresh makes; the profile is read again each time."""
    home = tmp / "home-server"
    env = private_env(home)
    code = (
        "import datetime as dt, os\n"
        "from awscli_saml_sso import awsfiles\n"
        "from awscli_saml_sso.models import Credentials, Role\n"
        "exp = dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=1)\n"
        "awsfiles.write_credentials('bench', Credentials('ASIABENCH0000000', 'secret', 'token' * 40, exp),"
        " Role('arn:aws:iam::000000000000:role/Bench', 'arn:aws:iam::000000000000:saml-provider/Bench'), os.environ)\n"
    )
    measure.run([tools.python, "-c", code], env)
    requests = max(200, runs * 20)
    argv = [
        *tools.ours,
        "exec",
        "--profile",
        "bench",
        "--server",
        "--",
        tools.python,
        str(SERVER_CLIENT),
        str(requests),
    ]
    result = measure.run(argv, env)
    if result.returncode != 0:
        raise RuntimeError(f"exec --server failed: {result.stderr.decode(errors='replace')[-500:]}")
    samples = json.loads(result.stdout)
    command = shell(
        [*tools.ours, "exec", "--profile", "bench", "--server", "--", "python", "bench/server_client.py", str(requests)]
    )
    return [
        _percentile_row(
            f"`exec --server`: one request on a kept-alive connection ({requests} requests)",
            samples["kept"],
            0.0003,
            command,
        ),
        _percentile_row(
            f"`exec --server`: one request on a new connection ({requests} requests)", samples["new"], 0.0005, command
        ),
    ]


def _percentile_row(name: str, samples_ms: list[float], target: float, command: str) -> Row:
    """Median against ``target``, and the 99th percentile against 2 ms (issue 25)."""
    wall = Stats.of([s / 1000 for s in samples_ms])
    p99 = sorted(samples_ms)[max(0, round(len(samples_ms) * 0.99) - 1)] / 1000
    met = wall.median <= target and p99 <= 0.002
    return Row(name, wall, None, f"≤ {target * 1000:.1f} ms, p99 ≤ 2 ms", met, command, f"p99 {p99 * 1000:.2f} ms")


# ---- 6. scale: in-process core ----------------------------------------------------------------


def core(runs: int) -> list[Row]:
    sys.path.insert(0, str(BENCH))
    import bench_core

    from awscli_saml_sso import awsfiles, roles, saml

    data = bench_core.assertion_with_roles(500)

    def parse_and_choose() -> None:
        assertion = saml.parse_assertion(data)
        roles.choose_role(assertion.roles, pattern="000000000250:Role250")
        roles.menu_entries(assertion.roles)

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "credentials"
        path.write_text(bench_core.credentials_with_profiles(1000))
        size = path.stat().st_size
        values = {"aws_access_key_id": "ASIANEW", "aws_session_token": "z" * 400}
        update = bench_core.timed(lambda: awsfiles.update_file(path, "p500", values), runs)
    parse = bench_core.timed(parse_and_choose, runs)
    cmd = "in-process, bench/bench_core.py functions"
    return [
        _ms_row("parse + choose, 500-role assertion (base64, 500 Role values)", parse, 0.05, cmd),
        _ms_row(
            f"update 1 profile in a 1,000-profile credentials file ({size // 1024} KiB, locked, fsync, rename)",
            update,
            0.1,
            cmd,
        ),
    ]


def _ms_row(name: str, samples_ms: list[float], target: float, command: str) -> Row:
    wall = Stats.of([s / 1000 for s in samples_ms])
    return Row(name, wall, None, f"< {target * 1000:.0f} ms", wall.median < target, command)


# ---- logins on the stack -----------------------------------------------------------------------


@dataclasses.dataclass
class StackInfo:
    idp_url: str
    aws_endpoint_url: str
    role_arn: str
    provider_arn: str


PROGRESS = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) INFO awscli_saml_sso\.progress: (.*)$")
TOOL_MARKS = (  # (mark, message prefix or substring), first match in the log wins unless last=True
    ("browser_begin", re.compile(r"^starting ")),
    ("browser_started", re.compile(r" started in ")),
    ("captured", re.compile(r"^SAML response captured")),
    ("parsed", re.compile(r"^SAML response received")),
    ("written", re.compile(r"written to ")),
    ("verified", re.compile(r"^verified ")),
)
PHASES = (
    ("start-up: interpreter, imports, options", "browser_begin"),
    ("browser start (floor: + chromedriver)", "browser_started"),
    ("IdP page, form, POST captured", "captured"),
    ("response parsed (floor: browser quit first)", "parsed"),
    ("AssumeRoleWithSAML + file written", "written"),
    ("GetCallerIdentity (verify)", "verified"),
    ("exit (tool: waits for the browser to be gone)", "end"),
)
FLOOR_MARKS = {
    "browser_begin": "imported",
    "browser_started": "browser_started",
    "captured": "captured",
    "parsed": "browser_closed",
    "written": "written",
}


def tool_marks(result: measure.Run) -> dict[str, float]:
    marks = {"start": result.started_at}
    for line in result.stderr.decode(errors="replace").splitlines():
        found = PROGRESS.match(line)
        if not found:
            continue
        when = dt.datetime.strptime(found.group(1), "%Y-%m-%d %H:%M:%S,%f").timestamp()
        for mark, pattern in TOOL_MARKS:
            if pattern.search(found.group(2)):
                marks[mark] = when  # the last one (e.g. the last profile written)
    marks["end"] = result.started_at + result.wall
    return marks


def floor_marks(result: measure.Run) -> dict[str, float]:
    raw = json.loads(result.stdout)
    marks = {"start": result.started_at, "end": result.started_at + result.wall}
    marks.update({ours: raw[theirs] for ours, theirs in FLOOR_MARKS.items()})
    return marks


def phase_seconds(marks: dict[str, float]) -> list[float]:
    """Seconds per phase; a phase the run does not have (the floor's verify) is 0."""
    out, previous = [], marks["start"]
    for _, mark in PHASES:
        if mark in marks:
            out.append(max(0.0, marks[mark] - previous))
            previous = marks[mark]
        else:
            out.append(0.0)
    return out


def median_phases(all_marks: list[dict[str, float]]) -> list[float]:
    per_run = [phase_seconds(m) for m in all_marks]
    return [statistics.median(column) for column in zip(*per_run, strict=True)]


def login_argv(tools: Tools, stack: StackInfo, *extra: str) -> list[str]:
    return [
        *tools.ours,
        "--log-level",
        "INFO",
        "--idp-url",
        stack.idp_url,
        "--username",
        "aws_user",
        "--password-stdin",
        "--endpoint-url",
        stack.aws_endpoint_url,
        *extra,
    ]


def floor_argv(tools: Tools, stack: StackInfo, out: Path) -> list[str]:
    return [
        tools.python,
        str(BENCH / "floor_login.py"),
        stack.idp_url,
        "aws_user",
        stack.role_arn,
        stack.provider_arn,
        stack.aws_endpoint_url,
        str(out),
    ]


@dataclasses.dataclass
class LoginFigures:
    rows: list[Row]
    phases: dict[str, list[float]]  # "tool" / "floor" -> median seconds per phase
    ratio: float
    versus: Row  # the ratio as a target row


def fresh_login(tools: Tools, stack: StackInfo, runs: int, tmp: Path) -> LoginFigures:
    """The default login (``--engine auto``: plain HTTP on these plain HTML pages), the same with
    ``--engine browser``, and the Selenium floor, interleaved, each in a fresh HOME."""
    tool_runs, browser_runs, floor_runs = [], [], []
    argv = login_argv(tools, stack)
    in_browser = login_argv(tools, stack, "--engine", "browser")
    for index in range(runs):
        home = tmp / f"home-fresh-{index}"
        tool_runs += timed_runs(argv, lambda _, home=home: private_env(home), 1, PASSWORD)
        home = tmp / f"home-fresh-browser-{index}"
        browser_runs += timed_runs(in_browser, lambda _, home=home: private_env(home), 1, PASSWORD)
        floor = floor_argv(tools, stack, tmp / f"floor-{index}.ini")
        floor_runs += timed_runs(floor, lambda _: private_env(tmp / "home-floor"), 1, PASSWORD)
    tool = row_of(
        "fresh login, default engine (auto: plain HTTP here; profile written, caller verified)", tool_runs, argv
    )
    browser = row_of("fresh headless login, --engine browser", browser_runs, in_browser, 1.5)
    base = row_of(
        "floor: minimal Selenium + chromedriver script, same browser and form (bench/floor_login.py)", floor_runs, floor
    )
    ratio = tool.wall.median / base.wall.median
    browser_ratio = browser.wall.median / base.wall.median
    tool.note = f"{ratio:.2f} × the floor, {tool.wall.median / browser.wall.median:.2f} × --engine browser"
    browser.note = f"{browser_ratio:.2f} × the floor; floor's own median {base.wall.median * 1000:.0f} ms"
    versus = Row(
        "fresh login (auto, over HTTP) ÷ floor (same run, interleaved)",
        tool.wall,
        tool.cpu,
        "≤ 0.25 ×",
        ratio <= 0.25,
        note=f"{ratio:.2f} × (--engine browser: {browser_ratio:.2f} ×, target ≤ 0.85 ×)",
    )
    return LoginFigures(
        [tool, browser, base],
        {
            "tool": median_phases([tool_marks(r) for r in browser_runs]),
            "floor": median_phases([floor_marks(r) for r in floor_runs]),
        },
        ratio,
        versus,
    )


def wrong_password(tools: Tools, stack: StackInfo, runs: int, tmp: Path) -> list[Row]:
    """The IdP's refusal, over HTTP and in the browser, interleaved: how soon a typo is said."""

    def refused(result: measure.Run) -> str | None:
        return None if result.returncode == 3 else f"exit {result.returncode}, not the IdP's refusal (3)"

    rows = {}
    for engine in ("auto", "browser"):
        rows[engine] = []
    argv = {e: login_argv(tools, stack, "--engine", e) for e in rows}
    for index in range(runs):
        for engine in rows:
            home = tmp / f"home-wrong-{engine}-{index}"
            rows[engine] += timed_runs(argv[engine], lambda _, h=home: private_env(h), 1, b"wrong\n", refused)
    http = row_of("wrong password, default engine (plain HTTP): the IdP's sentence", rows["auto"], argv["auto"])
    browser = row_of("wrong password, --engine browser", rows["browser"], argv["browser"])
    ratio = http.wall.median / browser.wall.median
    http.target, http.met, http.note = "≤ 0.25 × browser", ratio <= 0.25, f"{ratio:.2f} × the browser's"
    return [http, browser]


def still_valid(tools: Tools, stack: StackInfo, runs: int, tmp: Path) -> list[Row]:
    env = private_env(tmp / "home-valid")
    argv = login_argv(tools, stack)
    timed_runs(argv, lambda _: env, 1, PASSWORD)  # the first login writes the profile

    def check(result: measure.Run) -> str | None:
        text = result.stderr.decode(errors="replace")
        if result.returncode != 0 or "still valid" not in text:
            return "did not take the still-valid path"
        return None

    argv = [a for a in argv if a not in ("--log-level", "INFO")]
    results = timed_runs(argv, lambda _: env, runs, PASSWORD, check)
    return [row_of("repeat login, profile still valid (no browser)", results, argv, 0.2)]


def persistent_profile(tools: Tools, stack: StackInfo, runs: int, tmp: Path) -> list[Row]:
    """A stored IdP with a live IdP session: over HTTP (its cookie jar) and in the browser (its
    profile), interleaved; neither types a password."""
    results: dict[str, list[measure.Run]] = {"auto": [], "browser": []}
    argvs = {}
    for engine in results:
        env = private_env(tmp / f"home-cookie-{engine}")
        add = [*tools.ours, "idp", "add", "bench", "--url", stack.idp_url, "--username", "aws_user"]
        timed_runs([*add, "--engine", engine], lambda _, env=env: env, 1)
        argvs[engine] = [
            *tools.ours,
            "--log-level",
            "INFO",
            "--idp-nickname",
            "bench",
            "--password-stdin",
            "--endpoint-url",
            stack.aws_endpoint_url,
            "--force",
        ]
        timed_runs(argvs[engine], lambda _, env=env: env, 1, PASSWORD)  # the first login leaves the IdP's cookie
    for _ in range(runs):
        for engine in results:
            env = private_env(tmp / f"home-cookie-{engine}")
            results[engine] += timed_runs(argvs[engine], lambda _, env=env: env, 1, PASSWORD)
    rows = []
    for engine, label in (("auto", "cookie jar, plain HTTP"), ("browser", "browser profile")):
        asked = sum(b"asks for the password" in r.stderr for r in results[engine])
        row = row_of(
            f"repeat login with the stored IdP's live session ({label}, --engine {engine})",
            results[engine],
            argvs[engine],
        )
        row.note = f"password page skipped in {runs - asked}/{runs} runs"
        rows.append(row)
    ratio = rows[0].wall.median / rows[1].wall.median
    rows[0].target, rows[0].met = "≤ 0.25 × browser, ≤ 0.6 s", ratio <= 0.25 and rows[0].wall.median <= 0.6
    rows[0].note += f"; {ratio:.2f} × the browser's"
    return rows


def _phase_text(phases: list[float]) -> str:
    return ", ".join(
        f"{name} {value * 1000:.0f} ms" for (name, _), value in zip(PHASES, phases, strict=False) if value > 0.0005
    )


def all_roles(tools: Tools, stack: StackInfo, runs: int, tmp: Path, saml_response: Callable[[], str]) -> list[Row]:
    results, argv = [], []
    for index in range(runs):
        home = tmp / f"home-all-{index}"
        home.mkdir(parents=True)
        response = home / "saml.b64"
        response.write_text(saml_response())  # fresh and signed by the IdP; not timed
        argv = [*tools.ours, "--saml-response", str(response), "--all-roles", "--endpoint-url", stack.aws_endpoint_url]
        results += timed_runs(argv, lambda _, home=home: private_env(home), 1)
        written = (home / ".aws" / "credentials").read_text().count("[000000000000-Bench.Role")
        if written != 50:
            raise RuntimeError(f"--all-roles wrote {written} profiles, not 50")
    return [row_of("`--all-roles` over 50 roles (50 × AssumeRoleWithSAML + write + verify)", results, argv)]


def memory(tools: Tools, stack: StackInfo, runs: int, tmp: Path) -> list[tuple[str, measure.Memory]]:
    out = []
    for label_index, (label, make) in enumerate(
        (
            ("awscli_saml_sso, fresh login over plain HTTP (default engine)", lambda i: login_argv(tools, stack)),
            (
                "awscli_saml_sso, fresh headless login (--engine browser)",
                lambda i: login_argv(tools, stack, "--engine", "browser"),
            ),
            ("floor script", lambda i: floor_argv(tools, stack, tmp / f"mem-{i}.ini")),
        )
    ):
        samples = []
        for index in range(runs):
            env = private_env(tmp / f"home-mem-{label_index}-{index}")  # each program a HOME of its own
            result, mem = measure.run_with_memory(make(index), env, PASSWORD)
            if result.returncode != 0:
                raise RuntimeError(f"{label} failed: {result.stderr.decode(errors='replace')[-800:]}")
            samples.append(mem)
        out.append(
            (
                label,
                measure.Memory(
                    tool_peak_kib=int(statistics.median(m.tool_peak_kib for m in samples)),
                    browser_peak_kib=int(statistics.median(m.browser_peak_kib for m in samples)),
                    browser_processes=max(m.browser_processes for m in samples),
                    driver_peak_kib=int(statistics.median(m.driver_peak_kib for m in samples)),
                ),
            )
        )
    return out
