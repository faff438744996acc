"""inifile.py (pure editing), atomicfile.py and awsfiles.py (locked, atomic, private writes).

The parser botocore uses is the judge: every edited file is read back with
``botocore.configloader.raw_config_parse``.
"""

from __future__ import annotations

import datetime as dt
import errno
import os
import random
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from botocore.configloader import raw_config_parse
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from awscli_saml_sso import atomicfile, awsfiles, inifile
from awscli_saml_sso.errors import FilesError, UsageError
from awscli_saml_sso.models import Credentials, Role

UTC = dt.timezone.utc
SRC = str(Path(awsfiles.__file__).resolve().parents[1])


def botocore_parse(text: str, tmp_path: Path) -> dict:
    path = tmp_path / "parse.ini"
    path.write_bytes(text.encode("utf-8", "surrogateescape"))
    return raw_config_parse(str(path), parse_subsections=False)


# --- set_section: table -----------------------------------------------------------------------

NEW = {"aws_access_key_id": "AKIANEW", "aws_session_token": "TOKEN/NEW+=="}

CASES = [
    pytest.param(
        "", "saml", "[saml]\naws_access_key_id = AKIANEW\naws_session_token = TOKEN/NEW+==\n", id="empty-file"
    ),
    pytest.param(
        "[default]\naws_access_key_id = A\n",
        "saml",
        "[default]\naws_access_key_id = A\n\n[saml]\naws_access_key_id = AKIANEW\naws_session_token = TOKEN/NEW+==\n",
        id="new-section-blank-separator",
    ),
    pytest.param(
        "[default]\naws_access_key_id = A\n\n",
        "saml",
        "[default]\naws_access_key_id = A\n\n[saml]\naws_access_key_id = AKIANEW\naws_session_token = TOKEN/NEW+==\n",
        id="new-section-no-double-blank",
    ),
    pytest.param(
        "[default]\r\nk = v",
        "saml",
        "[default]\r\nk = v\r\n\r\n[saml]\r\naws_access_key_id = AKIANEW\r\naws_session_token = TOKEN/NEW+==",
        id="crlf-no-final-newline",
    ),
    pytest.param(
        "# mine\n[saml]\n; keep\naws_access_key_id=OLD\nregion = eu-west-1\naws_session_token = T1\n    T1-continued\n\n# after\n[b]\nk = v\n",
        "saml",
        "# mine\n[saml]\n; keep\naws_access_key_id=AKIANEW\nregion = eu-west-1\naws_session_token = TOKEN/NEW+==\n\n# after\n[b]\nk = v\n",
        id="replace-in-place-drop-continuation",
    ),
    pytest.param(
        "[saml] ; comment on the header\nAWS_Access_Key_ID : OLD \nx = 1\n[b]\n",
        "saml",
        "[saml] ; comment on the header\nAWS_Access_Key_ID : AKIANEW \nx = 1\naws_session_token = TOKEN/NEW+==\n[b]\n",
        id="case-insensitive-key-colon-append-after-last-key",
    ),
    pytest.param(
        "[saml]\n\n# nothing yet\n\n[b]\nk = v\n",
        "saml",
        "[saml]\naws_access_key_id = AKIANEW\naws_session_token = TOKEN/NEW+==\n\n# nothing yet\n\n[b]\nk = v\n",
        id="empty-section-keys-after-header",
    ),
    pytest.param(
        "[saml]\n  [b]\n  k = v\n",
        "saml",
        "[saml]\n  aws_access_key_id = AKIANEW\n  aws_session_token = TOKEN/NEW+==\n  [b]\n  k = v\n",
        id="indented-next-header-stays-a-header",
    ),
    pytest.param(
        "[saml]\n  a = 1\n  b = 2\n     b-continued\n[c]\n",
        "saml",
        "[saml]\n  a = 1\n  b = 2\n     b-continued\n  aws_access_key_id = AKIANEW\n  aws_session_token = TOKEN/NEW+==\n[c]\n",
        id="indented-keys",
    ),
    pytest.param(
        "[saml]\naws_access_key_id =\n",
        "saml",
        "[saml]\naws_access_key_id = AKIANEW\naws_session_token = TOKEN/NEW+==\n",
        id="empty-value",
    ),
    pytest.param(
        "[saml]\nk = v",
        "saml",
        "[saml]\nk = v\naws_access_key_id = AKIANEW\naws_session_token = TOKEN/NEW+==",
        id="append-after-last-line-without-newline",
    ),
    pytest.param(
        "[saml]\r\nk = v\r\n[default]\nx = y\n",
        "default",
        "[saml]\r\nk = v\r\n[default]\nx = y\naws_access_key_id = AKIANEW\r\naws_session_token = TOKEN/NEW+==\r\n",
        id="mixed-endings-use-the-first",
    ),
    pytest.param(
        "[profile saml]\nk = v\n",
        "saml",
        "[profile saml]\nk = v\n\n[saml]\naws_access_key_id = AKIANEW\naws_session_token = TOKEN/NEW+==\n",
        id="exact-section-name",
    ),
    pytest.param(
        "[a]\nk = v\n     [saml]\n",
        "saml",
        "[a]\nk = v\n     [saml]\n\n[saml]\naws_access_key_id = AKIANEW\naws_session_token = TOKEN/NEW+==\n",
        id="indented-header-is-a-continuation",
    ),
]


