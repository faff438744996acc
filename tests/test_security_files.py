"""Issue 18, file-system findings (2, 4, 5): private directories whatever the umask, nothing read
from a directory or file another user owns or can write, symlinks followed only to our own
files, and only regular files read, within a size limit.

Tests run as root here: "another user" is ``nobody`` (uid 65534), made with ``os.chown``.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from hostile.harness import run_cli as hostile_run_cli

from awscli_saml_sso import atomicfile, awsfiles, idps, paths
from awscli_saml_sso.delivery import cache
from awscli_saml_sso.errors import ExitCode, FilesError
from awscli_saml_sso.models import Credentials

NOBODY = 65534
posix_root = pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() != 0,
    reason="chown to another user needs root (the CI and dev containers run as root)",
)
posix = pytest.mark.skipif(os.name != "posix", reason="POSIX owners and modes")


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def umask_000():
    old = os.umask(0)
    yield
    os.umask(old)


def creds(key: str = "ASIAOWN") -> Credentials:
    return Credentials(key, "secret", "token", dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=1))


def run(
    args: list[str], env: dict[str, str], umask: int | None = None, timeout: float = 60
) -> tuple[int, str, str, int]:
    """The CLI as a subprocess (killed after ``timeout``: a hang fails the test)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "awscli_saml_sso", *args],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        preexec_fn=(lambda: os.umask(umask)) if umask is not None else None,
    )
    killer = threading.Timer(timeout, os.killpg, (proc.pid, signal.SIGKILL))  # a hang fails, not blocks
    killer.start()
    try:
        out, err = proc.stdout.read(), proc.stderr.read()  # EOF when it exits (its output is short)
        _pid, status, usage = os.wait4(proc.pid, 0)
    finally:
        killer.cancel()
        proc.returncode = 0  # reaped above; keep Popen from waiting again
        proc.stdout.close()
        proc.stderr.close()
    code = os.waitstatus_to_exitcode(status)
    assert code != -signal.SIGKILL, f"the CLI was still running after {timeout} s"
    return code, out.decode(), err.decode(), usage.ru_maxrss


# -- 2. private directories, whatever the umask ---------------------------------------------------
@posix
def test_private_dir_makes_every_missing_parent_0700_under_umask_000(tmp_path, umask_000):
    leaf = tmp_path / "a" / "b" / "c"
    paths.private_dir(leaf)
    assert [mode(d) for d in (tmp_path / "a", tmp_path / "a" / "b", leaf)] == [0o700] * 3


@posix
def test_cli_under_umask_000_leaves_only_0700_directories_and_0600_files(cli_env, home):
    cli_env["ASS_HOME"] = str(home / "deep" / "tool-home")
    code, out, err, _ = run(["idp", "add", "corp", "--url", "https://idp.example/sso"], cli_env, umask=0)
    assert code == 0, err
    creds_file = home / "new" / "aws" / "credentials"
    awsfiles_env = {"AWS_SHARED_CREDENTIALS_FILE": str(creds_file)}
    old = os.umask(0)
    try:
        awsfiles.update_file(awsfiles.credentials_path(awsfiles_env), "p", {"k": "v"})
    finally:
        os.umask(old)
    for top in (home / "deep", home / "new"):
        for root, _dirs, files in os.walk(top):
            assert mode(root) == 0o700, root
            for name in files:
                assert mode(Path(root, name)) == 0o600, name


# -- issue 25.4: no *.lock file stays behind -------------------------------------------------------
@posix
def test_no_lock_file_stays_after_writes_a_credential_process_login_and_logout(cli_env, home):
    """Before: zero-byte ~/.aws/credentials.lock, idps.json.lock and cache/*.lock stayed for ever."""
    from deliverysupport import write_profile

    assert run(["idp", "add", "corp", "--url", "https://idp.example/sso"], cli_env)[0] == 0
    write_profile("work", environ=cli_env)
    stored_cache(cli_env, "ASIACACHED")
    lock = cache.login_lock_path(cli_env, "corp")  # credential-process's lock of one IdP's login
    with atomicfile.locked(lock):
        assert Path(f"{lock}.lock").exists()
    code, _out, err, _ = run(["logout", "--all"], cli_env)
    assert code == 0, err
    assert sorted(str(p.relative_to(home)) for p in home.rglob("*.lock")) == []


