"""The last lines of dev/test.sh: one line per stage, then the failed tests, named.

    python dev/summary.py "NAME<TAB>RESULT<TAB>JUNIT-XML" ...

RESULT is a stage's exit status, or a sentence saying why it did not run; JUNIT-XML (may be
empty) is pytest's --junitxml report of the stage, whose counts and failed tests are shown.
Standard library only: it runs on whatever Python made the project's venv.
"""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from pathlib import Path


def node_id(classname: str, name: str) -> str:
    """pytest's ``tests.test_a.TestB`` + ``test_c[x]`` back to ``tests/test_a.py::TestB::test_c[x]``."""
    parts = classname.split(".")
    for cut in range(len(parts), 0, -1):
        path = "/".join(parts[:cut]) + ".py"
        if Path(path).is_file():
            return "::".join([path, *parts[cut:], name])
    return "::".join([classname, name]) if classname else name


def read_report(path: str) -> tuple[dict[str, int], list[str]]:
    """Counts (passed, failed, errors, skipped) and the failed tests' ids of one junit report."""
    counts = {"passed": 0, "failed": 0, "errors": 0, "skipped": 0}
    failed: list[str] = []
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError):
        return counts, failed
    for case in root.iter("testcase"):
        kinds = {child.tag for child in case}
        if "failure" in kinds or "error" in kinds:
            counts["failed" if "failure" in kinds else "errors"] += 1
            failed.append(node_id(case.get("classname", ""), case.get("name", "")))
        elif "skipped" in kinds:
            counts["skipped"] += 1
        else:
            counts["passed"] += 1
    return counts, failed


def summarize(stages: list[str]) -> tuple[list[str], list[str]]:
    lines: list[str] = []
    failed_tests: list[str] = []
    width = max((len(stage.split("\t")[0]) for stage in stages), default=0)
    for stage in stages:
        name, result, report = (stage.split("\t") + ["", ""])[:3]
        counts, failed = read_report(report) if report else ({}, [])
        failed_tests += failed
        shown = ", ".join(f"{n} {kind}" for kind, n in counts.items() if n)
        if not result.isdigit():
            verdict = f"not run: {result}"
        elif result == "0":
            verdict = "ok" + (f": {shown}" if shown else "")
        else:
            verdict = f"FAILED (exit {result})" + (f": {shown}" if shown else "")
        lines.append(f"{name.ljust(width)}  {verdict}")
    return lines, failed_tests


def main(argv: list[str]) -> int:
    lines, failed_tests = summarize(argv)
    print("== dev/test.sh summary")
    print("\n".join(lines))
    if failed_tests:
        print(f"== {len(failed_tests)} failed test{'s' if len(failed_tests) > 1 else ''}:")
        print("\n".join(f"FAILED {test}" for test in failed_tests))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
