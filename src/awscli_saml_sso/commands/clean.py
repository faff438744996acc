"""``--clean``: move the tool's home aside (``~/.awscli_saml_sso.OLD``), after confirmation,
as the original tool did. Nothing is deleted; passwords in the OS keyring are left alone."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from pathlib import Path

from awscli_saml_sso import paths
from awscli_saml_sso.errors import FilesError
from awscli_saml_sso.ui import Terminal


def clean(term: Terminal, environ: Mapping[str, str], *, yes: bool = False) -> Path | None:
    home = paths.tool_home(environ)
    if not home.exists():
        term.line(f"nothing to clean: {home} does not exist")
        return None
    target = home.with_name(home.name + ".OLD")
    if target.exists():
        target = home.with_name(f"{home.name}.OLD-{dt.datetime.now():%Y%m%d-%H%M%S}")
    question = f"Move {home} (stored IdPs, browser profiles, cache) to {target}?"
    if not yes and not term.confirm(question, option="--yes"):  # no terminal: "... (pass --yes)"
        term.line("nothing changed")
        return None
    try:
        os.rename(home, target)
    except OSError as exc:
        raise FilesError(f"cannot move {home} to {target}: {exc.strerror}") from exc
    term.success(f"moved {home} to {target}")
    return target
