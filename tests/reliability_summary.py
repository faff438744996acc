"""pytest plugin: at the end of the session, say how many hostile inputs, faults and interruptions
the fail-safe suite tried, and whether any lost data, leaked a secret or left a process.

Tests count what they try through the ``reliability`` fixture (``reliability.tried("hostile",
name)``); the checks in ``tests/hostile/harness.py`` record a violation (data / secret / process)
*before* they fail the test, so the summary's "none lost data" is a count of checks that passed,
not a claim. The plugin registers itself the first time the fixture is used (test modules pull it
in with ``from reliability_summary import reliability  # noqa: F401``), or for the whole session
with ``pytest_plugins = [..., "reliability_summary"]`` in ``tests/conftest.py``.
"""

from __future__ import annotations

import collections

import pytest

KINDS = {
    "hostile": "hostile inputs",
    "fault": "faults",
    "interruption": "interruptions",
    "secret-scan": "secret scans",
    "network": "network checks",
}
VIOLATIONS = {"data": "lost or changed data", "secret": "leaked a secret", "process": "left a process"}


class Ledger:
    def __init__(self) -> None:
        self.tried: collections.Counter[str] = collections.Counter()
        self.checks: collections.Counter[str] = collections.Counter()
        self.violations: list[tuple[str, str, str]] = []  # (kind, test, detail)
        self.failed_tests: set[str] = set()
        self.tests: set[str] = set()
        self.current = ""

    def summary_lines(self) -> list[str]:
        tried = ", ".join(f"{self.tried[k]} {label}" for k, label in KINDS.items() if self.tried[k])
        lines = [f"tried: {tried or 'nothing'} in {len(self.tests)} tests ({len(self.failed_tests)} failed)"]
        checks = ", ".join(f"{self.checks[k]} {k}" for k in sorted(self.checks))
        lines.append(f"checks made: {checks or 'none'}")
        for kind, label in VIOLATIONS.items():
            found = [v for v in self.violations if v[0] == kind]
            if found:
                lines.append(f"FAIL {len(found)} {label}: " + "; ".join(f"{t}: {d}" for _, t, d in found[:5]))
            else:
                lines.append(f"none {label}")
        return lines


LEDGER = Ledger()


def violation(kind: str, detail: str) -> None:
    """Called by a check that is about to fail (kind: data, secret or process)."""
    LEDGER.violations.append((kind, LEDGER.current, detail[:300]))


def checked(kind: str, count: int = 1) -> None:
    """Called by a check that ran (kind: data, secret or process), pass or fail."""
    LEDGER.checks[kind] += count


class Recorder:
    def __init__(self, nodeid: str) -> None:
        self.nodeid = nodeid

    def tried(self, kind: str, name: str = "", count: int = 1) -> None:
        assert kind in KINDS, kind
        LEDGER.tried[kind] += count


class _Plugin:
    """Hooks; registered once per session by the fixture (or by ``pytest_plugins``)."""

    @pytest.hookimpl
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.nodeid in LEDGER.tests and report.failed:
            LEDGER.failed_tests.add(report.nodeid)

    @pytest.hookimpl
    def pytest_terminal_summary(self, terminalreporter, exitstatus, config) -> None:
        if not LEDGER.tests:
            return
        terminalreporter.section("fail-safe summary (issue 8)")
        for line in LEDGER.summary_lines():
            terminalreporter.write_line(line)


PLUGIN_NAME = "reliability-summary"


def _ensure_registered(config: pytest.Config) -> None:
    if config.pluginmanager.get_plugin(PLUGIN_NAME) is None:
        config.pluginmanager.register(_Plugin(), PLUGIN_NAME)


def pytest_configure(config: pytest.Config) -> None:
    """When listed in ``pytest_plugins``: register the hooks at once."""
    _ensure_registered(config)


@pytest.fixture
def reliability(request: pytest.FixtureRequest) -> Recorder:
    _ensure_registered(request.config)
    LEDGER.tests.add(request.node.nodeid)
    LEDGER.current = request.node.nodeid
    return Recorder(request.node.nodeid)
