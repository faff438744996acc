"""The IdP as Keycloak itself: the Maven Central distribution, run on loopback without Docker.

Fetched once into a cache outside the repository (checksum pinned here), unpacked there, and
started per stack from a small private "home" under ``<state>/keycloak``: Keycloak writes its
build (lib/quarkus), config and data under its home, so two stacks (a developer's and a test
run, or two engineers) never share a writable file. The realm is loaded from the very file the
Docker stack loads (keycloak/master-partial-import.json), through the same partial import
keycloak/configure.sh makes with kcadm.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import shutil
import subprocess
import time
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path

from devstack import procs, realm
from devstack.settings import HOST, REPO_ROOT, Settings

NAME = "idp"  # the same process name as SimpleSAMLphp: one IdP per stack, `down` stops either
VERSION = "26.5.6"
ARTIFACT = f"org.keycloak:keycloak-quarkus-dist:{VERSION}:zip"
# sha256 of keycloak-quarkus-dist-26.5.6.zip from Maven Central (pinned here rather than
# trusting the .sha1 fetched beside it from the same server).
SHA256 = "490189d9dff05272432d51f71a069462eeca97f2920a694d539a1e6c26a5a347"
IMPORT_FILE = REPO_ROOT / "keycloak" / "master-partial-import.json"
REALM = "master"
ADMIN_USER = "devstack-admin"
# Keycloak's own default heap on a machine with little memory; enough for a test realm.
HEAP = "-Xms64m -Xmx512m"
# A first start builds (augments) Keycloak: ~35 s idle, 168 s seen at load 30 on 2 cores.
START_TIMEOUT = 900.0  # in all
STALL_TIMEOUT = 240.0  # with nothing new in its log
LISTENER_CLIENT_ID = realm.LISTENER_SP_ENTITY_ID
# Build-time options: part of the cached build's name, so a change cannot reuse a stale build.
BUILD_OPTIONS = ("--db=dev-mem", f"--http-relative-path={realm.KEYCLOAK_PREFIX}")


def cache_root() -> Path:
    """$ASS_KEYCLOAK_CACHE, else $XDG_CACHE_HOME/awscli-saml-sso, else ~/.cache/awscli-saml-sso."""
    explicit = os.environ.get("ASS_KEYCLOAK_CACHE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "awscli-saml-sso"


def dist_dir() -> Path:
    return cache_root() / f"keycloak-{VERSION}"


def _build_dir() -> Path:
    tag = hashlib.sha256(" ".join(BUILD_OPTIONS).encode()).hexdigest()[:10]
    return cache_root() / f"keycloak-{VERSION}-devbuild-{tag}"


def maven_zip() -> Path:
    repo = Path(os.environ.get("ASS_MAVEN_REPO") or Path.home() / ".m2" / "repository")
    return repo / "org/keycloak/keycloak-quarkus-dist" / VERSION / f"keycloak-quarkus-dist-{VERSION}.zip"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@contextlib.contextmanager
def _cache_lock():
    """One fetch/unpack at a time across processes (parallel test sessions share the cache)."""
    root = cache_root()
    root.mkdir(parents=True, exist_ok=True)
    import fcntl  # here, not at the top: the unit tests import devstack on macOS and Windows too

    with open(root / ".keycloak.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _fetch(log) -> Path:
    """The zip in the local Maven repository, downloaded by Maven if absent."""
    path = maven_zip()
    if path.is_file():
        return path
    mvn = shutil.which("mvn")
    if mvn is None:
        raise procs.StackError(
            "Keycloak is not cached and Maven (mvn) is missing: run "
            "`bash dev/setup.sh --keycloak` (installs maven and a Java 17)"
        )
    log(f"fetching Keycloak {VERSION} from Maven Central (once; ~165 MB)")
    argv = [mvn, "-q", "-B", "dependency:get", f"-Dartifact={ARTIFACT}", "-Dtransitive=false"]
    if os.environ.get("ASS_MAVEN_REPO"):
        argv.append(f"-Dmaven.repo.local={os.environ['ASS_MAVEN_REPO']}")
    done = subprocess.run(argv, capture_output=True, text=True)
    if done.returncode != 0 or not path.is_file():
        raise procs.StackError(f"mvn could not fetch {ARTIFACT}:\n{(done.stdout + done.stderr)[-2000:]}")
    return path


def ensure(log=lambda msg: None) -> Path:
    """The unpacked, checksum-verified distribution in the cache; fetched and unpacked once."""
    dist = dist_dir()
    stamp = dist / ".verified-sha256"
    if stamp.is_file() and stamp.read_text().strip() == SHA256:
        return dist
    with _cache_lock():
        if stamp.is_file() and stamp.read_text().strip() == SHA256:
            return dist
        archive = _fetch(log)
        actual = sha256_of(archive)
        if actual != SHA256:
            archive.unlink()  # a corrupt or tampered download must not stay in Maven's cache
            raise procs.StackError(
                f"{archive.name}: sha256 {actual} is not the pinned {SHA256}; deleted it, run again to fetch it anew"
            )
        log(f"unpacking Keycloak {VERSION} into {cache_root()}")
        scratch = cache_root() / f".unpack-{os.getpid()}"
        shutil.rmtree(scratch, ignore_errors=True)
        with zipfile.ZipFile(archive) as z:
            z.extractall(scratch)
        for script in (scratch / f"keycloak-{VERSION}" / "bin").glob("*.sh"):
            script.chmod(0o755)  # zipfile drops the mode bits
        shutil.rmtree(dist, ignore_errors=True)
        (scratch / f"keycloak-{VERSION}").rename(dist)
        scratch.rmdir()
        stamp.write_text(SHA256 + "\n")
    return dist


def make_home(dist: Path, home: Path) -> None:
    """A private Keycloak home: writable parts copied, the 160 MB of jars and themes linked."""
    shutil.rmtree(home, ignore_errors=True)
    (home / "bin").mkdir(parents=True)
    (home / "lib").mkdir()
    shutil.copy2(dist / "bin" / "kc.sh", home / "bin" / "kc.sh")  # kc.sh finds its home by its own path
    shutil.copytree(dist / "conf", home / "conf")
    shutil.copytree(dist / "lib" / "app", home / "lib" / "app")
    shutil.copy2(dist / "lib" / "quarkus-run.jar", home / "lib" / "quarkus-run.jar")
    # A build made by an earlier start with the same build options saves the ~35 s augmentation.
    built = _build_dir()
    shutil.copytree(built if built.is_dir() else dist / "lib" / "quarkus", home / "lib" / "quarkus")
    (home / "lib" / "lib").symlink_to(dist / "lib" / "lib")
    for name in ("providers", "themes"):
        (home / name).symlink_to(dist / name)
    shutil.copy2(dist / "version.txt", home / "version.txt")


def _keep_build(home: Path) -> None:
    """After a good start: keep its augmented build for the next stacks (atomic rename)."""
    built = _build_dir()
    if built.is_dir():
        return
    scratch = cache_root() / f".build-{os.getpid()}"
    shutil.rmtree(scratch, ignore_errors=True)
    shutil.copytree(home / "lib" / "quarkus", scratch)
    try:
        scratch.rename(built)
    except OSError:  # another stack kept its build first: the same options, so the same build
        shutil.rmtree(scratch, ignore_errors=True)


def admin_password(settings: Settings) -> str:
    return (settings.state_dir / "keycloak-admin").read_text().strip()


def java() -> str:
    found = shutil.which("java")
    if found is None:
        raise procs.StackError(
            "Keycloak needs Java 17+: run `bash dev/setup.sh --keycloak` (installs openjdk-17-jre-headless)"
        )
    return found


def start(settings: Settings, log=lambda msg: None) -> int:
    java()
    dist = ensure(log)
    home = settings.state_dir / "keycloak"
    make_home(dist, home)
    password = secrets.token_urlsafe(18)
    secret_file = settings.state_dir / "keycloak-admin"
    secret_file.write_text(password + "\n")
    secret_file.chmod(0o600)
    env = {
        **os.environ,
        "KC_BOOTSTRAP_ADMIN_USERNAME": ADMIN_USER,
        "KC_BOOTSTRAP_ADMIN_PASSWORD": password,
        "JAVA_OPTS_KC_HEAP": os.environ.get("ASS_KEYCLOAK_HEAP", HEAP),
    }
    env.pop("JAVA_OPTS", None)  # kc.sh would then drop its own defaults, heap included
    base = f"http://{HOST}:{settings.idp_port}{realm.KEYCLOAK_PREFIX}"
    argv = [
        str(home / "bin" / "kc.sh"),
        "start-dev",
        *BUILD_OPTIONS,
        f"--http-host={HOST}",
        f"--http-port={settings.idp_port}",
        # A fixed hostname: metadata and every assertion name the same issuer, whoever asks.
        f"--hostname={base}",
    ]
    return procs.start(NAME, argv, run_dir=settings.state_dir, env=env, cwd=home)


def wait_ready(settings: Settings, pid: int) -> None:
    """Until the realm answers. A start still making progress (its log grows) is given time: on
    a loaded 2-core machine a first start's build alone was seen taking 168 s, then 150 s more;
    one silent for STALL_TIMEOUT, or running past START_TIMEOUT in all, has failed."""
    log = settings.state_dir / f"{NAME}.log"
    limit = float(os.environ.get("ASS_KEYCLOAK_START_TIMEOUT", START_TIMEOUT))
    started = last_progress = time.monotonic()
    size = -1
    while True:
        try:
            procs.wait_http(
                HOST,
                settings.idp_port,
                f"{realm.KEYCLOAK_PREFIX}/realms/{REALM}",
                pid=pid,
                name="IdP (Keycloak)",
                log=log,
                timeout=15.0,
                # Seconds to wait, not milliseconds: leave the CPU to its start.
                interval=0.5,
            )
            break
        except procs.StackError:
            now = time.monotonic()
            if not procs.group_members(pid):
                raise  # it exited: wait_http's message has the log's tail
            new_size = log.stat().st_size if log.exists() else 0
            if new_size != size:
                size, last_progress = new_size, now
            if now - last_progress > STALL_TIMEOUT or now - started > limit:
                raise procs.StackError(
                    f"IdP (Keycloak) not ready on port {settings.idp_port} after "
                    f"{now - started:.0f}s (log silent for {now - last_progress:.0f}s):\n"
                    f"{procs.tail(log)}"
                ) from None
    _keep_build(settings.state_dir / "keycloak")


# -- admin REST API ------------------------------------------------------------------------


class Admin:
    """Keycloak's admin REST API as the bootstrap admin (import, test users)."""

    def __init__(self, base_url: str, username: str, password: str) -> None:
        self.base = base_url
        self._username, self._password = username, password
        self._token = ""
        self._token_at = 0.0

    @classmethod
    def of(cls, settings: Settings) -> Admin:
        """The admin of a Keycloak this devstack started (its password is in the state dir)."""
        return cls(settings.keycloak_base_url, ADMIN_USER, admin_password(settings))

    def token(self) -> str:
        # admin-cli tokens live 60 s: take a new one well before that.
        if time.monotonic() - self._token_at > 30:
            body = urllib.parse.urlencode(
                {
                    "grant_type": "password",
                    "client_id": "admin-cli",
                    "username": self._username,
                    "password": self._password,
                }
            )
            answer = self._raw(
                "POST",
                f"/realms/{REALM}/protocol/openid-connect/token",
                body.encode(),
                "application/x-www-form-urlencoded",
                auth=False,
            )
            self._token, self._token_at = json.loads(answer)["access_token"], time.monotonic()
        return self._token

    def _raw(self, method: str, path: str, body: bytes | None, content_type: str, auth: bool = True) -> bytes:
        headers = {"Content-Type": content_type}
        if auth:
            headers["Authorization"] = f"Bearer {self.token()}"
        request = urllib.request.Request(self.base + path, data=body, method=method, headers=headers)
        with urllib.request.urlopen(request, timeout=60) as answer:  # loopback
            return answer.read()

    def call(self, method: str, path: str, payload: object = None) -> object:
        body = None if payload is None else json.dumps(payload).encode()
        raw = self._raw(method, f"/admin/realms/{REALM}{path}", body, "application/json")
        return json.loads(raw) if raw.strip() else None

    def client(self, client_id: str) -> dict:
        found = self.call("GET", "/clients?clientId=" + urllib.parse.quote(client_id, safe=""))
        return found[0]  # type: ignore[index]

    def user_id(self, username: str) -> str:
        found = self.call("GET", "/users?exact=true&username=" + urllib.parse.quote(username))
        return found[0]["id"]  # type: ignore[index]


def configure(settings: Settings) -> None:
    """Load the realm file (partial import, as keycloak/configure.sh does for Docker), then point
    the --listen client at this stack's listener port."""
    try:
        admin = Admin.of(settings)
        admin.call("POST", "/partialImport", json.loads(IMPORT_FILE.read_text()))
        admin.call("PUT", "", {"rememberMe": True})  # as keycloak/configure.sh: a lasting SSO cookie
        listener = admin.client(LISTENER_CLIENT_ID)
        acs = settings.listener_acs_url
        listener["redirectUris"] = [acs]
        listener["attributes"]["saml_assertion_consumer_url_post"] = acs
        admin.call("PUT", f"/clients/{listener['id']}", listener)
    except OSError as err:
        raise procs.StackError(f"configuring Keycloak at {settings.keycloak_base_url} failed: {err}") from err