@pytest.mark.parametrize(("text", "section", "expected"), CASES)
def test_set_section(text, section, expected, tmp_path):
    got = inifile.set_section(text, section, NEW)
    assert got == expected
    parsed = botocore_parse(got, tmp_path)
    for key, value in NEW.items():
        assert parsed[section][key] == value


def test_remove_keys_and_duplicates(tmp_path):
    text = "[saml]\na = 1\nx_old = 2\n  more\nb = 3\n"
    got = inifile.set_section(text, "saml", {"a": "9"}, remove_keys=["x_old", "a"])
    assert got == "[saml]\na = 9\nb = 3\n"
    assert botocore_parse(got, tmp_path) == {"saml": {"a": "9", "b": "3"}}


def test_get_and_list_sections():
    text = "#c\n[default]\nA = 1\n  cont\n\n[profile x] # note\nk: v = w\n[default2]\n"
    assert list(inifile.parse(text)) == ["default", "profile x", "default2"]
    assert inifile.get_section(text, "default") == {"a": "1\ncont"}
    assert inifile.get_section(text, "profile x") == {"k": "v = w"}
    assert inifile.get_section(text, "missing") is None


@pytest.mark.parametrize(
    "name",
    ["x]\n[default", "x\n[default]", "", " x", "x ", "a[b", "a]b", "a\rb", "a\x00b", "a\x0bb", "a\u2028b", "DEFAULT"],
)
def test_injection_in_section_names_is_refused(name):
    with pytest.raises(UsageError):
        inifile.set_section("[default]\nk = v\n", name, {"k": "v"})
    with pytest.raises(UsageError):
        awsfiles.config_section(name)


@pytest.mark.parametrize("key", ["a=b", "a:b", "#a", ";a", "A", "a\nb", " a", "x]\n[default"])
def test_bad_keys_refused(key):
    with pytest.raises(UsageError):
        inifile.set_section("", "s", {key: "v"})


@pytest.mark.parametrize("value", ["a\nb", "a\r\n[default]", "a\x00", " lead", "trail ", "a\x85b"])
def test_bad_values_refused_without_echo(value):
    with pytest.raises(UsageError) as info:
        inifile.set_section("", "s", {"aws_secret_access_key": value})
    assert value.strip() not in info.value.message or not value.strip()


def test_injected_profile_never_reaches_the_file(home):
    path = awsfiles.credentials_path(os.environ)
    creds = Credentials("AKIA1", "SECRET1", "TOKEN1", dt.datetime(2030, 1, 1, tzinfo=UTC))
    with pytest.raises(UsageError):
        awsfiles.write_credentials("x]\n[default", creds, Role("arn:aws:iam::1:role/R", "p"), os.environ)
    assert not path.exists()


