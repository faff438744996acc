"""The unit tests that cannot run on every OS of the unit jobs (macOS, Windows), named once with
why: on those OSes they are skipped with that reason; on Linux nothing here is skipped.

POSIX: file modes and owners (0600/0700, umask, st_uid: Windows has ACLs instead, see
docs/windows.md), POSIX signals, FIFOs, /dev files, symbolic links (a privilege on Windows), sh
and bash, a controlling terminal. LINUX: /proc, apt and dpkg (dev/setup.sh), the devstack.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

POSIX, LINUX = "POSIX", "Linux"

#: "file.py" (the whole module) or "file.py::test_name" (every parametrisation) -> (needs, why)
NEEDS: dict[str, tuple[str, str]] = {
    "test_security_files.py": (POSIX, "file modes, owners, links and FIFOs"),
    "test_reliability_interrupts.py": (POSIX, "a pty and POSIX signals"),
    "test_devstack.py": (LINUX, "the devstack (apt, SimpleSAMLphp, its venvs) is Linux only"),
    "test_watchdog.py": (LINUX, "the watchdog reads /proc"),
    "test_awsfiles.py::test_config_region": (POSIX, "checks the 0600 mode"),
    "test_awsfiles.py::test_existing_file_made_private": (POSIX, "file modes"),
    "test_awsfiles.py::test_lock_timeout": (POSIX, "holds the lock with fcntl"),
    "test_awsfiles.py::test_new_file_and_directory_are_private": (POSIX, "file modes under a umask"),
    "test_awsfiles.py::test_read_only_directory": (POSIX, "a 0500 directory"),
    "test_awsfiles.py::test_sigkill_mid_write_leaves_old_or_new": (POSIX, "SIGKILL"),
    "test_awsfiles.py::test_symlink_kept_and_target_updated": (POSIX, "symbolic links"),
    "test_console.py::test_the_sign_in_token_is_on_no_command_line": (LINUX, "reads /proc"),
    "test_console.py::test_without_print_the_system_browser_gets_the_url": (POSIX, "a sh script as the browser"),
    "test_delivery_env.py::test_env_sh_round_trips_through_a_real_shell": (POSIX, "sh"),
    "test_delivery_env.py::test_exec_killed_by_a_signal_is_128_plus_n": (POSIX, "SIGKILL"),
    "test_delivery_formats.py::test_sh_is_evaluated_by_bash_and_unsets_the_profile": (POSIX, "bash"),
    "test_delivery_formats.py::test_env_no_export_is_sourced_by_bash_with_allexport": (POSIX, "bash"),
    "test_delivery_process.py::test_cache_round_trip_private_files_and_the_15_minute_rule": (POSIX, "file modes"),
    "test_delivery_process.py::test_the_number_to_tap_goes_to_the_controlling_terminal": (POSIX, "/dev/tty"),
    "test_docker_stack.py::test_script_is_shellcheck_clean": (POSIX, "shellcheck of a bash script"),
    "test_docker_stack.py::test_script_parses_and_is_strict": (POSIX, "bash"),
    "test_docker_stack.py::test_keycloak_config_imports_the_mounted_file": (POSIX, "bash"),
    "test_docker_stack.py::test_setup_script_is_executable": (POSIX, "the executable bit"),
    "test_first_hour.py::test_setup_installs_python3_venv_and_removes_the_policy_it_made": (LINUX, "dev/setup.sh"),
    "test_first_hour.py::test_setup_removes_its_policy_when_the_install_fails": (LINUX, "dev/setup.sh"),
    "test_first_hour.py::test_setup_keeps_a_policy_it_did_not_make": (LINUX, "dev/setup.sh"),
    "test_first_hour.py::test_setup_on_ubuntu_with_only_the_chromium_snap_says_what_to_do": (LINUX, "dev/setup.sh"),
    "test_first_hour.py::test_setup_on_ubuntu_with_a_browser_outside_snap_installs_the_rest": (LINUX, "dev/setup.sh"),
    "test_idps.py::test_loose_existing_home_is_tightened": (POSIX, "file modes"),
    "test_idps.py::test_migrates_the_03_file_once": (POSIX, "checks the 0600 mode"),
    "test_idps.py::test_private_modes_even_under_umask_0": (POSIX, "file modes under a umask"),
    "test_idps.py::test_symlinked_file_stays_a_link": (POSIX, "symbolic links"),
    "test_reliability_faults.py::test_disk_full": (POSIX, "a full filesystem of its own and file modes"),
    "test_reliability_faults.py::test_lock_held_by_a_dead_process": (POSIX, "fcntl and SIGKILL"),
    "test_saml.py::test_xxe_never_reads_the_file": (POSIX, "a FIFO"),
    "test_security_hostile_input.py::test_hostile_idps_file": (POSIX, "file modes"),
    "test_security_regressions.py::test_oversized_or_endless_aws_file_is_refused_unchanged": (POSIX, "/dev/zero"),
    "test_security_secrets.py::test_browser_profiles_parent_is_private": (POSIX, "file modes under a umask"),
    "test_terminal_sessions.py": (POSIX, "pexpect's pty"),
}


def lacks(needs: str, platform: str | None = None, os_name: str | None = None) -> bool:
    """Whether this OS (or the one named) lacks what a test needs."""
    platform, os_name = platform or sys.platform, os_name or os.name
    return (needs == POSIX and os_name != "posix") or (needs == LINUX and not platform.startswith("linux"))


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """A module that cannot even be imported here (pty on Windows) is not collected."""
    entry = NEEDS.get(collection_path.name)
    return True if entry and collection_path.suffix == ".py" and lacks(entry[0]) else None


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        module = Path(str(item.fspath)).name
        name = getattr(item, "originalname", None) or item.name
        entry = NEEDS.get(f"{module}::{name}") or NEEDS.get(module)
        if entry and lacks(entry[0]):
            item.add_marker(pytest.mark.skip(reason=f"needs {entry[0]}: {entry[1]}"))
