"""Stored IdPs: the versioned file, its privacy and atomicity, the keyring, and the migration of
the original tool's file (golden files in tests/fixtures/original/)."""

from __future__ import annotations

import json
import os
import shutil
import stat
from pathlib import Path

import keyring
import keyring.backend
import pytest
from keyrings.alt.file import PlaintextKeyring

from awscli_saml_sso import idps, paths, secrets
from awscli_saml_sso.errors import ExitCode, FilesError, UsageError
from awscli_saml_sso.idps import StoredIdp

ORIGINAL = Path(__file__).parent / "fixtures" / "original"
URL = "https://idp.example.com/adfs/ls/IdpInitiatedSignOn.aspx?loginToRp=urn:amazon:webservices"
ROLE = "arn:aws:iam::123456789012:role/Dev"


@pytest.fixture
def env(home: Path) -> dict[str, str]:
    return dict(os.environ)


@pytest.fixture
def ring(tmp_path: Path):
    """A real file keyring (keyrings.alt), its file in tmp_path."""
    backend = PlaintextKeyring()
    backend.file_path = str(tmp_path / "keyring" / "keyring_pass.cfg")
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


class BrokenKeyring(keyring.backend.KeyringBackend):
    """A keyring that fails like a locked or absent one (a fake at the boundary)."""

    priority = 1

    def get_password(self, service, username):
        raise keyring.errors.KeyringLocked("locked")

    def set_password(self, service, username, password):
        raise keyring.errors.PasswordSetError("locked")

    def delete_password(self, service, username):
        raise keyring.errors.KeyringLocked("locked")


@pytest.fixture
def broken_ring():
    previous = keyring.get_keyring()
    keyring.set_keyring(BrokenKeyring())
    yield
    keyring.set_keyring(previous)


def full_idp(nickname: str = "corp") -> StoredIdp:
    return StoredIdp(
        nickname=nickname,
        url=URL,
        username="jdoe",
        browser="chromium",
        role_arn=ROLE,
        profile="dev",
        region="eu-west-1",
        duration=7200,
    )


# --------------------------------------------------------------------------------------------
# round trip, order, errors
# --------------------------------------------------------------------------------------------
def test_round_trip_keeps_every_field(env):
    path = idps.save(full_idp(), env)
    assert path == paths.tool_home(env) / "idps.json"
    assert idps.load_all(env) == {"corp": full_idp()}
    assert idps.get("corp", env) == full_idp()


def test_minimal_idp_writes_only_set_fields(env):
    idps.save(StoredIdp("a", URL), env)
    assert json.loads(idps.idps_path(env).read_text()) == {"version": 1, "idps": {"a": {"url": URL}}}


def test_load_all_sorted_and_save_replaces(env):
    for nick in ("zeta", "alpha", "mid"):
        idps.save(StoredIdp(nick, URL), env)
    idps.save(StoredIdp("mid", "https://other.example/sso", username="u"), env)
    known = idps.load_all(env)
    assert list(known) == ["alpha", "mid", "zeta"]
    assert known["mid"] == StoredIdp("mid", "https://other.example/sso", username="u")


def test_no_file_is_no_idps(env):
    assert idps.load_all(env) == {}
    assert not paths.tool_home(env).exists()  # reading creates nothing


def test_unknown_nickname_lists_known_ones(env):
    idps.save(StoredIdp("corp", URL), env)
    with pytest.raises(UsageError, match="unknown IdP nickname 'nope'") as err:
        idps.get("nope", env)
    assert "known: corp" in err.value.hint and "idp add" in err.value.hint


def test_unknown_nickname_with_nothing_stored(env):
    with pytest.raises(UsageError) as err:
        idps.get("nope", env)
    assert "no IdP is stored yet" in err.value.hint


@pytest.mark.parametrize("nick", ["", "a b", "x" * 65, "é", "a/b", "../x"])
def test_bad_nicknames(env, nick):
    with pytest.raises(UsageError, match="invalid IdP nickname"):
        idps.save(StoredIdp(nick, URL), env)


