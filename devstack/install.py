"""Install the system packages the stack needs (Debian/Ubuntu, as root), quietly if present."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

PACKAGES = ("chromium", "chromium-driver", "simplesamlphp", "php-cli", "php-xml", "php-mbstring")
POLICY_RC_D = Path("/usr/sbin/policy-rc.d")


def installed(package: str) -> bool:
    result = subprocess.run(["dpkg-query", "-W", "-f=${Status}", package], capture_output=True, text=True, check=False)
    return result.returncode == 0 and result.stdout.strip().endswith(" installed")


def missing() -> list[str]:
    if shutil.which("dpkg-query") is None:
        return []
    return [p for p in PACKAGES if not installed(p)]


def install(log=print) -> list[str]:
    """apt-get install whatever is missing; returns what was installed."""
    if shutil.which("dpkg-query") is None:
        log(
            "not a Debian system: install chromium, chromedriver, php-cli (xml, mbstring) and "
            "SimpleSAMLphp 1.19 yourself"
        )
        return []
    todo = missing()
    if not todo:
        return []
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    # simplesamlphp pulls in apache2: policy-rc.d exit 101 stops the install from starting it. For
    # the install only: one left behind would block every later service start on the host.
    made_policy = not POLICY_RC_D.exists()
    if made_policy:
        subprocess.run(
            [*sudo, "tee", str(POLICY_RC_D)],
            input="#!/bin/sh\nexit 101\n",
            text=True,
            stdout=subprocess.DEVNULL,
            check=True,
        )
        subprocess.run([*sudo, "chmod", "755", str(POLICY_RC_D)], check=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    log(f"installing {' '.join(todo)} ...")
    try:
        subprocess.run([*sudo, "apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(
            [*sudo, "apt-get", "install", "-y", "-qq", "--no-install-recommends", *todo], check=True, env=env
        )
    finally:
        if made_policy:
            subprocess.run([*sudo, "rm", "-f", str(POLICY_RC_D)], check=False)
    return todo
