"""The IdP: SimpleSAMLphp 1.19 (Debian) behind PHP's built-in server, configured from realm.py.

Everything it writes lives under ``<state>/idp``: config, metadata, a fresh signing key and
certificate, sessions, logs and temporary files. Nothing under /etc is used.
"""

from __future__ import annotations

import datetime
import os
import secrets
import shutil
from pathlib import Path

from devstack import procs, realm
from devstack.settings import HOST, STACK_COMMAND, Settings

SIMPLESAMLPHP_WWW = Path("/usr/share/simplesamlphp/www")
NAME = "idp"

ROLE_ATTR = "https://aws.amazon.com/SAML/Attributes/Role"
SESSION_NAME_ATTR = "https://aws.amazon.com/SAML/Attributes/RoleSessionName"
DURATION_ATTR = "https://aws.amazon.com/SAML/Attributes/SessionDuration"
URI_FORMAT = "urn:oasis:names:tc:SAML:2.0:attrname-format:uri"
PERSISTENT = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"
SESSION_SECONDS = 24 * 3600  # the IdP session: its duration and its cookies' lifetime


class Raw(str):
    """PHP source emitted as is (a constant such as SimpleSAML\\Logger::NOTICE)."""


def php(value: object) -> str:
    """A PHP literal for str/int/bool/None/list/dict; strings single-quoted (no interpolation)."""
    if isinstance(value, Raw):
        return str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(php(v) for v in value) + "]"
    if isinstance(value, dict):
        return "[\n" + "".join(f"    {php(k)} => {php(v)},\n" for k, v in value.items()) + "]"
    raise TypeError(type(value))


def role_values(roles: tuple[str, ...]) -> list[str]:
    """AWS's Role attribute: one "role_arn,provider_arn" value per granted role."""
    return [f"{role},{realm.PROVIDER_ARN}" for role in roles]


def users() -> dict[str, dict[str, list[str]]]:
    out = {}
    for username, (password, roles) in {**realm.USERS, **realm.BENCH_USERS}.items():
        attributes = {"uid": [username]}
        if roles:
            attributes[ROLE_ATTR] = role_values(roles)
        out[f"{username}:{password}"] = attributes
    return out


def sp_metadata(acs_url: str, *, extra_audience: list[str] | None = None) -> dict:
    sp = {
        "AssertionConsumerService": [
            {"Binding": "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST", "Location": acs_url}
        ],
        "NameIDFormat": PERSISTENT,
        "saml20.sign.response": True,
        "saml20.sign.assertion": True,
        "attributes": [ROLE_ATTR, SESSION_NAME_ATTR, DURATION_ATTR],
        "attributes.NameFormat": URI_FORMAT,
        "authproc": {
            10: {"class": "saml:AttributeNameID", "attribute": "uid", "Format": PERSISTENT},
            20: {"class": "core:AttributeCopy", "uid": SESSION_NAME_ATTR},
            30: {"class": "core:AttributeAdd", DURATION_ATTR: [str(realm.SESSION_DURATION)]},
            # Only what AWS reads (the "attributes" list above), as a real AWS app would send.
            90: {"class": "core:AttributeLimit"},
        },
    }
    if extra_audience:
        sp["audience"] = extra_audience
    return sp


