"""Hostile input to every parser, through the real CLI (issue 8, part 1).

Each attack of ``tests/hostile/corpus.py`` is given to ``python -m awscli_saml_sso`` where an
attacker would put it: the ``--saml-response`` file (what a hostile IdP page posts), ``idps.json``,
a credential-process cache file, ``~/.aws/credentials`` and ``~/.aws/config``. Each run must end
with the documented exit code and one ``error:`` line (no traceback), within 1 s of CPU and
100 MB of memory (measured by ``wait4`` on the CLI process, interpreter start included), with
every file the tool owns byte-identical afterwards, no local file read and no URL fetched.

A hypothesis run then throws random and mutated inputs at the same parsers through the CLI's
entry point (in-process, for speed): never exit 1 (our "this is a bug" code), never a traceback.
The per-module hostile tests (tests/test_saml.py, tests/test_awsfiles.py) are not repeated here.
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import os
import signal
from pathlib import Path

import pytest
from hostile import corpus, fakes
from hostile.harness import assert_no_secrets, assert_no_temp_files, assert_unchanged, run_cli, snapshot
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pages.listeners import RecordingHttp

CPU_LIMIT = 1.0  # seconds of CPU for the whole CLI process, interpreter start included
MEMORY_LIMIT_MB = 100
CANARY_SECRET = "canary-" + os.urandom(8).hex()
OTHER_PROFILES = (
    "# my own comment, keep me\n[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"
    "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n\n[work]  ; trailing\r\nregion=eu-west-1\r\n"
)


@pytest.fixture(scope="module")
def canary_url():
    """A URL that must never be fetched (XXE, XInclude, DTD, schema, stylesheet)."""
    server = RecordingHttp()
    yield server
    server.close()


@pytest.fixture(scope="module")
def sts_500():
    """Where STS calls would go: answers 500. A hostile input must never get this far."""
    sts = fakes.FakeSts("500")
    yield sts
    sts.close()


@pytest.fixture
def world(home: Path, tmp_path: Path, canary_url, sts_500):
    """A home with existing AWS files and a stored IdP, plus the canary file attacks aim at."""
    aws = home / ".aws"
    aws.mkdir(mode=0o700)
    (aws / "credentials").write_text(OTHER_PROFILES)
    (aws / "config").write_text("[default]\nregion = us-east-1\n")
    os.chmod(aws / "credentials", 0o600)
    canary = tmp_path / "canary.txt"
    # If an entity or XInclude ever read it, this line would become a role the tool could assume.
    canary.write_text(f"{fakes.ROLE_ARN},{fakes.PROVIDER_ARN} {CANARY_SECRET}")
    targets = corpus.Targets(str(canary), canary_url.url.rsplit("/", 1)[0])
    canary_url.requests.clear()
    sts_500.requests.clear()
    return home, targets


def _judge(run, case, world_home, before, canary_url, sts=None) -> None:
    expected = case.exit_code if isinstance(case.exit_code, tuple) else (case.exit_code,)
    assert run.code in expected, f"{case.name}: {run}"
    if run.code != 0:
        run.error_line()
    assert run.cpu < CPU_LIMIT, f"{case.name}: {run.cpu:.2f} s of CPU\n{run}"
    assert run.max_rss_mb < MEMORY_LIMIT_MB, f"{case.name}: {run.max_rss_mb:.0f} MB\n{run}"
    assert_unchanged(before, snapshot(world_home), case.name)
    assert_no_temp_files(world_home / ".aws")
    assert canary_url.requests == [], f"{case.name}: fetched {canary_url.requests}"
    assert_no_secrets(f"output of {case.name}", run.out + run.err, {"canary file": CANARY_SECRET})
    if sts is not None:
        assert sts.requests == [], f"{case.name}: reached STS"


# -- the SAML response: what a hostile IdP (or page) can send ----------------------------------
SAML_CASES = corpus.saml_cases(corpus.Targets("/x", "http://127.0.0.1:9"))  # names only


@pytest.mark.parametrize("name", [c.name for c in SAML_CASES])
def test_hostile_saml_response_through_the_cli(name, world, tmp_path, cli_env, canary_url, sts_500, reliability):
    home, targets = world
    case = next(c for c in corpus.saml_cases(targets) if c.name == name)
    reliability.tried("hostile", name)
    response = tmp_path / "response"
    response.write_bytes(case.data)
    before = snapshot(home)
    run = run_cli(["--saml-response", str(response), "--endpoint-url", sts_500.url, "--no-verify"], cli_env)
    _judge(run, case, home, before, canary_url, sts=None if case.exit_code == corpus.STS else sts_500)


def test_hostile_saml_response_on_stdin(world, cli_env, canary_url, sts_500, reliability):
    home, targets = world
    case = next(c for c in corpus.saml_cases(targets) if c.name == "xxe-local-file")
    reliability.tried("hostile", "stdin")
    before = snapshot(home)
    run = run_cli(["--saml-response", "-", "--endpoint-url", sts_500.url], cli_env, stdin=case.data)
    _judge(run, case, home, before, canary_url, sts=sts_500)


# -- names that could break out of an INI section ---------------------------------------------
INJECTED_NAMES = [
    "x]\n[default",
    "x]\r\n[default",
    "x\r[default]",
    "[default]",
    "a b ",
    "x\u2028y",
    "DEFAULT",
    "x\x85[default]",
]


@pytest.mark.parametrize("profile", INJECTED_NAMES, ids=repr)
def test_injected_profile_name_refused_before_any_work(profile, world, tmp_path, cli_env, canary_url, reliability):
    """Refused before STS is called (and, with a browser, before the person logs in)."""
    home, _ = world
    reliability.tried("hostile", f"profile {profile!r}")
    sts = fakes.FakeSts("ok")
    try:
        response = tmp_path / "response"
        response.write_text(fakes.saml_b64())
        before = snapshot(home)
        run = run_cli(["--saml-response", str(response), "--endpoint-url", sts.url, "--profile", profile], cli_env)
        assert run.code == 2, run
        assert "invalid profile name" in run.error_line()
        assert sts.requests == [], "STS was called before the profile name was checked"
        assert_unchanged(before, snapshot(home), f"profile {profile!r}")
    finally:
        sts.close()


@pytest.mark.parametrize("template", ["{account}]\n[default", "x{role}\r[default]", "{role} "], ids=repr)
def test_injected_all_roles_template_refused_before_sts(template, world, tmp_path, cli_env, reliability):
    home, _ = world
    reliability.tried("hostile", f"--all-roles {template!r}")
    sts = fakes.FakeSts("ok")
    try:
        response = tmp_path / "response"
        response.write_text(fakes.saml_b64())
        before = snapshot(home)
        run = run_cli(["--saml-response", str(response), "--endpoint-url", sts.url, "--all-roles", template], cli_env)
        assert run.code == 2, run
        assert "invalid profile name" in run.error_line()
        assert sts.requests == []
        assert_unchanged(before, snapshot(home), template)
    finally:
        sts.close()


# -- idps.json ----------------------------------------------------------------------------------
@pytest.mark.parametrize("case", corpus.idps_cases(), ids=repr)
def test_hostile_idps_file(case, world, tmp_path, cli_env, canary_url, sts_500, reliability):
    home, _ = world
    reliability.tried("hostile", f"idps.json {case.name}")
    tool_home = Path(cli_env["ASS_HOME"])
    tool_home.mkdir(mode=0o700, exist_ok=True)
    (tool_home / "idps.json").write_bytes(case.data)
    os.chmod(tool_home / "idps.json", 0o600)
    response = tmp_path / "response"
    response.write_text(fakes.saml_b64())
    before = snapshot(home)
    for args in (
        ["idp", "list"],
        ["--idp-nickname", "corp", "--saml-response", str(response), "--endpoint-url", sts_500.url, "--no-verify"],
    ):
        run = run_cli(args, cli_env)
        allowed = case.exit_code if isinstance(case.exit_code, tuple) else (case.exit_code,)
        if args[0] == "--idp-nickname":
            allowed = (*allowed, 5)  # a usable file: the login goes on to the (failing) STS
        elif case.exit_code in (corpus.USAGE, (corpus.USAGE, corpus.NO_ROLE)):
            allowed = (0,)  # listing and showing a stored value is fine; using it is not
        assert run.code in allowed, f"{args}: {run}"
        if run.code:
            run.error_line()
        assert run.cpu < CPU_LIMIT, f"{args}: {run}"
        assert run.max_rss_mb < MEMORY_LIMIT_MB, f"{args}: {run}"
    assert_unchanged(before, snapshot(home), f"idps.json {case.name}")
    assert canary_url.requests == []


# -- the credential-process cache ---------------------------------------------------------------
def _stored_idp_and_cache(cli_env) -> tuple[Path, dict]:
    from awscli_saml_sso.delivery import cache

    tool_home = Path(cli_env["ASS_HOME"])
    tool_home.mkdir(mode=0o700, exist_ok=True)
    (tool_home / "idps.json").write_text(
        json.dumps({"version": 1, "idps": {"corp": {"url": "http://127.0.0.1:9/idp", "username": "me"}}})
    )
    key = cache.key("corp", None, None)
    path = cache.file_for(cli_env, key)
    valid = {
        "version": 1,
        "key": key,
        "AccessKeyId": "ASIACACHEDCACHED0001",
        "SecretAccessKey": "cached-secret",
        "SessionToken": "cached-token",
        "Expiration": "2099-01-01T00:00:00Z",
        "RoleArn": fakes.ROLE_ARN,
    }
    return path, valid


@pytest.mark.parametrize("name", [c.name for c in corpus.cache_cases({})])
def test_hostile_cache_file_is_a_miss(name, world, cli_env, reliability):
    """An unusable cache file is a miss: credential-process then logs in (here: fails fast at the
    missing driver, exit 6) and never serves what it could not read."""
    home, _ = world
    reliability.tried("hostile", f"cache {name}")
    path, valid = _stored_idp_and_cache(cli_env)
    case = next(c for c in corpus.cache_cases(valid) if c.name == name)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.write_bytes(case.data)
    before_aws = snapshot(home / ".aws")
    run = run_cli(
        [
            "credential-process",
            "--idp-nickname",
            "corp",
            "--driver-path",
            "/nonexistent/chromedriver",
            "--browser-path",
            "/nonexistent/chromium",
        ],
        cli_env,
    )
    expected = case.exit_code if isinstance(case.exit_code, tuple) else (case.exit_code,)
    assert run.code in expected, run
    if run.code == corpus.FILES:  # too big to be ours: refused, not served
        assert "is larger than 1 MB" in run.error_line() and run.out == "", run
    elif run.code:
        assert "driver not found" in run.error_line() or "browser" in run.error_line(), run
    else:
        assert json.loads(run.out)["AccessKeyId"] == valid["AccessKeyId"]
    assert run.cpu < CPU_LIMIT and run.max_rss_mb < MEMORY_LIMIT_MB, run
    assert_unchanged(before_aws, snapshot(home / ".aws"), f"cache {name}")


# -- ~/.aws/credentials and ~/.aws/config, read back by env/status ------------------------------
@pytest.mark.parametrize("case", corpus.credentials_cases(), ids=repr)
def test_hostile_credentials_file(case, world, cli_env, reliability):
    home, _ = world
    reliability.tried("hostile", f"credentials {case.name}")
    (home / ".aws" / "credentials").write_bytes(case.data)
    before = snapshot(home)
    for args in (["env", "--profile", "saml"], ["status"]):
        run = run_cli(args, cli_env)
        allowed = case.exit_code if isinstance(case.exit_code, tuple) else (case.exit_code,)
        if args[0] == "status" and case.exit_code != corpus.FILES:
            allowed = (0,)  # status lists what it can read; it has nothing to refuse
        assert run.code in allowed, f"{args}: {run}"
        if run.code:
            run.error_line()
        assert "Traceback" not in run.err, run
        assert run.cpu < CPU_LIMIT, f"{args} {case.name}: {run}"
        assert run.max_rss_mb < MEMORY_LIMIT_MB, f"{args} {case.name}: {run}"
    assert_unchanged(before, snapshot(home), f"credentials {case.name}")


@pytest.mark.parametrize("case", corpus.config_cases(), ids=repr)
def test_hostile_config_file(case, world, cli_env, reliability):
    home, _ = world
    reliability.tried("hostile", f"config {case.name}")
    (home / ".aws" / "credentials").write_text(corpus.GOOD_PROFILE)
    (home / ".aws" / "config").write_bytes(case.data)
    before = snapshot(home)
    run = run_cli(["env", "--profile", "saml"], cli_env)
    assert run.code in (case.exit_code if isinstance(case.exit_code, tuple) else (case.exit_code,)), run
    if run.code:
        run.error_line()
    assert run.cpu < CPU_LIMIT and run.max_rss_mb < MEMORY_LIMIT_MB, run
    assert_unchanged(before, snapshot(home), f"config {case.name}")


HOSTILE_BUT_READABLE = (
    b"# comment\n[default]\r\naws_access_key_id = \x00AKIA\r\n[saml]\nnote = keep\n  continued = not a key\n[x]\r[y]\n"
)


@pytest.mark.parametrize(
    ("data", "code"),
    [(HOSTILE_BUT_READABLE, 0), (b"\xff\xfe junk before any section\n" + HOSTILE_BUT_READABLE, 9)],
    ids=["readable", "unparsable"],
)
def test_login_into_a_hostile_credentials_file(data, code, world, tmp_path, cli_env, reliability):
    """Either every byte outside [saml] stays and the result still parses, or (a file botocore
    itself cannot parse) a files error before STS, the file unchanged."""
    home, _ = world
    reliability.tried("hostile", "login into a hostile credentials file")
    (home / ".aws" / "credentials").write_bytes(data)
    before = snapshot(home / ".aws")
    sts = fakes.FakeSts("ok")
    try:
        response = tmp_path / "response"
        response.write_text(fakes.saml_b64())
        run = run_cli(["--saml-response", str(response), "--endpoint-url", sts.url, "--no-verify"], cli_env)
    finally:
        sts.close()
    assert run.code == code, run
    if code:
        assert "Unable to parse config file" in run.error_line()
        assert sts.requests == []
        assert_unchanged(before, snapshot(home / ".aws"), "unparsable credentials file")
        return
    after = (home / ".aws" / "credentials").read_bytes()
    head, _, rest = after.partition(b"[saml]\n")
    assert head == data.partition(b"[saml]\n")[0]
    assert rest.startswith(b"note = keep\n  continued = not a key\n") and rest.endswith(b"\n[x]\r[y]\n")
    import configparser

    parser = configparser.RawConfigParser(strict=False)
    parser.read_string(after.decode("utf-8", "replace"))
    assert parser.get("saml", "aws_access_key_id") == sts.issued[0]["AccessKeyId"]
    assert parser.get("saml", "note") == "keep\ncontinued = not a key"  # still a continuation


# -- fuzz: random and mutated input through the CLI's entry point -------------------------------
def _main(args: list[str]) -> tuple[int, str]:
    """``cli.main`` in-process (fast enough for hypothesis); signal handlers restored after."""
    from awscli_saml_sso import cli

    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    err = io.StringIO()
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            try:
                cli.main(args)
                code = 0
            except SystemExit as exc:
                code = int(exc.code or 0)
    finally:
        for signum, handler in saved.items():
            signal.signal(signum, handler)
    return code, err.getvalue()


def _mutations(seed: bytes) -> st.SearchStrategy[bytes]:
    def mutate(args: tuple[int, int, bytes]) -> bytes:
        at, length, insert = args
        at %= len(seed) + 1
        return seed[:at] + insert + seed[at + length :]

    return st.tuples(st.integers(0, len(seed)), st.integers(0, 40), st.binary(max_size=40)).map(mutate)


_VALID_XML = fakes.saml_xml().encode()
SAML_INPUTS = st.one_of(
    st.binary(max_size=2000),
    st.text(max_size=500).map(lambda t: t.encode("utf-8", "surrogatepass")),
    _mutations(_VALID_XML),
    _mutations(_VALID_XML).map(base64.b64encode),
    _mutations(b"SAMLResponse=" + base64.b64encode(_VALID_XML) + b"&RelayState=x"),
)
FUZZ = settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
DOCUMENTED = {0, 2, 3, 4, 5, 6, 7, 8, 9, 10}


def _one_line(err: str) -> bool:
    lines = [line for line in err.splitlines() if line.strip()]
    return "Traceback" not in err and len(lines) == 1 and lines[0].startswith("error: ")


def test_fuzz_saml_response(home, tmp_path, monkeypatch, sts_500, reliability):
    response = tmp_path / "response"
    monkeypatch.chdir(tmp_path)
    seen = []

    @FUZZ
    @given(SAML_INPUTS)
    def run(data: bytes) -> None:
        seen.append(1)
        response.write_bytes(data)
        before = snapshot(home)
        code, err = _main(["--saml-response", str(response), "--endpoint-url", sts_500.url, "--no-verify"])
        assert code in DOCUMENTED - {0}, (code, err)
        assert _one_line(err), err
        assert_unchanged(before, snapshot(home), "fuzzed SAML response")

    run()
    reliability.tried("hostile", "fuzzed SAML responses", count=len(seen))


def _ini_inputs() -> st.SearchStrategy[bytes]:
    return st.one_of(
        st.binary(max_size=1500),
        _mutations(corpus.GOOD_PROFILE.encode()),
        _mutations((OTHER_PROFILES + corpus.GOOD_PROFILE).encode()),
    )


def test_fuzz_credentials_file(home, reliability):
    creds = home / ".aws" / "credentials"
    creds.parent.mkdir(mode=0o700, exist_ok=True)
    seen = []

    @FUZZ
    @given(_ini_inputs())
    def run(data: bytes) -> None:
        seen.append(1)
        creds.write_bytes(data)
        before = snapshot(home)
        for args in (["env", "--profile", "saml"], ["status"]):
            code, err = _main(args)
            assert code in (0, 2), (args, code, err)
            assert code == 0 or _one_line(err), err
        assert_unchanged(before, snapshot(home), "fuzzed credentials file")

    run()
    reliability.tried("hostile", "fuzzed credentials files", count=len(seen))


def test_fuzz_idps_and_cache_files(home, reliability):
    from awscli_saml_sso.delivery import cache

    tool_home = home / ".awscli_saml_sso"
    tool_home.mkdir(mode=0o700, exist_ok=True)
    idps = tool_home / "idps.json"
    good_idps = json.dumps({"version": 1, "idps": {"corp": {"url": "http://127.0.0.1:9/", "username": "me"}}}).encode()
    key = cache.key("corp", None, None)
    cache_file = cache.file_for(dict(os.environ), key)
    cache_file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    good_cache = json.dumps(
        {
            "version": 1,
            "key": key,
            "AccessKeyId": "ASIAX",
            "SecretAccessKey": "s",
            "SessionToken": "t",
            "Expiration": "2099-01-01T00:00:00Z",
        }
    ).encode()
    seen = []

    @FUZZ
    @given(
        st.one_of(st.binary(max_size=800), _mutations(good_idps)),
        st.one_of(st.binary(max_size=800), _mutations(good_cache)),
    )
    def run(idps_data: bytes, cache_data: bytes) -> None:
        seen.append(1)
        idps.write_bytes(idps_data)
        cache_file.write_bytes(cache_data)
        before = snapshot(home / ".aws")
        code, err = _main(["idp", "list"])
        assert code in (0, 9), (code, err)
        assert code == 0 or _one_line(err), err
        code, err = _main(
            [
                "credential-process",
                "--idp-nickname",
                "corp",
                "--driver-path",
                "/nonexistent/driver",
                "--browser-path",
                "/nonexistent/chromium",
            ]
        )
        assert code in (0, 2, 6, 9), (code, err)
        assert code == 0 or _one_line(err), err
        assert_unchanged(before, snapshot(home / ".aws"), "fuzzed idps/cache")

    run()
    reliability.tried("hostile", "fuzzed idps.json + cache pairs", count=len(seen))