@pytest.mark.parametrize(
    "url",
    [
        "",
        "idp.example.com",
        "ftp://idp.example.com/",
        "https://",
        "https:///path",
        "javascript:alert(1)",
        "https://idp.example.com/a b",
        "http://[::1/",
    ],
)
def test_bad_urls(url):
    with pytest.raises(UsageError, match="not an http"):
        idps.validate_url(url)


def test_good_urls_are_trimmed():
    assert idps.validate_url(f"  {URL}\n") == URL
    assert idps.validate_url("http://127.0.0.1:8080/simplesaml/saml2/idp/SSOService.php").startswith("http://")


@pytest.mark.parametrize(
    "change",
    [
        {"browser": "safari"},
        {"role_arn": "Dev"},
        {"role_arn": "arn:aws:iam::12:role/x"},
        {"region": "Europe"},
        {"duration": 60},
        {"duration": 50000},
        {"duration": True},
        {"profile": "a b"},
        {"username": "a\nb"},
        {"username": " "},
    ],
)
def test_bad_fields(env, change):
    with pytest.raises(UsageError, match="invalid"):
        idps.save(StoredIdp("corp", URL, **change), env)
    assert not idps.idps_path(env).exists()


def test_gov_and_china_role_arns_accepted(env):
    for arn in ("arn:aws-us-gov:iam::123456789012:role/a", "arn:aws-cn:iam::123456789012:role/path/b"):
        idps.validate(StoredIdp("x", URL, role_arn=arn))


# --------------------------------------------------------------------------------------------
# the file: version, damage, privacy, atomicity
# --------------------------------------------------------------------------------------------
def test_newer_version_asks_to_upgrade(env):
    path = idps.idps_path(env)
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"version": idps.VERSION + 1, "idps": {}}))
    with pytest.raises(FilesError, match="newer awscli-saml-sso") as err:
        idps.load_all(env)
    assert "upgrade" in err.value.hint
    assert err.value.exit_code == ExitCode.FILES
    with pytest.raises(FilesError):
        idps.save(StoredIdp("a", URL), env)  # never overwritten by an older tool
    assert json.loads(path.read_text())["version"] == idps.VERSION + 1


@pytest.mark.parametrize(
    "content",
    [
        b"{not json",
        b"\xff\xfe",
        b"[]",
        b'{"idps": {}}',
        b'{"version": "1", "idps": {}}',
        b'{"version": 0, "idps": {}}',
        b'{"version": 1, "idps": []}',
        b'{"version": 1, "idps": {"a": {}}}',
        b'{"version": 1, "idps": {"a": "x"}}',
        b'{"version": 1, "idps": {"a": {"url": "https://x", "duration": "3600"}}}',
        b"",
    ],
)
def test_damaged_file_is_named_and_kept(env, content):
    path = idps.idps_path(env)
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    with pytest.raises(FilesError) as err:
        idps.load_all(env)
    assert str(path) in err.value.message
    with pytest.raises(FilesError):
        idps.save(StoredIdp("b", URL), env)
    assert path.read_bytes() == content


def test_unknown_fields_are_ignored(env):
    path = idps.idps_path(env)
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"version": 1, "idps": {"a": {"url": URL, "future": 1}}}))
    assert idps.load_all(env) == {"a": StoredIdp("a", URL)}


def test_private_modes_even_under_umask_0(env):
    old = os.umask(0)
    try:
        path = idps.save(full_idp(), env)
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_loose_existing_home_is_tightened(env):
    home_dir = paths.tool_home(env)
    home_dir.mkdir(mode=0o755)
    os.chmod(home_dir, 0o755)
    idps.save(full_idp(), env)
    assert stat.S_IMODE(home_dir.stat().st_mode) == 0o700


def test_symlinked_file_stays_a_link(env, tmp_path):
    real = tmp_path / "elsewhere" / "idps.json"
    real.parent.mkdir()
    real.write_text(json.dumps({"version": 1, "idps": {}}))
    link = idps.idps_path(env)
    link.parent.mkdir(parents=True)
    link.symlink_to(real)
    idps.save(StoredIdp("a", URL), env)
    assert link.is_symlink()
    assert json.loads(real.read_text())["idps"] == {"a": {"url": URL}}


