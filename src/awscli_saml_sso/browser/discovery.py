"""Where each supported browser is installed, on Linux, macOS and Windows.

Looked up in this order: the browser's commands on ``PATH`` (Linux names, or any platform where a
person put one there); on macOS the ``.app`` bundle in ``/Applications`` then
``~/Applications``; on Windows ``Program Files``, ``Program Files (x86)`` and ``LOCALAPPDATA``
(per-user installs), then the registry's App Paths (where installers register the executable).
Everything the lookup reads comes from a :class:`Host`, so tests describe another platform's
install layout on any machine.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

#: App Paths reader: an executable's name ("chrome.exe") -> the path registered for it, or None.
RegistryReader = Callable[[str], "str | None"]
_APP_PATHS = r"SOFTWARE\Microsoft\Windows\CurrentVersion\App Paths"
# Where Windows installs programs: 64-bit, 32-bit (on 64-bit Windows), and per-user.
_WINDOWS_ROOTS = ("PROGRAMFILES", "PROGRAMW6432", "PROGRAMFILES(X86)", "LOCALAPPDATA")


@dataclasses.dataclass(frozen=True)
class BrowserKind:
    name: str  # chrome | chromium | edge | firefox
    label: str  # for messages
    driver: str  # driver command on PATH
    commands: tuple[str, ...]  # binary names on PATH
    mac_app: str = ""  # the executable inside /Applications: "Firefox.app/Contents/MacOS/firefox"
    windows_path: tuple[str, ...] = ()  # below Program Files or LOCALAPPDATA, one part a folder
    windows_exe: str = ""  # the name installers register under App Paths

    @property
    def chromium_family(self) -> bool:
        return self.name != "firefox"


KINDS: dict[str, BrowserKind] = {
    k.name: k
    for k in (
        BrowserKind(
            "chrome",
            "Chrome",
            "chromedriver",
            ("google-chrome", "google-chrome-stable", "chrome"),
            "Google Chrome.app/Contents/MacOS/Google Chrome",
            ("Google", "Chrome", "Application", "chrome.exe"),
            "chrome.exe",
        ),
        BrowserKind(
            "chromium",
            "Chromium",
            "chromedriver",
            ("chromium", "chromium-browser"),
            "Chromium.app/Contents/MacOS/Chromium",
            ("Chromium", "Application", "chrome.exe"),
            "",  # Chromium builds register nothing; chrome.exe there is Chrome's
        ),
        BrowserKind(
            "edge",
            "Edge",
            "msedgedriver",
            ("microsoft-edge", "microsoft-edge-stable", "msedge"),
            "Microsoft Edge.app/Contents/MacOS/Microsoft Edge",
            ("Microsoft", "Edge", "Application", "msedge.exe"),
            "msedge.exe",
        ),
        BrowserKind(
            "firefox",
            "Firefox",
            "geckodriver",
            ("firefox", "firefox-esr"),
            "Firefox.app/Contents/MacOS/firefox",
            ("Mozilla Firefox", "firefox.exe"),
            "firefox.exe",
        ),
    )
}


def windows_app_paths(exe: str) -> str | None:
    """The path registered for ``exe`` under App Paths (the user's, then the machine's)."""
    import winreg  # only on Windows: Host.registry is this function there alone

    for hive in (winreg.HKEY_CURRENT_USER, winreg.HKEY_LOCAL_MACHINE):
        try:
            with winreg.OpenKey(hive, rf"{_APP_PATHS}\{exe}") as key:
                value, _type = winreg.QueryValueEx(key, "")
        except OSError:
            continue
        if isinstance(value, str) and value:
            return value
    return None


@dataclasses.dataclass(frozen=True)
class Host:
    """What the lookup reads: the platform, the environment, the root of absolute paths (macOS's
    /Applications) and the registry. The defaults are this machine's."""

    platform: str = sys.platform
    environ: Mapping[str, str] = dataclasses.field(default_factory=lambda: os.environ)
    root: Path = Path("/")
    registry: RegistryReader | None = windows_app_paths if sys.platform == "win32" else None


def find_binary(kind: BrowserKind, host: Host | None = None) -> str | None:
    host = host or Host()
    search = host.environ.get("PATH", os.defpath)
    for command in kind.commands:
        found = shutil.which(command, path=search)
        if found:
            return found
    candidates: list[Path] = []
    if host.platform == "darwin" and kind.mac_app:
        candidates.append(host.root / "Applications" / kind.mac_app)
        if host.environ.get("HOME"):
            candidates.append(Path(host.environ["HOME"], "Applications", kind.mac_app))
    if host.platform == "win32" and kind.windows_path:
        roots = dict.fromkeys(host.environ[var] for var in _WINDOWS_ROOTS if host.environ.get(var))
        candidates.extend(Path(root, *kind.windows_path) for root in roots)
        registered = host.registry(kind.windows_exe) if host.registry and kind.windows_exe else None
        if registered:
            candidates.append(Path(registered.strip().strip('"')))  # some installers quote it
    return next((str(path) for path in candidates if path.is_file()), None)
