"""tests/platforms.py: the table of tests that need POSIX or Linux names real tests, and only
the OSes that lack what a test needs skip it."""

from __future__ import annotations

import ast
from pathlib import Path

import platforms

TESTS = Path(__file__).parent


def test_every_entry_names_a_test_that_exists():
    for key in platforms.NEEDS:
        module, _, name = key.partition("::")
        path = TESTS / module
        assert path.is_file(), f"{key}: no such module"
        if name:
            defined = {
                n.name for n in ast.walk(ast.parse(path.read_text(encoding="utf-8"))) if isinstance(n, ast.FunctionDef)
            }
            assert name in defined, f"{key}: no such test"


def test_only_the_oses_lacking_it_skip():
    posix, linux = platforms.POSIX, platforms.LINUX
    assert not platforms.lacks(posix, "linux", "posix") and not platforms.lacks(linux, "linux", "posix")
    assert not platforms.lacks(posix, "darwin", "posix") and platforms.lacks(linux, "darwin", "posix")
    assert platforms.lacks(posix, "win32", "nt") and platforms.lacks(linux, "win32", "nt")


def test_registered_so_the_whole_suite_uses_it(pytestconfig):
    assert pytestconfig.pluginmanager.has_plugin("platforms")
