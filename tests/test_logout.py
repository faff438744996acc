"""``logout``: the real entry point in a subprocess, real files, a real (file) keyring."""

from __future__ import annotations

import datetime as dt
import json

from clirun import run_cli
from deliverysupport import write_profile
from keyrings.alt.file import PlaintextKeyring

from awscli_saml_sso import awsfiles, idps, inifile, paths
from awscli_saml_sso.delivery import cache
from awscli_saml_sso.models import Credentials

OTHERS_BEFORE = (
    "# my own notes: keep me\r\n"
    "[default]\r\n"
    "aws_access_key_id = AKIAOWNKEY\r\n"
    "aws_secret_access_key = own/secret ; not a comment\r\n"
    "\r\n"
)
OTHERS_AFTER = "\r\n[legacy]\r\nregion=eu-west-3\r\n  continued = yes\r\n"


def _keyring_env(cli_env, tmp_path) -> dict[str, str]:
    cli_env.update(PYTHON_KEYRING_BACKEND="keyrings.alt.file.PlaintextKeyring", XDG_DATA_HOME=str(tmp_path / "xdg"))
    return cli_env


def test_logout_removes_only_the_profiles_keys_byte_for_byte(cli_env, home) -> None:
    path = awsfiles.credentials_path(cli_env)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(OTHERS_BEFORE.encode())
    write_profile("work", environ=cli_env)
    with path.open("ab") as handle:
        handle.write(OTHERS_AFTER.encode())
    write_profile("other", environ=cli_env)
    before = path.read_bytes()
    config_before = awsfiles.config_path(cli_env).read_bytes()

    result = run_cli(["logout", "--profile", "work"], env=cli_env)
    assert result.code == 0, result
    assert "removed the credentials of [work]" in result.err
    after = path.read_bytes()
    sections = inifile.parse(after.decode())
    assert "work" not in sections and set(sections) == {"default", "legacy", "other"}
    # every other byte as it was: the file is the old one with [work]'s lines cut out
    start = before.index(b"\r\n[work]")
    end = before.index(b"\r\n[legacy]")
    assert after == before[:start] + before[end:]
    assert awsfiles.config_path(cli_env).read_bytes() == config_before  # region of [work] kept


def test_logout_keeps_a_section_with_other_keys_and_a_comment(cli_env) -> None:
    write_profile("work", environ=cli_env)
    path = awsfiles.credentials_path(cli_env)
    path.write_text(path.read_text() + "# written by hand\nregion = eu-west-1\n")
    assert run_cli(["logout", "--profile", "work"], env=cli_env).code == 0
    assert path.read_text() == "[work]\n# written by hand\nregion = eu-west-1\n"


def test_logout_removes_cache_entries_session_and_password(cli_env, home, tmp_path) -> None:
    env = _keyring_env(cli_env, tmp_path)
    idps.save(idps.StoredIdp(nickname="corp", url="https://idp.example.com/sso", username="jdoe"), env)
    other = idps.StoredIdp(nickname="else", url="https://idp.example.com/sso2", username="jane")
    idps.save(other, env)
    ring = PlaintextKeyring()  # the file the subprocess's PlaintextKeyring uses under XDG_DATA_HOME
    ring.file_path = str(tmp_path / "xdg" / "python_keyring" / "keyring_pass.cfg")
    ring.set_password("awscli-saml-sso", "corp:jdoe", "secret-pw")
    ring.set_password("awscli-saml-sso", "else:jane", "other-pw")
    session = paths.browser_profile_dir(env, "corp")
    (session / "Default").mkdir(parents=True)
    (session / "Default" / "Cookies").write_text("sso cookie")
    kept_session = paths.browser_profile_dir(env, "else")
    kept_session.mkdir(parents=True)
    creds = Credentials("ASIAX", "s", "t", dt.datetime(2099, 1, 1, tzinfo=dt.timezone.utc))
    for key in (cache.key("corp", None, None), cache.key("else", None, "work"), cache.key("else", None, None)):
        cache.store(cache.file_for(env, key), key, creds)
    write_profile("work", environ=env)

    result = run_cli(["logout", "--profile", "work", "--idp-nickname", "corp", "--forget-password"], env=env)
    assert result.code == 0, result
    left = [json.loads(p.read_text())["key"] for p in sorted(paths.cache_dir(env).glob("credential-process-*.json"))]
    assert left == [cache.key("else", None, None)]  # corp's entry and [work]'s entry went
    assert not session.exists() and kept_session.is_dir()
    assert ring.get_password("awscli-saml-sso", "corp:jdoe") is None
    assert ring.get_password("awscli-saml-sso", "else:jane") == "other-pw"
    assert awsfiles.read_profile("work", env) is None