# --- property: one section changes, nothing else ---------------------------------------------

KEY = st.from_regex(r"[A-Za-z_][A-Za-z0-9_.-]{0,8}", fullmatch=True)
VALUE = st.from_regex(r"[ -~]{0,12}", fullmatch=True).map(str.strip)
NAMES = ["default", "saml", "profile saml", "dev", "prod-1", "x.y@z"]
EOLS = st.sampled_from(["\n", "\r\n"])


@st.composite
def body_lines(draw):
    lines = []
    keys = draw(st.lists(KEY, max_size=5, unique_by=str.lower))
    for key in keys:
        for _ in range(draw(st.integers(0, 2))):
            lines.append(draw(st.sampled_from(["", "   ", "# c", "; c", "  # indented comment"])))
        delim = draw(st.sampled_from([" = ", "=", ": ", " : ", "  =  "]))
        lines.append(f"{key}{delim}{draw(VALUE)}")
        for _ in range(draw(st.integers(0, 2))):  # continuation lines, deeper than the key
            lines.append("    " + draw(VALUE.filter(bool)))
    return lines


@st.composite
def ini_files(draw):
    eol = draw(EOLS)
    preamble = draw(st.lists(st.sampled_from(["# top", "; top", "", "   "]), max_size=3))
    names = draw(st.lists(st.sampled_from(NAMES), max_size=4, unique=True))
    sections = []
    for name in names:
        suffix = draw(st.sampled_from(["", " ; note", " # note", "   "]))
        sections.append([f"[{name}]{suffix}", *draw(body_lines())])
    chunks = [eol.join(preamble) + (eol if preamble else "")]
    chunks += [eol.join(lines) + eol for lines in sections]
    if chunks and draw(st.booleans()) and chunks[-1].endswith(eol):
        chunks[-1] = chunks[-1][: -len(eol)]  # no final newline
    return names, chunks


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    ini_files(),
    st.sampled_from(NAMES + ["new-profile"]),
    st.dictionaries(st.sampled_from(["aws_access_key_id", "aws_session_token", "region", "dev"]), VALUE, min_size=1),
)
def test_edit_touches_only_its_section(tmp_path, generated, target, values):
    names, chunks = generated
    text = "".join(chunks)
    try:
        before = botocore_parse(text, tmp_path)
    except Exception:  # e.g. a key repeated through case: not a file botocore reads either
        assume(False)
    assert inifile.parse(text) == before  # our reader agrees with botocore's

    after_text = inifile.set_section(text, target, values)
    after = botocore_parse(after_text, tmp_path)
    assert inifile.parse(after_text) == after

    if target in names:
        i = names.index(target) + 1
        prefix, suffix = "".join(chunks[:i]), "".join(chunks[i + 1 :])
        assert after_text.startswith(prefix) and after_text.endswith(suffix)
        expected = {**before[target], **values}
    else:
        assert after_text.startswith(text)
        expected = values
    assert after[target] == expected
    assert {k: v for k, v in after.items() if k != target} == {k: v for k, v in before.items() if k != target}


# --- paths ------------------------------------------------------------------------------------


def test_paths_from_environment(tmp_path):
    env = {"HOME": str(tmp_path / "h")}
    assert awsfiles.credentials_path(env) == tmp_path / "h" / ".aws" / "credentials"
    assert awsfiles.config_path(env) == tmp_path / "h" / ".aws" / "config"
    env.update(AWS_SHARED_CREDENTIALS_FILE="~/c", AWS_CONFIG_FILE="$HOME/cfg/${X}")
    env["X"] = "conf"
    assert awsfiles.credentials_path(env) == tmp_path / "h" / "c"
    assert awsfiles.config_path(env) == tmp_path / "h" / "cfg" / "conf"
    assert awsfiles.config_section("default") == "default"
    assert awsfiles.config_section("saml") == "profile saml"


