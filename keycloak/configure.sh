#!/bin/bash
# Loads the test realm's SAML clients, their AWS role pairs and the test users into Keycloak's
# `master` realm through the admin API (partial import), once Keycloak is healthy.
#
# Why not `start-dev --import-realm`: the IdP-initiated path of the original project (and of
# devstack/realm.py) is in the `master` realm. --import-realm skips a realm that already exists
# (master does after the first boot), and a full master import replaces what Keycloak builds
# there itself (admin console clients, admin role, bootstrap admin), so the file would have to
# carry all of that. A partial import only adds our clients, roles and users, and re-runs
# cleanly (ifResourceExists=OVERWRITE in the file).
#
# Only bash builtins besides kcadm.sh: the Keycloak image is minimal (no curl, maybe no grep).
set -euo pipefail

server="${KEYCLOAK_URL:-http://keycloak:8080/auth}"
import_file="${KEYCLOAK_IMPORT_FILE:-/opt/keycloak/setup/master-partial-import.json}"
# kcadm keeps its access token here; the image's HOME may not be writable.
kcadm_config=/tmp/kcadm.config

kcadm() {
    /opt/keycloak/bin/kcadm.sh "$@" --config "$kcadm_config"
}

echo "Logging in to ${server} as ${KC_BOOTSTRAP_ADMIN_USERNAME}..."
# A throw-away dev container: the password on kcadm's command line is visible only inside it.
kcadm config credentials --server "$server" --realm master \
    --user "$KC_BOOTSTRAP_ADMIN_USERNAME" --password "$KC_BOOTSTRAP_ADMIN_PASSWORD"

echo "Importing clients, roles and users from ${import_file} into realm master..."
kcadm create partialImport -r master -f "$import_file" -o >/dev/null
# "Remember me" on the login page: ticked, the SSO cookie outlives the browser, so a stored IdP's
# persistent browser profile logs in without the password page the next time (as Entra's
# "Stay signed in?" does).
kcadm update realms/master -s rememberMe=true

# Fail here, not later in LocalStack, if the client did not land where the tool expects it.
found="$(kcadm get clients -r master -q clientId=urn:amazon:webservices --fields clientId)"
if [[ $found != *'"urn:amazon:webservices"'* ]]; then
    echo "client urn:amazon:webservices missing after the import" >&2
    exit 1
fi
echo "... Keycloak configured"