LOCKED_COUNTER = """
import sys
from pathlib import Path
from awscli_saml_sso import atomicfile
path, rounds = Path(sys.argv[1]), int(sys.argv[2])
for _ in range(rounds):
    with atomicfile.updating(path) as real:
        count = int(atomicfile.read_bytes(real) or b"0")
        atomicfile.atomic_write(real, str(count + 1).encode())
"""


@posix
def test_the_lock_still_excludes_while_its_file_comes_and_goes(tmp_path):
    """Each holder removes the lock file (above): a run that waited on the removed file must
    start over on the new one, or two runs would write at once and lose increments."""
    path = tmp_path / "counter"
    procs = [subprocess.Popen([sys.executable, "-c", LOCKED_COUNTER, str(path), "60"]) for _ in range(6)]
    assert [p.wait(timeout=300) for p in procs] == [0] * 6
    assert path.read_text() == "360"
    assert [p.name for p in tmp_path.iterdir()] == ["counter"]


# -- issue 22: keyrings.alt's plain file, picked without asking ----------------------------------
@posix
def test_a_plain_file_keyring_is_said_at_the_first_store_and_made_private_under_umask_000(cli_env, home):
    """Before: with no OS keyring, keyring picked keyrings.alt's PlaintextKeyring silently, and
    under umask 000 it made ~/.local, ~/.local/share and ~/.local/share/python_keyring 0777."""
    for name in ("PYTHON_KEYRING_BACKEND", "XDG_DATA_HOME", "XDG_CONFIG_HOME", "DBUS_SESSION_BUS_ADDRESS"):
        cli_env.pop(name, None)  # nothing asked for, no Secret Service: keyring picks the plain file

    def store(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "awscli_saml_sso", "idp", *args, "--password-stdin"],
            env=cli_env,
            input=b"pw\n",
            capture_output=True,
            timeout=60,
            preexec_fn=lambda: os.umask(0),
        )

    proc = store("add", "corp", "--url", "https://idp.example/sso", "--username", "me")
    assert proc.returncode == 0, proc
    plain = home / ".local" / "share" / "python_keyring" / "keyring_pass.cfg"
    err = proc.stderr.decode()
    assert f"warning: the password is kept in a plain file, {plain} (0600)" in err, err
    assert "prefer a real one" in err
    assert [mode(d) for d in (home / ".local", plain.parent.parent, plain.parent)] == [0o700] * 3
    assert mode(plain) == 0o600
    again = store("set", "corp")  # not the first store: said once
    assert again.returncode == 0 and b"plain file" not in again.stderr, again


def stored_cache(env: dict[str, str], key_id: str) -> Path:
    key = cache.key("corp", None, None)
    path = cache.file_for(env, key)
    cache.store(path, key, creds(key_id))
    return path


@posix_root
def test_a_cache_another_user_planted_is_refused_not_served(cli_env, home):
    """The review's attack: with a loose home another user replaced cache/; credential-process
    served ASIAATTACKER and exited 0."""
    path = stored_cache(cli_env, "ASIAATTACKER")
    os.chown(path.parent, NOBODY, NOBODY)
    os.chown(path, NOBODY, NOBODY)
    code, out, err, _ = run(["credential-process", "--idp-nickname", "corp"], cli_env)
    assert code == ExitCode.FILES, err
    assert "ASIAATTACKER" not in out + err
    assert f"refusing to trust the directory {path.parent}: it belongs to another user (uid {NOBODY})" in err
    assert "Traceback" not in err