# --- atomic, private, locked writes -----------------------------------------------------------


@pytest.fixture
def loose_umask():
    old = os.umask(0)
    yield
    os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_new_file_and_directory_are_private(tmp_path, loose_umask):
    path = tmp_path / "new" / ".aws" / "credentials"
    assert awsfiles.update_file(path, "saml", {"k": "v"}) == path
    assert mode(path) == 0o600
    assert mode(path.parent) == 0o700
    assert path.read_text() == "[saml]\nk = v\n"
    assert not Path(f"{path}.lock").exists()  # removed by its holder (atomicfile.locked)


def test_existing_file_made_private(tmp_path, loose_umask):
    path = tmp_path / "credentials"
    path.write_text("[a]\nk = v\n")
    path.chmod(0o644)
    awsfiles.update_file(path, "a", {"k": "v"})  # unchanged text: still made private
    assert mode(path) == 0o600
    path.chmod(0o666)
    awsfiles.update_file(path, "a", {"k": "w"})
    assert mode(path) == 0o600


def test_symlink_kept_and_target_updated(tmp_path):
    real = tmp_path / "dotfiles" / "aws-credentials"
    real.parent.mkdir()
    real.write_text("[default]\nk = v\n")
    link = tmp_path / ".aws" / "credentials"
    link.parent.mkdir()
    link.symlink_to(real)
    assert awsfiles.update_file(link, "saml", {"k": "s"}) == real
    assert link.is_symlink() and link.resolve() == real
    assert real.read_text() == "[default]\nk = v\n\n[saml]\nk = s\n"


OLD = "# keep me\n[default]\naws_access_key_id = OLD\n"


def leftovers(directory: Path) -> list[str]:
    return [p.name for p in directory.iterdir() if p.name.endswith(atomicfile._TMP_SUFFIX)]


