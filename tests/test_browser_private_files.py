"""Issue 22, "Also": what the browser writes is private, and none of it lands in the person's home.

- Under umask 000 Chromium wrote ``Last Version``, ``Variations`` and ``Preferences`` 0666 in a
  persistent profile: it is started under umask 077.
- Firefox left ``~/.config/mozilla/firefox*/Crash Reports`` and ``~/.cache`` in HOME: its HOME and
  XDG directories are the run's scratch directory.
"""

from __future__ import annotations

import base64
import os
import secrets
import stat

import pytest
from browserlogins import browser_login
from pages.fixtures import idp, sink  # noqa: F401 - fixtures, used by name
from pages.idp import USERS
from test_browser_firefox import FIREFOX, GECKODRIVER

from awscli_saml_sso.browser import capture_saml_response


@pytest.fixture
def open_umask():
    previous = os.umask(0)
    yield
    os.umask(previous)


def test_chromium_writes_its_profile_privately_under_umask_000(idp, sink, tmp_path, open_umask):
    profile = tmp_path / "profile"
    profile.mkdir(mode=0o700)
    idp.saml_target = sink.url
    idp.saml_value = base64.b64encode(secrets.token_bytes(300)).decode()
    login = browser_login(
        idp_url=idp.base + "/a",
        endpoints=(sink.url,),
        username="alice",
        password=lambda: USERS["alice"],
        timeout=30.0,
        profile_dir=profile,
    )
    assert capture_saml_response(login) == idp.saml_value
    entries = [p for p in profile.rglob("*") if not p.is_symlink()]
    assert any(p.name == "Preferences" for p in entries)  # the browser did write its files
    open_to_others = sorted(
        f"{p.relative_to(profile)} {stat.S_IMODE(p.lstat().st_mode):o}"
        for p in entries
        if stat.S_IMODE(p.lstat().st_mode) & 0o077
    )
    assert open_to_others == []


@pytest.mark.skipif(not (FIREFOX and GECKODRIVER), reason="Firefox and geckodriver are not installed")
def test_firefox_leaves_nothing_in_home(idp, sink, tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    for var in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME"):
        monkeypatch.delenv(var, raising=False)
    idp.saml_target = sink.url
    idp.saml_value = base64.b64encode(secrets.token_bytes(300)).decode()
    login = browser_login(
        idp_url=idp.base + "/a",
        browser="firefox",
        driver_path=GECKODRIVER,
        endpoints=(sink.url,),
        username="alice",
        password=lambda: USERS["alice"],
        timeout=60.0,
    )
    assert capture_saml_response(login) == idp.saml_value
    assert sorted(str(p.relative_to(home)) for p in home.rglob("*")) == []