def write_config(settings: Settings) -> Path:
    """(Re)write the whole IdP directory; the key and certificate are kept once made."""
    root = settings.state_dir / "idp"
    for sub in ("config", "metadata", "cert", "log", "tmp", "data", "sessions", "docroot"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    _ensure_keypair(root / "cert")
    _write_php(root / "config" / "config.php", "config", _config(root))
    _write_php(
        root / "config" / "authsources.php",
        "config",
        {
            "admin": ["core:AdminPassword"],
            "example-userpass": {0: "exampleauth:UserPass", **users()},
        },
    )
    _write_php(
        root / "metadata" / "saml20-idp-hosted.php",
        "metadata['__DYNAMIC:1__']",
        {
            "host": "__DEFAULT__",
            "privatekey": "idp.key",
            "certificate": "idp.crt",
            "auth": "example-userpass",
            "signature.algorithm": "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
        },
    )
    sps = (
        f"$metadata[{php(realm.SP_ENTITY_ID)}] = {php(sp_metadata(realm.AWS_ACS_URL))};\n"
        f"$metadata[{php(realm.LISTENER_SP_ENTITY_ID)}] = "
        # The listener stands in for AWS's ACS, so its assertions must also be for AWS.
        f"{php(sp_metadata(settings.listener_acs_url, extra_audience=[realm.SP_ENTITY_ID]))};\n"
    )
    (root / "metadata" / "saml20-sp-remote.php").write_text("<?php\n" + sps)
    (root / "metadata" / "saml20-idp-remote.php").write_text("<?php\n")
    (root / "metadata" / "saml20-sp-hosted.php").write_text("<?php\n")
    link = root / "docroot" / "simplesaml"
    if not link.is_symlink():
        link.symlink_to(SIMPLESAMLPHP_WWW)
    (root / "router.php").write_text(_router())
    return root


def _config(root: Path) -> dict:
    return {
        "baseurlpath": "simplesaml/",
        "certdir": f"{root}/cert/",
        "loggingdir": f"{root}/log/",
        "datadir": f"{root}/data/",
        "tempdir": f"{root}/tmp",
        "technicalcontact_name": "devstack",
        "technicalcontact_email": "devstack@example.invalid",
        "secretsalt": secrets.token_hex(16),
        "auth.adminpassword": secrets.token_hex(16),
        "admin.protectindexpage": False,
        "admin.protectmetadata": False,
        "timezone": "UTC",
        "logging.handler": "file",
        "logging.logfile": "simplesamlphp.log",
        "logging.level": Raw("SimpleSAML\\Logger::NOTICE"),
        "enable.saml20-idp": True,
        "module.enable": {"exampleauth": True, "core": True, "saml": True, "admin": True},
        # Plain http on 127.0.0.1: a Secure or SameSite=None cookie would be dropped.
        "session.cookie.secure": False,
        "session.cookie.samesite": None,
        # Longer than STS's 12-hour maximum: AWS caps credentials at SessionNotOnOrAfter.
        "session.duration": SESSION_SECONDS,
        # A persistent session, as Keycloak's remember-me keeps: the session cookies carry an
        # expiry, so they outlive the browser and a stored IdP's profile logs in again without
        # the password page (default 0: cookies of one browser run, a password every login).
        "session.cookie.lifetime": SESSION_SECONDS,
        "session.phpsession.savepath": f"{root}/sessions",
        "store.type": "phpsession",
        "language.default": "en",
        "metadata.sources": [{"type": "flatfile", "directory": f"{root}/metadata"}],
        "showerrors": True,
        "errorreporting": False,
    }


def _write_php(path: Path, variable: str, value: dict) -> None:
    body = php(value)
    if variable == "config":
        text = f"<?php\n$config = {body};\n"
    else:
        text = f"<?php\n${variable} = {body};\n"
    path.write_text(text)


def _router() -> str:
    target = "/simplesaml/saml2/idp/SSOService.php?spentityid=" + realm.SP_ENTITY_ID.replace(":", "%3A")
    return f"""<?php
// PHP built-in server router: Keycloak's IdP-initiated path -> SimpleSAMLphp's, else as is.
$path = parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH);
if ($path === {php(realm.KEYCLOAK_IDP_INITIATED_PATH)}) {{
    header('Location: ' . {php(target)}, true, 302);
    return true;
}}
if ($path === '/' || $path === '/simplesaml' ) {{
    header('Location: /simplesaml/', true, 302);
    return true;
}}
return false;
"""


def _ensure_keypair(cert_dir: Path) -> None:
    key_path, cert_path = cert_dir / "idp.key", cert_dir / "idp.crt"
    if key_path.exists() and cert_path.exists():
        return
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "awscli-saml-sso devstack IdP")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .sign(key, hashes.SHA256())
    )
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    os.chmod(key_path, 0o600)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def start(settings: Settings) -> int:
    php_bin = shutil.which("php")
    if php_bin is None or not SIMPLESAMLPHP_WWW.is_dir():
        raise procs.StackError(f"php or SimpleSAMLphp is missing: run `{STACK_COMMAND} install` (needs root/apt)")
    root = write_config(settings)
    env = {
        **os.environ,
        "SIMPLESAMLPHP_CONFIG_DIR": str(root / "config"),
        "PHP_CLI_SERVER_WORKERS": "4",
    }
    # opcache (on for PHP's built-in server) rechecks a file's mtime only every 2 s by default:
    # every request, so a test that changes config.php is served by the new one at once.
    argv = [
        php_bin,
        "-d",
        "display_errors=stderr",
        "-d",
        "log_errors=Off",
        "-d",
        "opcache.revalidate_freq=0",
        "-d",
        f"session.save_path={root / 'sessions'}",
        "-d",
        f"session.gc_maxlifetime={SESSION_SECONDS}",  # PHP's 24-minute default would end it sooner
        "-S",
        f"{HOST}:{settings.idp_port}",
        "-t",
        str(root / "docroot"),
        str(root / "router.php"),
    ]
    return procs.start(NAME, argv, run_dir=settings.state_dir, env=env, cwd=root)


def wait_ready(settings: Settings, pid: int) -> None:
    procs.wait_http(
        HOST,
        settings.idp_port,
        "/simplesaml/saml2/idp/metadata.php",
        pid=pid,
        name="IdP (SimpleSAMLphp)",
        log=settings.state_dir / f"{NAME}.log",
    )
