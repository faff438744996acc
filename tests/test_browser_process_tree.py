"""Every process a Chromium-family login starts dies with the browser's process group.

Ctrl-C and SIGTERM kill that group at once (no polite quit); a helper in a session of its own
(Chromium's crash handler, started by default even with ``--disable-crash-reporter``) would
outlive it. Checked while the browser runs, so the result does not depend on how fast anything
exits.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from awscli_saml_sso.browser import drivers

pytestmark = pytest.mark.browser


def processes() -> dict[int, tuple[int, str]]:
    """pid -> (process group, command line) for every process we can read."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        found[int(entry.name)] = (int(fields[2]), cmdline)
    return found


def test_no_browser_process_outside_its_group():
    session = drivers.start("chromium", None, None, "headless", None, lambda _: None)
    try:
        group = session.service.pid  # the browser's main process leads its group
        scratch = str(session.scratch)  # every helper names it: profile, crash database, caches
        ours = {pid: (pgid, line) for pid, (pgid, line) in processes().items() if scratch in line or pgid == group}
        assert len(ours) > 2  # the browser, its zygotes, renderers...: the walk sees them
        outside = [f"{pid}: {line[:100]}" for pid, (pgid, line) in ours.items() if pgid != group]
        assert outside == []
    finally:
        session.close(hurry=True)