@pytest.mark.parametrize(
    ("target", "err"),
    [
        ("fsync", errno.ENOSPC),
        ("replace", errno.EROFS),
        ("write", errno.ENOSPC),
        ("mkstemp", errno.EROFS),
    ],
)
def test_failure_leaves_old_file_and_no_temp(tmp_path, monkeypatch, target, err):
    path = tmp_path / "credentials"
    path.write_text(OLD)

    def fail(*_a, **_k):
        raise OSError(err, os.strerror(err))

    if target == "mkstemp":
        monkeypatch.setattr(atomicfile.tempfile, "mkstemp", fail)
    elif target == "write":  # disk full half way through the data

        class HalfWriter:
            def __init__(self, fd, *_a, **_k):
                self.raw = open(fd, "wb", closefd=True)

            def __enter__(self):
                return self

            def __exit__(self, *exc):
                self.raw.close()

            def write(self, data):
                self.raw.write(data[: len(data) // 2])
                self.raw.flush()
                fail()

        monkeypatch.setattr(atomicfile, "open", HalfWriter, raising=False)
    else:
        monkeypatch.setattr(atomicfile.os, target, fail)
    with pytest.raises(FilesError) as info:
        awsfiles.update_file(path, "saml", {"k": "v"})
    monkeypatch.undo()
    assert str(path) in info.value.message and os.strerror(err) in info.value.message
    assert path.read_text() == OLD
    assert leftovers(tmp_path) == []


@pytest.mark.skipif(
    getattr(os, "geteuid", lambda: 0)() == 0, reason="root (or Windows) writes into read-only directories"
)
def test_read_only_directory(tmp_path):
    path = tmp_path / "ro" / "credentials"
    path.parent.mkdir()
    path.write_text(OLD)
    path.parent.chmod(0o500)
    try:
        with pytest.raises(FilesError):
            awsfiles.update_file(path, "saml", {"k": "v"})
    finally:
        path.parent.chmod(0o700)
    assert path.read_text() == OLD


def test_unreadable_path_is_a_files_error(tmp_path):
    path = tmp_path / "credentials"
    path.mkdir()  # a directory where the file should be
    with pytest.raises(FilesError, match="cannot write .*: it is a directory, not a regular file"):
        awsfiles.update_file(path, "saml", {"k": "v"})


@pytest.mark.skipif(os.name == "nt", reason="flock is POSIX")
def test_lock_timeout(tmp_path, monkeypatch):
    import fcntl

    path = tmp_path / "credentials"
    holder = os.open(f"{path}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(holder, fcntl.LOCK_EX)
    monkeypatch.setattr(atomicfile, "LOCK_TIMEOUT", 0.2)
    try:
        with pytest.raises(FilesError, match="locked by another"):
            awsfiles.update_file(path, "saml", {"k": "v"})
    finally:
        os.close(holder)
    awsfiles.update_file(path, "saml", {"k": "v"})  # released: works


CHILD_PRELUDE = f"import sys, time, os; sys.path.insert(0, {SRC!r}); from awscli_saml_sso import awsfiles\n"


def test_twenty_processes_twenty_profiles(tmp_path):
    path = tmp_path / "credentials"
    path.write_text(OLD)
    go = tmp_path / "go"
    code = CHILD_PRELUDE + textwrap.dedent(
        f"""
        while not os.path.exists({str(go)!r}):
            time.sleep(0.001)
        n = sys.argv[1]
        awsfiles.update_file({str(path)!r}, "p" + n, {{"aws_access_key_id": "AKIA" + n, "x": "y" * 5000}})
        """
    )
    procs = [subprocess.Popen([sys.executable, "-c", code, str(n)]) for n in range(20)]
    time.sleep(0.3)
    go.touch()
    assert [p.wait(timeout=60) for p in procs] == [0] * 20
    parsed = raw_config_parse(str(path))
    assert parsed["default"] == {"aws_access_key_id": "OLD"}
    assert {f"p{n}" for n in range(20)} <= set(parsed)
    assert all(parsed[f"p{n}"]["aws_access_key_id"] == f"AKIA{n}" for n in range(20))
    assert path.read_text().startswith(OLD)


def test_sigkill_mid_write_leaves_old_or_new(tmp_path):
    path = tmp_path / "credentials"
    size = 1_000_000
    path.write_text(OLD + "\n[big]\nv = " + "a" * size + "\n")
    code = CHILD_PRELUDE + textwrap.dedent(
        f"""
        i = 0
        while True:
            i += 1
            awsfiles.update_file({str(path)!r}, "big", {{"v": "ab"[i % 2] * {size} }})
            print(i, flush=True)
        """
    )
    rng = random.Random(1234)
    written = 0
    for _ in range(12):
        child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE)
        # Once one write is done the child is in its loop of writes: kill it at a random moment
        # of the next ones. (Tied to the child's progress, not to a clock: under load, a fixed
        # sleep could end before the first write.)
        first = child.stdout.readline()
        time.sleep(rng.random() * 0.2)
        child.send_signal(signal.SIGKILL)
        written += len((first + child.communicate()[0]).split())
        text = path.read_text()
        assert text.startswith(OLD)
        value = inifile.get_section(text, "big")["v"]
        assert len(value) == size and value in ("a" * size, "b" * size)
    assert written >= 12  # the kills did land among writes
    awsfiles.update_file(path, "other", {"k": "v"})  # lock free again; stale temp files cleared
    assert leftovers(tmp_path) == []


# --- credentials profiles ---------------------------------------------------------------------

ROLE = Role("arn:aws:iam::000000000000:role/Role.User", "arn:aws:iam::000000000000:saml-provider/SamlExampleProvider")
EXPIRES = dt.datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
CREDS = Credentials("ASIAEXAMPLEKEY1234", "SECRETSECRET", "TOKEN+/==", EXPIRES)


def test_write_and_read_credentials(home, tmp_path):
    env = dict(os.environ)
    path = awsfiles.credentials_path(env)
    path.parent.mkdir(parents=True)
    path.write_text("# mine\n[default]\naws_access_key_id = KEEP\n")
    assert awsfiles.write_credentials("saml", CREDS, ROLE, env) == path
    parsed = raw_config_parse(str(path))
    assert parsed["default"] == {"aws_access_key_id": "KEEP"}
    assert parsed["saml"] == {
        "aws_access_key_id": "ASIAEXAMPLEKEY1234",
        "aws_secret_access_key": "SECRETSECRET",
        "aws_session_token": "TOKEN+/==",
        "aws_security_token": "TOKEN+/==",
        "x_security_token_expires": "2026-11-22T10:00:00+00:00",
        "x_principal_arn": ROLE.role_arn,
        "x_saml_provider_arn": ROLE.principal_arn,
    }
    info = awsfiles.read_profile("saml", env)
    assert (info.access_key_id, info.session_token, info.expiration) == ("ASIAEXAMPLEKEY1234", "TOKEN+/==", EXPIRES)
    assert info.role == ROLE
    assert "SECRET" not in repr(info) and "TOKEN" not in repr(info) and "EXAMPLEKEY" not in repr(info)
    assert awsfiles.read_profile("default", env).expiration is None
    assert awsfiles.read_profile("nope", env) is None
    assert [p.profile for p in awsfiles.tool_profiles(env)] == ["saml"]


def test_config_region(home):
    env = dict(os.environ)
    awsfiles.write_config_region("saml", "eu-west-3", env)
    awsfiles.write_config_region("default", "us-east-1", env)
    path = awsfiles.config_path(env)
    assert path.read_text() == "[profile saml]\nregion = eu-west-3\n\n[default]\nregion = us-east-1\n"
    assert mode(path) == 0o600
    assert awsfiles.read_config_region("saml", env) == "eu-west-3"
    assert awsfiles.read_config_region("other", env) is None


def test_read_profile_foreign_formats(tmp_path):
    path = tmp_path / "credentials"
    path.write_text(
        "[s2a]\naws_access_key_id = A\naws_secret_access_key = B\naws_session_token = C\n"
        "x_security_token_expires = 2026-11-22T11:00:00+01:00\n"
        "x_principal_arn = arn:aws:sts::000000000000:assumed-role/R/me\n"
        "[old]\naws_access_key_id = A\naws_secret_access_key = B\naws_security_token = C\n"
        "x_security_token_expires = garbage\n"
    )
    env = {"AWS_SHARED_CREDENTIALS_FILE": str(path)}
    s2a = awsfiles.read_profile("s2a", env)
    assert s2a.expiration == EXPIRES and s2a.role_arn is None and s2a.role is None
    old = awsfiles.read_profile("old", env)
    assert old.session_token == "C" and old.expiration is None
    assert [p.profile for p in awsfiles.tool_profiles(env)] == ["s2a", "old"]
    assert awsfiles.tool_profiles({"AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none")}) == []


NOW = dt.datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
INFO = awsfiles.ProfileInfo("saml", "A", "B", "C", EXPIRES, ROLE.role_arn, ROLE.principal_arn)


@pytest.mark.parametrize(
    ("info", "role_arn", "now", "valid"),
    [
        (INFO, None, NOW, True),
        (INFO, ROLE.role_arn, NOW, True),
        (INFO, "arn:aws:iam::000000000000:role/Other", NOW, False),
        (INFO, None, EXPIRES - dt.timedelta(minutes=15), False),
        (INFO, None, EXPIRES - dt.timedelta(minutes=16), True),
        (INFO, None, EXPIRES + dt.timedelta(minutes=1), False),
        (None, None, NOW, False),
        (awsfiles.ProfileInfo("saml", "A", "B", None, EXPIRES, None, None), None, NOW, False),
        (awsfiles.ProfileInfo("saml", "A", "B", "C", None, None, None), None, NOW, False),
    ],
)
def test_profile_still_valid(info, role_arn, now, valid):
    assert awsfiles.profile_still_valid(info, role_arn, now) is valid
