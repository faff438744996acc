"""Where the tool keeps its own state. Every directory it creates is private (0700)."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path

HOME_ENV = "ASS_HOME"
HOME_DIRNAME = ".awscli_saml_sso"


def user_home(environ: Mapping[str, str]) -> Path:
    home = environ.get("HOME") or environ.get("USERPROFILE")
    return Path(home) if home else Path.home()


def tool_home(environ: Mapping[str, str]) -> Path:
    """``$ASS_HOME``, else ``~/.awscli_saml_sso`` (the original tool's place)."""
    override = environ.get(HOME_ENV)
    return Path(override).expanduser() if override else user_home(environ) / HOME_DIRNAME


def private_dir(path: Path) -> Path:
    """Create ``path`` (and parents) as 0700 and tighten it if it already existed."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if os.name == "posix":
        os.chmod(path, 0o700)
    return path


def diagnostics_dir(environ: Mapping[str, str]) -> Path:
    return tool_home(environ) / "diagnostics"


def browser_profile_dir(environ: Mapping[str, str], nickname: str) -> Path:
    """One persistent browser profile per stored IdP, so the IdP's SSO cookie is kept."""
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", nickname) or "_"
    return tool_home(environ) / "browser-profiles" / safe


def cache_dir(environ: Mapping[str, str]) -> Path:
    return tool_home(environ) / "cache"
