"""Browser discovery against fake install layouts of each OS, on any machine: macOS ``.app``
bundles, Windows Program Files / Program Files (x86) / LOCALAPPDATA and the registry's App Paths
(through a stand-in reader), Linux commands on PATH. Each layout is real files in a scratch
directory; only the platform name, the environment and the registry are handed in."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from awscli_saml_sso.browser import drivers
from awscli_saml_sso.browser.discovery import KINDS, Host, find_binary
from awscli_saml_sso.errors import BrowserError


def install(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"#!/bin/sh\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def found(host: Host) -> dict[str, str | None]:
    return {name: find_binary(kind, host) for name, kind in KINDS.items()}


@pytest.fixture
def empty_path(tmp_path: Path) -> str:
    (tmp_path / "empty-bin").mkdir()
    return str(tmp_path / "empty-bin")


def test_macos_app_bundles_in_applications_then_the_users(tmp_path, empty_path):
    root, home = tmp_path / "root", tmp_path / "home"
    chrome = install(root / "Applications/Google Chrome.app/Contents/MacOS/Google Chrome")
    firefox = install(home / "Applications/Firefox.app/Contents/MacOS/firefox")
    edge_home = install(home / "Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge")
    edge = install(root / "Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge")
    (root / "Applications/Chromium.app/Contents/MacOS").mkdir(parents=True)  # a bundle without its binary
    host = Host(platform="darwin", environ={"PATH": empty_path, "HOME": str(home)}, root=root)
    assert found(host) == {"chrome": str(chrome), "chromium": None, "edge": str(edge), "firefox": str(firefox)}
    assert edge_home.is_file()  # (/Applications came first)
    assert drivers.choose_browser(None, None, host) == (KINDS["chrome"], str(chrome))
    assert drivers.choose_browser("firefox", None, host) == (KINDS["firefox"], str(firefox))


def test_windows_program_files_both_and_the_users_local_app_data(tmp_path, empty_path):
    pf, pf86, local = tmp_path / "Program Files", tmp_path / "Program Files (x86)", tmp_path / "Local"
    edge = install(pf86 / "Microsoft/Edge/Application/msedge.exe")  # where Edge installs itself
    chrome = install(local / "Google/Chrome/Application/chrome.exe")  # a per-user Chrome
    firefox = install(pf / "Mozilla Firefox/firefox.exe")
    chromium = install(local / "Chromium/Application/chrome.exe")
    environ = {"PATH": empty_path, "PROGRAMFILES": str(pf), "PROGRAMFILES(X86)": str(pf86), "LOCALAPPDATA": str(local)}
    host = Host(platform="win32", environ=environ, registry=lambda exe: None)
    assert found(host) == {"chrome": str(chrome), "chromium": str(chromium), "edge": str(edge), "firefox": str(firefox)}
    # Program Files before the user's copy
    machine_chrome = install(pf / "Google/Chrome/Application/chrome.exe")
    assert find_binary(KINDS["chrome"], host) == str(machine_chrome)


def test_windows_registry_app_paths_for_an_install_elsewhere(tmp_path, empty_path):
    chrome = install(tmp_path / "D" / "Apps" / "Chrome" / "chrome.exe")
    firefox = install(tmp_path / "D" / "Firefox Nightly" / "firefox.exe")
    registered = {"chrome.exe": str(chrome), "firefox.exe": f'"{firefox}"', "msedge.exe": str(tmp_path / "gone.exe")}
    asked: list[str] = []

    def registry(exe: str) -> str | None:
        asked.append(exe)
        return registered.get(exe)

    host = Host(platform="win32", environ={"PATH": empty_path, "PROGRAMFILES": str(tmp_path / "PF")}, registry=registry)
    # Chromium registers nothing (chrome.exe there is Chrome's); a stale entry finds nothing
    assert found(host) == {"chrome": str(chrome), "chromium": None, "edge": None, "firefox": str(firefox)}
    assert sorted(asked) == ["chrome.exe", "firefox.exe", "msedge.exe"]


def test_linux_names_on_path_and_no_other_platforms_places(tmp_path):
    bin_dir = tmp_path / "bin"
    chromium = install(bin_dir / "chromium-browser")
    esr = install(bin_dir / "firefox-esr")
    install(tmp_path / "root/Applications/Google Chrome.app/Contents/MacOS/Google Chrome")
    install(tmp_path / "PF/Google/Chrome/Application/chrome.exe")
    environ = {"PATH": str(bin_dir), "HOME": str(tmp_path), "PROGRAMFILES": str(tmp_path / "PF")}
    host = Host(platform="linux", environ=environ, root=tmp_path / "root", registry=lambda exe: str(esr))
    assert found(host) == {"chrome": None, "chromium": str(chromium), "edge": None, "firefox": str(esr)}
    assert drivers.choose_browser(None, None, host) == (KINDS["chromium"], str(chromium))
    stable = install(bin_dir / "google-chrome-stable")
    assert drivers.choose_browser(None, None, host) == (KINDS["chrome"], str(stable))  # Chrome first


def test_nothing_installed_says_how_to_install_one(tmp_path, empty_path):
    for platform in ("linux", "darwin", "win32"):
        host = Host(
            platform=platform, environ={"PATH": empty_path, "HOME": str(tmp_path)}, root=tmp_path, registry=None
        )
        with pytest.raises(BrowserError, match="no supported browser is installed") as err:
            drivers.choose_browser(None, None, host)
        assert "--browser-path" in err.value.hint
        # a given binary of unknown kind is taken as Chromium-based
        assert drivers.choose_browser(None, "/opt/x/browser", host) == (KINDS["chrome"], "/opt/x/browser")
