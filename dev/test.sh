#!/usr/bin/env bash
# Sets up everything (dev/setup.sh) and runs the whole test suite: unit tests, the local stack
# (SimpleSAMLphp + strict moto STS, started and stopped by the tests; the real Keycloak too, for
# the tests parametrised over both IdPs), real headless Chromium.
# Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash dev/setup.sh
export SE_OFFLINE=true SE_AVOID_STATS=true
# The Keycloak-parametrised tests need Keycloak in its cache (~/.cache/awscli-saml-sso): fetched
# here once (Maven Central, sha256 checked), so a download problem is one clear line, not a
# failing test; later runs find it cached.
skip=()  # markers to deselect (pytest honours only one -m: joined below)
if [ "${ASS_SKIP_KEYCLOAK:-}" != 1 ]; then
  .venv/bin/python -m devstack fetch
else
  skip+=("not keycloak")
fi
# The LocalStack tests (single-role logins against LocalStack 4.13.1 itself) need its venv in the
# same cache: installed here once from PyPI (~1.5-2 min), reused later. ASS_SKIP_LOCALSTACK=1 skips.
if [ "${ASS_SKIP_LOCALSTACK:-}" != 1 ]; then
  .venv/bin/python -m devstack fetch --aws localstack
else
  skip+=("not localstack")
fi
kc_args=()
if ((${#skip[@]})); then
  joined=$(printf ' and %s' "${skip[@]}")
  kc_args=(-m "${joined# and }")
fi
# Each stage is run to its end and recorded; the last lines are one line per stage and the
# failed tests by name (dev/summary.py, from pytest's junit reports), so a failure is never
# 40 lines above a later stage's "passed".
reports=$(mktemp -d)
trap 'rm -rf "$reports"' EXIT
stages=()  # "NAME<TAB>exit status or why not run<TAB>junit report"
status=0
stage() {  # stage NAME REPORT COMMAND...: run COMMAND, record how it ended
  local name=$1 report=$2 rc=0
  shift 2
  "$@" || rc=$?
  stages+=("$name"$'\t'"$rc"$'\t'"$report")
  if [ "$rc" -ne 0 ]; then status=1; fi
}
# shellcheck disable=SC2329  # run through stage
lint() {  # lint and format check (config in pyproject.toml): seconds, and a failure names the line
  local rc=0
  .venv/bin/ruff check . || rc=$?
  .venv/bin/ruff format --check . || rc=$?
  return "$rc"
}
stage lint "" lint
stage "main suite" "$reports/main.xml" \
  .venv/bin/python -m pytest -q --junitxml="$reports/main.xml" ${kc_args[@]+"${kc_args[@]}"} "$@"
# "3.10+" is a promise: run the unit tests (no stack, no browser) on the oldest and newest
# Pythons this machine has, when it has them. A venv or pip failure is that stage's failure.
# shellcheck disable=SC2329  # run through stage
units() {  # units VERSION PYTHON
  local venv=".venv-$1" rc=0
  [ -x "$venv/bin/python" ] || "$2" -m venv "$venv" || return
  "$venv/bin/python" -m pip install -q --disable-pip-version-check -e '.[test]' >"$reports/pip-$1.log" 2>&1 || rc=$?
  grep -v "^WARNING: Location '.*' is ignored" "$reports/pip-$1.log" || true
  [ "$rc" -eq 0 ] || return "$rc"
  echo "== unit tests on $("$venv/bin/python" --version)"
  "$venv/bin/python" -m pytest -q -p no:cacheprovider -m "not e2e and not browser and not packaging" --junitxml="$reports/units-$1.xml"
}
if [ $# -eq 0 ]; then
  for version in 3.10 3.13; do
    # pyenv's shims answer `command -v` for versions that are not active: look in pyenv's own tree.
    # shellcheck disable=SC2012  # a glob of version directories: no odd names
    py=$(ls -d "${PYENV_ROOT:-$HOME/.pyenv}"/versions/"$version"*/bin/python"$version" 2>/dev/null | tail -n 1)
    [ -n "$py" ] || py=$(command -v "python$version" || true)
    if [ -n "$py" ] && "$py" -c 'import venv' 2>/dev/null; then
      stage "$version units" "$reports/units-$version.xml" units "$version" "$py"
    else
      stages+=("$version units"$'\t'"python$version not found on this machine"$'\t')
    fi
  done
fi
.venv/bin/python dev/summary.py "${stages[@]}"
exit $status