@posix
@pytest.mark.parametrize("loose", ["home", "cache", "file"])
def test_a_cache_others_can_write_is_refused(home, loose):
    env = dict(os.environ)
    path = stored_cache(env, "ASIAOWN")
    target = {"home": paths.tool_home(env), "cache": path.parent, "file": path}[loose]
    os.chmod(target, 0o666 if loose == "file" else 0o777)
    with pytest.raises(FilesError, match="others can write to it"):
        cache.load(path, cache.key("corp", None, None), dt.datetime.now(dt.timezone.utc))


@posix_root
def test_stored_idps_of_another_user_are_refused(cli_env, home):
    idps.save(idps.StoredIdp("corp", "https://idp.example/sso"), cli_env)
    path = idps.idps_path(cli_env)
    os.chown(path, NOBODY, NOBODY)
    code, out, err, _ = run(["idp", "list"], cli_env)
    assert code == ExitCode.FILES and "idp.example" not in out
    assert f"refusing to trust the file {path}: it belongs to another user" in err


@posix
def test_a_tool_home_others_can_write_is_refused_before_reading_stored_idps(cli_env, home):
    idps.save(idps.StoredIdp("corp", "https://idp.example/sso"), cli_env)
    os.chmod(paths.tool_home(cli_env), 0o777)
    code, out, err, _ = run(["idp", "list"], cli_env)
    assert code == ExitCode.FILES and "idp.example" not in out
    assert "others can write to it (mode 0777)" in err and "chmod go-w" in err


@posix_root
def test_a_browser_profile_of_another_user_is_refused(tmp_path):
    from awscli_saml_sso.browser import drivers

    profile = tmp_path / "browser-profiles" / "corp"
    profile.mkdir(parents=True)
    os.chown(profile, NOBODY, NOBODY)
    with pytest.raises(FilesError, match="belongs to another user"):
        drivers.prepare_profile(profile)
    assert os.stat(profile).st_uid == NOBODY  # not taken over


# -- 4. symlinks ----------------------------------------------------------------------------------
@posix_root
def test_a_link_to_another_users_file_is_refused_and_the_file_unchanged(tmp_path):
    other = tmp_path / "theirs"
    other.write_text("[x]\nk = theirs\n")
    os.chown(other, NOBODY, NOBODY)
    os.chmod(other, 0o644)
    link = tmp_path / ".aws" / "credentials"
    link.parent.mkdir()
    link.symlink_to(other)
    with pytest.raises(
        FilesError, match=f"refusing to write {other} \\(linked from {link}\\): it belongs to another user"
    ):
        awsfiles.update_file(link, "saml", {"aws_access_key_id": "ASIANEW"})
    st = os.stat(other)
    assert (st.st_uid, stat.S_IMODE(st.st_mode), other.read_text()) == (NOBODY, 0o644, "[x]\nk = theirs\n")
    assert link.is_symlink()


@posix_root
def test_a_stored_idps_link_to_another_users_file_is_refused(home):
    env = dict(os.environ)
    other = home / "theirs.json"
    other.write_text('{"version": 1, "idps": {}}\n')
    os.chown(other, NOBODY, NOBODY)
    path = idps.idps_path(env)
    path.parent.mkdir(mode=0o700)
    path.symlink_to(other)
    with pytest.raises(FilesError, match="belongs to another user"):
        idps.save(idps.StoredIdp("corp", "https://idp.example/sso"), env)
    assert os.stat(other).st_uid == NOBODY and "corp" not in other.read_text()


@posix
def test_a_link_to_our_own_file_is_followed_and_kept(tmp_path):
    real = tmp_path / "dotfiles" / "credentials"
    real.parent.mkdir()
    real.write_text("[a]\nk = v\n")
    link = tmp_path / "credentials"
    link.symlink_to(real)
    assert awsfiles.update_file(link, "b", {"k": "w"}) == real
    assert link.is_symlink() and "[b]\nk = w\n" in real.read_text()