def test_failed_write_leaves_old_file_and_no_temp(env, monkeypatch):
    path = idps.save(StoredIdp("a", URL), env)
    before = path.read_bytes()

    def disk_full(*_args, **_kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(FilesError, match="No space left") as err:
        idps.save(StoredIdp("b", URL), env)
    assert str(path) in err.value.message
    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir()) == ["idps.json"]  # no lock file left either


def test_concurrent_saves_lose_nothing(env):
    import threading

    def add(prefix: str) -> None:
        for number in range(15):
            idps.save(StoredIdp(f"{prefix}{number}", URL), env)

    threads = [threading.Thread(target=add, args=(p,)) for p in "abcd"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(idps.load_all(env)) == 60


def test_no_password_ever_in_the_file(env, ring):
    secret = "s3cr3t-Pa55w0rd!"
    idps.save(full_idp(), env)
    idps.set_password("corp", "jdoe", secret)
    idps.save(full_idp("other"), env)
    for file in paths.tool_home(env).rglob("*"):
        if file.is_file():
            assert secret.encode() not in file.read_bytes()


# --------------------------------------------------------------------------------------------
# keyring
# --------------------------------------------------------------------------------------------
def test_password_round_trip_in_the_keyring(ring):
    assert idps.get_password("corp", "jdoe") is None
    idps.set_password("corp", "jdoe", "pw-123456")
    assert idps.get_password("corp", "jdoe") == "pw-123456"
    assert ring.get_password("awscli-saml-sso", "corp:jdoe") == "pw-123456"
    assert idps.get_password("corp", "other") is None
    idps.delete_password("corp", "jdoe")
    assert idps.get_password("corp", "jdoe") is None
    idps.delete_password("corp", "jdoe")  # already gone: fine


def test_broken_keyring_reads_as_none_and_logs_no_secret(broken_ring, caplog):
    caplog.set_level("DEBUG")
    assert idps.get_password("corp", "jdoe") is None
    idps.delete_password("corp", "jdoe")
    assert "KeyringLocked" in caplog.text


def test_broken_keyring_store_fails_with_a_hint(broken_ring, caplog):
    caplog.set_level("DEBUG")
    with pytest.raises(FilesError, match="could not store the password") as err:
        idps.set_password("corp", "jdoe", "pw-123456")
    assert "PYTHON_KEYRING_BACKEND" in err.value.hint and "keyrings.alt" in err.value.hint
    assert "pw-123456" not in caplog.text


def test_remove_forgets_idp_password_and_browser_profile(env, ring):
    idps.save(full_idp(), env)
    idps.save(full_idp("keep"), env)
    idps.set_password("corp", "jdoe", "pw-123456")
    idps.set_password("keep", "jdoe", "pw-keep")
    profile = paths.browser_profile_dir(env, "corp")
    (profile / "Default").mkdir(parents=True)
    (profile / "Default" / "Cookies").write_text("x")
    idps.remove("corp", env)
    assert list(idps.load_all(env)) == ["keep"]
    assert idps.get_password("corp", "jdoe") is None
    assert idps.get_password("keep", "jdoe") == "pw-keep"
    assert not profile.exists()
    with pytest.raises(UsageError, match="unknown IdP nickname 'corp'"):
        idps.remove("corp", env)


# --------------------------------------------------------------------------------------------
# migration of the original tool's file (golden files)
# --------------------------------------------------------------------------------------------
def install_original(env, name: str = "credentials") -> Path:
    source = paths.tool_home(env) / "credentials"
    source.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(ORIGINAL / name, source)
    return source


def test_migrates_the_03_file_once(env, ring):
    source = install_original(env)
    ring.set_password("idp_nickname", "corp", "legacy-pw-1")  # where 0.3 kept it
    known, note = idps.load_all_with_note(env)
    assert json.loads(idps.idps_path(env).read_text()) == json.loads((ORIGINAL / "idps.json").read_text())
    assert list(known) == ["corp", "my_okta", "sandbox"]
    assert note.startswith(f"migrated 3 IdPs from the original tool's file {source}")
    assert "renamed 'my okta' to 'my_okta'" in note and "skipped (no valid URL): 'broken'" in note
    assert "1 password now in the keyring" in note
    assert idps.get_password("corp", "jdoe@corp.example") == "legacy-pw-1"
    assert ring.get_password("idp_nickname", "corp") == "legacy-pw-1"  # the original's entry is left
    assert not source.exists()
    kept = list(source.parent.glob("credentials.migrated-*"))
    assert len(kept) == 1 and kept[0].read_bytes() == (ORIGINAL / "credentials").read_bytes()
    assert stat.S_IMODE(kept[0].stat().st_mode) == 0o600
    assert idps.load_all_with_note(env) == (known, None)
    # the original tool recreates an empty file on its next run: no second migration
    source.touch()
    assert idps.load_all_with_note(env)[1] is None
    assert source.exists()


def test_get_migrates_too(env, ring):
    install_original(env)
    assert idps.get("sandbox", env).username == "jdoe@sandbox.example"


def test_migration_without_usable_keyring_still_moves_idps(env, broken_ring):
    install_original(env)
    known, note = idps.load_all_with_note(env)
    assert len(known) == 3 and "password" not in note


def test_migrates_the_01_file_from_home(env, ring, monkeypatch):
    monkeypatch.delenv("ASS_HOME")
    env.pop("ASS_HOME")
    source = paths.user_home(env) / ".awscli_saml_sso_credentials"
    shutil.copy(ORIGINAL / "awscli_saml_sso_credentials", source)
    known, note = idps.load_all_with_note(env)
    url = "https://sso.old.example/adfs/ls/IdpInitiatedSignOn.aspx"
    assert known == {"old": StoredIdp("old", url, username="jdoe")}
    assert "migrated 1 IdP from" in note
    assert not source.exists() and list(source.parent.glob(".awscli_saml_sso_credentials.migrated-*"))


def test_plaintext_password_in_the_original_goes_to_the_keyring(env, ring):
    source = install_original(env)
    source.write_text("[hand]\nidp_url = https://idp.example.com/sso\nlogin = me\npassword = plain-pw-99\n")
    known, note = idps.load_all_with_note(env)
    assert known["hand"].username == "me" and "1 password now in the keyring" in note
    assert idps.get_password("hand", "me") == "plain-pw-99"
    for file in paths.tool_home(env).rglob("*"):
        if file.is_file():
            assert b"plain-pw-99" not in file.read_bytes(), file


def test_percent_in_the_original_is_read_as_it_did(env, ring):
    source = install_original(env)
    source.write_text(
        "[a]\nidp_url = https://idp.example.com/sso?rp=urn%%3Aamazon\n"
        "[b]\nidp_url = https://idp.example.com/sso?rp=urn%3Aamazon\n"
    )
    known = idps.load_all(env)
    assert known["a"].url == known["b"].url == "https://idp.example.com/sso?rp=urn%3Aamazon"


def test_colliding_nicknames_get_suffixes(env, ring):
    source = install_original(env)
    source.write_text("[a b]\nidp_url = https://one.example/\n[a_b]\nidp_url = https://two.example/\n")
    known, note = idps.load_all_with_note(env)
    assert {n: i.url for n, i in known.items()} == {"a_b": "https://one.example/", "a_b-2": "https://two.example/"}
    assert "renamed 'a_b' to 'a_b-2'" in note


def test_damaged_original_is_named_and_left_alone(env, ring):
    source = install_original(env)
    source.write_text("idp_url = no section\n")
    with pytest.raises(FilesError, match="original tool's file") as err:
        idps.load_all(env)
    assert str(source) in err.value.message
    assert source.read_text() == "idp_url = no section\n"
    assert not idps.idps_path(env).exists()


def test_secrets_module_uses_the_documented_names():
    assert secrets.SERVICE == "awscli-saml-sso" and secrets.key("n", "u") == "n:u"