def test_logout_all_and_nothing_left(cli_env) -> None:
    write_profile("a", environ=cli_env)
    write_profile("b", environ=cli_env)
    assert run_cli(["logout", "--all"], env=cli_env).code == 0
    assert awsfiles.tool_profiles(cli_env) == []
    again = run_cli(["logout", "--all"], env=cli_env)
    assert again.code == 0 and "already logged out" in again.err


def test_a_profile_name_that_names_nothing_is_an_error(cli_env) -> None:
    """Issue 25.8. Before: ``logout --profile nosuch`` said "nothing to remove: already logged
    out" and exited 0, so a typo looked like success. ``env`` says the same kind of line."""
    write_profile("work", environ=cli_env)
    for command in (["logout"], ["env"]):
        result = run_cli([*command, "--profile", "wrok"], env=cli_env)
        assert result.code == 2 and "no profile [wrok]" in result.err, result
        assert len(result.err.splitlines()) == 1 and result.out == "", result
    assert awsfiles.read_profile("work", cli_env) is not None  # nothing removed
    assert run_cli(["logout", "--profile", "work"], env=cli_env).code == 0
    again = run_cli(["logout"], env=cli_env)  # the default profile, never written: nothing to do
    assert again.code == 0 and "already logged out" in again.err, again


def test_forget_password_needs_an_idp(cli_env) -> None:
    result = run_cli(["logout", "--forget-password"], env=cli_env)
    assert result.code == 2 and "--forget-password needs --idp-nickname" in result.err, result


# -- the pure edit ----------------------------------------------------------------------------
def test_remove_keys_drops_continuations_and_an_emptied_last_section() -> None:
    text = "[a]\nx = 1\n\n[p]\naws_access_key_id = K\naws_session_token = long\n  continued\n"
    assert inifile.remove_keys(text, "p", ["aws_access_key_id", "aws_session_token"]) == "[a]\nx = 1\n"


def test_remove_keys_keeps_what_is_not_ours_and_unknown_sections() -> None:
    text = "[p]\naws_access_key_id = K\nregion = x\n[q]\naws_access_key_id = Q"
    assert inifile.remove_keys(text, "p", ["aws_access_key_id"]) == "[p]\nregion = x\n[q]\naws_access_key_id = Q"
    assert inifile.remove_keys(text, "missing", ["aws_access_key_id"]) == text


def test_remove_keys_agrees_with_configparser() -> None:
    import configparser

    text = "[a]\nk = 1\n\n[p]\n; note\naws_access_key_id = K\nother = 2\n\n[b]\nk = 3\n"
    out = inifile.remove_keys(text, "p", ["aws_access_key_id"])
    before, after = configparser.RawConfigParser(), configparser.RawConfigParser()
    before.read_string(text)
    after.read_string(out)
    assert {s: dict(after[s]) for s in after.sections()} == {
        "a": {"k": "1"},
        "p": {"other": "2"},
        "b": {"k": "3"},
    } and dict(before["p"])["aws_access_key_id"] == "K"


def test_logout_of_a_credential_process_profile_removes_its_cache_entry(cli_env) -> None:
    from awscli_saml_sso.delivery import configprofiles

    line = "awscli_saml_sso credential-process --idp-nickname corp"
    config = awsfiles.config_path(cli_env)
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(f"[profile work]\ncredential_process = {line}\n")
    request = configprofiles.request_from_command(line)
    creds = Credentials("ASIAX", "s", "t", dt.datetime(2099, 1, 1, tzinfo=dt.timezone.utc))
    ours, other = request.cache_key, cache.key("corp", None, "elsewhere")
    for key in (ours, other):
        cache.store(cache.file_for(cli_env, key), key, creds)
    result = run_cli(["logout", "--profile", "work"], env=cli_env)
    assert result.code == 0, result
    assert not cache.file_for(cli_env, ours).exists() and cache.file_for(cli_env, other).exists()
    assert config.read_text() == f"[profile work]\ncredential_process = {line}\n"