@posix
@pytest.mark.parametrize("where", ["file", "directory"])
def test_a_dangling_link_is_an_error_not_a_new_file(tmp_path, where):
    nowhere = tmp_path / "nowhere"
    if where == "file":
        link = tmp_path / "credentials"
        link.symlink_to(nowhere / "credentials")
    else:
        (tmp_path / ".aws").symlink_to(nowhere)
        link = tmp_path / ".aws" / "credentials"
    with pytest.raises(FilesError, match="which does not exist"):
        awsfiles.update_file(link, "saml", {"k": "v"})
    assert not os.path.lexists(nowhere)


# -- 5. special files -----------------------------------------------------------------------------
def within(seconds: float, func, *args):  # any call
    """``func(*args)`` in a thread: its exception or result, or a failure if it takes longer
    (a blocking open of a FIFO would otherwise hang the test run, as it hung the tool)."""
    box: dict[str, object] = {}

    def call() -> None:
        try:
            box["result"] = func(*args)
        except BaseException as exc:  # handed back to the test
            box["error"] = exc

    worker = threading.Thread(target=call, daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), f"still blocked after {seconds} s"
    if "error" in box:
        raise box["error"]
    return box.get("result")


def fifo(path: Path) -> Path:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.mkfifo(path, 0o600)
    return path


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
def test_a_fifo_as_credentials_is_one_clear_line_at_once(cli_env, home):
    fifo(awsfiles.credentials_path(cli_env))
    with pytest.raises(FilesError, match="it is a named pipe \\(FIFO\\), not a regular file"):
        within(1.0, awsfiles.tool_profiles, cli_env)
    code, _out, err, _ = run(["status"], cli_env, timeout=30)  # hung forever before
    assert code == ExitCode.FILES and "named pipe (FIFO)" in err and "Traceback" not in err


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
def test_a_fifo_as_the_cache_or_stored_idps_is_refused_at_once(home):
    env = dict(os.environ)
    key = cache.key("corp", None, None)
    path = fifo(cache.file_for(env, key))
    os.chmod(paths.tool_home(env), 0o700)
    with pytest.raises(FilesError, match="FIFO"):
        within(1.0, cache.load, path, key, dt.datetime.now(dt.timezone.utc))
    fifo(idps.idps_path(env))
    with pytest.raises(FilesError, match="FIFO"):
        within(1.0, idps.load_all, env)


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_a_cache_linked_to_dev_zero_is_refused_in_little_memory(cli_env, home):
    """It read /dev/zero to 3 GB and died with "unexpected MemoryError"."""
    path = cache.file_for(cli_env, cache.key("corp", None, None))
    paths.private_dir(path.parent)
    path.symlink_to("/dev/zero")
    # the harness's launcher execs the CLI and measures it alone by wait4 (a child forked from
    # this pytest process would count the parent's pages it shared until exec)
    cli = hostile_run_cli(["credential-process", "--idp-nickname", "corp"], cli_env, timeout=30)
    assert cli.code == ExitCode.FILES and "it is a character device, not a regular file" in cli.error_line(), cli
    assert cli.max_rss_mb < 200 and cli.out == ""
    assert cli.wall < 20  # a Python start on a loaded box; the refusal itself is timed below
    with pytest.raises(FilesError, match="character device"):
        within(1.0, cache.load, path, cache.key("corp", None, None), dt.datetime.now(dt.timezone.utc))


def test_a_regular_file_too_big_is_refused_without_reading_it_whole(tmp_path):
    big = tmp_path / "credentials"
    with open(big, "wb") as out:
        out.truncate(atomicfile.MAX_READ_BYTES * 4)  # sparse: no disk used
    with pytest.raises(FilesError, match="larger than 4 MB"):
        atomicfile.read_bytes(big)
