"""Choose a browser (found by :mod:`discovery`), start it with safe options, and shut it all down.

Chromium, Chrome and Edge: started by us and driven over ``--remote-debugging-pipe`` (no driver,
no TCP port; :mod:`chromium`, :mod:`pagedriver`). Firefox: Selenium and geckodriver, resolved in
this order: ``--driver-path``; geckodriver on PATH; Selenium Manager (bundled with selenium),
run with ``SE_AVOID_STATS`` always and ``SE_OFFLINE`` when the browser binary is installed
locally, so it never downloads when nothing needs downloading.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from awscli_saml_sso.browser import endpoints, watchdog
from awscli_saml_sso.browser.discovery import KINDS, BrowserKind, Host, find_binary
from awscli_saml_sso.browser.processes import shutdown, shutdown_chromium
from awscli_saml_sso.defaults import HEADLESS
from awscli_saml_sso.errors import BrowserError

ENV_TEST_RESOLVER_RULES = "ASS_TEST_HOST_RESOLVER_RULES"
PROXY_VARS = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy")
INSTALL_HINT = (
    "install Chromium (Debian/Ubuntu: apt-get install chromium), Chrome, Edge, or Firefox with "
    "geckodriver; or pass --browser-path (and --driver-path for geckodriver)"
)


def choose_browser(
    name: str | None, browser_path: str | None, host: Host | None = None
) -> tuple[BrowserKind, str | None]:
    """The browser kind and its binary (None: let Selenium Manager find or fetch one); the first
    kind installed, in KINDS' order, when none is named. ``host``: where to look (this machine)."""

    def find(kind: BrowserKind) -> str | None:  # (tests stand in for find_binary with find(kind))
        return find_binary(kind) if host is None else find_binary(kind, host)

    if name is not None:
        if name not in KINDS:
            raise BrowserError(f"unknown browser {name!r}", hint=f"choose one of: {', '.join(KINDS)}")
        kind = KINDS[name]
        return kind, browser_path or find(kind)
    for kind in KINDS.values():
        binary = find(kind)
        if binary:
            return kind, browser_path or binary
    if browser_path:  # a binary of unknown kind: most are Chromium-based
        return KINDS["chrome"], browser_path
    raise BrowserError("no supported browser is installed", hint=INSTALL_HINT)


def find_driver(kind: BrowserKind, driver_path: str | None) -> str | None:
    """Firefox's geckodriver: ``--driver-path``, else on PATH, else None (Selenium Manager
    decides). The Chromium family needs no driver: None."""
    if kind.chromium_family:
        return None
    if driver_path:
        if not os.path.isfile(driver_path):
            raise BrowserError(f"driver not found: {driver_path}", hint=INSTALL_HINT)
        return driver_path
    return shutil.which(kind.driver)


@contextlib.contextmanager
def selenium_manager_env(offline: bool) -> Iterator[None]:
    """Keep Selenium Manager quiet (no stats) and, when possible, offline; restore afterwards."""
    wanted = {"SE_AVOID_STATS": "true", **({"SE_OFFLINE": "true"} if offline else {})}
    saved = {k: os.environ.get(k) for k in wanted}
    for key, value in wanted.items():
        os.environ.setdefault(key, value)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def resolver_rules() -> str | None:
    """Belt and braces: AWS sign-in hosts do not resolve (a proxy would resolve them instead)."""
    override = os.environ.get(ENV_TEST_RESOLVER_RULES)
    if override is not None:
        return override or None
    if any(os.environ.get(v) for v in PROXY_VARS):
        return None
    return endpoints.host_resolver_rules()


def chromium_arguments(mode: str, profile_dir: Path) -> list[str]:
    args = [
        # what chromedriver used to add: a popup opened by the IdP's script must open, a form
        # re-posted must not ask, a slow page must not bring up the "page unresponsive" dialog
        "--disable-popup-blocking",
        "--disable-prompt-on-repost",
        "--disable-hang-monitor",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-quic",
        "--disable-crash-reporter",  # it writes outside the profile (~/.config/chromium)
        "--disable-breakpad",
        # (Chromium still starts two chrome_crashpad_handler processes, each in a session of its
        # own, outside the group we kill: processes.shutdown_chromium finds them by the scratch
        # directory their crash database is in. --disable-crashpad-for-testing would stop them,
        # but then Chromium aborts the navigation to a 404/500 page: the first-page check could
        # no longer say "answered HTTP 404".)
        # Chromium's own traffic during a login (update checks, sign-in, the search engine's
        # preconnect, and the autofill server, which would receive the IdP form's signatures):
        # none of it is needed, all of it leaves the machine.
        "--disable-extensions",
        "--disable-default-apps",
        "--disable-component-extensions-with-background-pages",
        "--disable-domain-reliability",
        "--disable-client-side-phishing-detection",
        "--disable-search-engine-choice-screen",
        "--no-pings",
        "--no-service-autorun",
        "--disable-field-trial-config",
        # no OS keyring prompt (GNOME keyring, macOS Keychain) for the browser's own store:
        # passwords are never saved in it anyway
        "--password-store=basic",
        "--use-mock-keychain",
        "--disable-features=" + ",".join(CHROMIUM_DISABLED_FEATURES),
        f"--user-data-dir={profile_dir}",
    ]
    if mode == HEADLESS:
        args += ["--headless=new", "--window-size=1280,1024"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.append("--no-sandbox")  # Chromium refuses to start as root with its sandbox
    rules = resolver_rules()
    if rules:
        args.append(f"--host-resolver-rules={rules}")
    return args


CHROMIUM_DISABLED_FEATURES = (
    "AutofillServerCommunication",
    "OptimizationHints",
    "OptimizationHintsFetching",
    "OptimizationGuideModelDownloading",
    "MediaRouter",
    "DialMediaRouteProvider",
    "Translate",
    "InterestFeedContentSuggestions",
    "CertificateTransparencyComponentUpdater",
    "NetworkTimeServiceQuerying",
    "SearchPrefetchServicePrefetching",
    "OmniboxZeroSuggestPrefetching",
    "PrivacySandboxSettings4",
    "FedCm",
    "PreconnectToSearch",
    "SafeBrowsingAsyncRealTimeCheck",
    "UseDnsHttpsSvcb",
    "DnsOverHttps",
)

CHROMIUM_PREFS = {
    "autofill.profile_enabled": False,
    "autofill.credit_card_enabled": False,
    "search.suggest_enabled": False,
    "signin.allowed": False,
    "default_search_provider.enabled": False,  # no preconnect to the search engine
    "credentials_enable_service": False,
    "profile.password_manager_enabled": False,
    "profile.password_manager_leak_detection": False,
    "net.network_prediction_options": 2,  # no preconnect to a form's target (the AWS host)
}


@dataclasses.dataclass
class Session:
    """A running browser: the driver, the process (Chromium family) or driver service (Firefox)
    behind it, and the profile directory it owns."""

    kind: BrowserKind
    driver: Any
    service: Any  # chromium.BrowserProcess, or Selenium's geckodriver service
    profile_dir: Path
    temp_profile: bool
    started_in: float
    scratch: Path | None = None
    watchdog: Any = None

    @property
    def version(self) -> str:
        return str(self.driver.capabilities.get("browserVersion", ""))

    def close(self, hurry: bool = False) -> None:
        try:
            if self.kind.chromium_family:
                shutdown_chromium(
                    self.driver, self.service, self.profile_dir, self.temp_profile, hurry=hurry, scratch=self.scratch
                )
            else:
                shutdown(
                    self.driver, self.service, self.profile_dir, self.temp_profile, hurry=hurry, scratch=self.scratch
                )
        finally:
            if self.watchdog is not None:
                self.watchdog.release()


# Chromium makes its SingletonSocket as $TMPDIR/org.chromium.Chromium.XXXXXX/SingletonSocket (46
# characters after $TMPDIR), and a Unix socket's path has at most 103 (macOS) or 107 (Linux): with
# a longer $TMPDIR it cannot start. Our scratch is the browser's $TMPDIR only where it fits (not
# under macOS's /var/folders/...), else the browser keeps the $TMPDIR it had.
MAX_BROWSER_TMP = 103 - 46


def make_scratch() -> Path:
    """A private directory for this run, removed at shutdown: the driver's and the browser's
    $TMPDIR (``tmp``, where the path is short enough) and a throw-away profile (``profile``). A
    browser killed on Ctrl-C or a closed terminal cannot clean its own temporary directories;
    this one goes with them."""
    scratch = Path(tempfile.mkdtemp(prefix="awscli-saml-sso-"))  # mkdtemp: 0700
    (scratch / "tmp").mkdir(mode=0o700)
    return scratch


def prepare_profile(profile_dir: Path) -> Path:
    """A persistent profile directory, private, with any parents it needs (private too).

    An existing one must be ours and not writable by others (its parent too): the profile holds
    the IdP's session cookies, and a planted one could hold an attacker's extensions or
    settings (``trust``)."""
    from awscli_saml_sso import paths, trust

    trust.check_tree(profile_dir, profile_dir.parent)
    return paths.private_dir(profile_dir)


def start(
    name: str | None,
    browser_path: str | None,
    driver_path: str | None,
    mode: str,
    profile_dir: Path | None,
    status: Callable[[str], None],
    launched: Callable[[], None] | None = None,
) -> Session:
    kind, binary = choose_browser(name, browser_path)
    if (
        mode != HEADLESS
        and sys.platform.startswith("linux")
        and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    ):
        raise BrowserError(
            "a visible browser needs a display, and there is none (no $DISPLAY)",
            hint="log in headless (without --show-browser/--use-browser)",
        )
    driver_file = find_driver(kind, driver_path)
    scratch = make_scratch()
    temp = profile_dir is None
    try:
        if profile_dir is None:  # a throw-away profile, gone with the scratch
            profile = scratch / "profile"
            profile.mkdir(mode=0o700)
        else:
            profile = prepare_profile(profile_dir)
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    guard = watchdog.start(scratch)
    status(f"starting {kind.label}" + (" (headless)" if mode == HEADLESS else ""))
    began = time.monotonic()
    service = driver = None
    started: dict[str, Any] = {}  # what a start cut short has running: shut down below
    try:
        # the browser's environment: its temporary files go into our scratch
        env = dict(os.environ)
        if len(str(scratch / "tmp")) <= MAX_BROWSER_TMP:
            env["TMPDIR"] = str(scratch / "tmp")
        if kind.chromium_family:
            driver, service = _start_chromium(kind, binary, mode, profile, env, scratch, guard, started, launched)
        else:
            from awscli_saml_sso.browser import capture_bidi

            with selenium_manager_env(offline=binary is not None):
                firefox_env = browser_environment(env, scratch, home=True)
                driver, service = capture_bidi.start_firefox(binary, driver_file, mode, profile, firefox_env)
            if launched is not None:
                launched()
    except BaseException as exc:
        try:
            if kind.chromium_family:
                shutdown_chromium(
                    started.get("driver"), started.get("process"), profile, temp, hurry=True, scratch=scratch
                )
            else:
                shutdown(None, service, profile, temp, scratch=scratch)
        finally:
            if guard is not None:
                guard.release()
        if isinstance(exc, Exception) and (_is_selenium_error(exc) or _is_cdp_error(exc)):
            raise BrowserError(f"could not start {kind.label}: {_first_line(exc)}", hint=INSTALL_HINT) from exc
        raise
    session = Session(kind, driver, service, profile, temp, time.monotonic() - began, scratch, guard)
    if guard is not None and not kind.chromium_family:
        guard.watch(watchdog.browser_pids(service, profile))
    status(f"{kind.label} {session.version} started in {session.started_in:.1f} s")
    return session


def browser_environment(env: dict[str, str], scratch: Path, home: bool = False) -> dict[str, str]:
    """Chromium writes ``Crash Reports`` (crashpad's database) under ``$XDG_CONFIG_HOME`` and a
    dconf cache under ``$XDG_CACHE_HOME`` even with crash reporting off; Firefox its ``Crash
    Reports`` under ``~/.config/mozilla`` and caches under ``~/.cache``: all into the scratch, so a
    login leaves nothing in the person's home. ``home``: ``$HOME`` too (Firefox: it keeps its
    certificates in the profile; not Chromium, which reads the person's CAs in ``~/.pki``)."""
    env = dict(env)
    places = [("XDG_CONFIG_HOME", "config"), ("XDG_CACHE_HOME", "cache"), ("XDG_DATA_HOME", "data")]
    places += [("XDG_STATE_HOME", "state")] + ([("HOME", "home")] if home else [])
    for var, name in places:
        path = scratch / name
        path.mkdir(mode=0o700, exist_ok=True)
        env[var] = str(path)
    return env


def _start_chromium(
    kind: BrowserKind,
    binary: str | None,
    mode: str,
    profile: Path,
    env: dict[str, str],
    scratch: Path,
    guard: Any = None,
    started: dict[str, Any] | None = None,
    launched: Callable[[], None] | None = None,
) -> tuple[Any, Any]:
    from awscli_saml_sso.browser import chromium
    from awscli_saml_sso.browser.cdp import CdpError
    from awscli_saml_sso.browser.pagedriver import CdpDriver

    if not binary:
        raise BrowserError(f"{kind.label} is not installed", hint=INSTALL_HINT)
    if not (os.path.isfile(binary) or shutil.which(binary)):
        raise BrowserError(f"browser not found: {binary}", hint=INSTALL_HINT)
    chromium.write_preferences(profile, CHROMIUM_PREFS)
    log_file = scratch / "browser.log"
    try:
        process, connection = chromium.launch(
            binary, chromium_arguments(mode, profile), browser_environment(env, scratch), log_file
        )
    except OSError as exc:
        raise BrowserError(
            f"could not start {kind.label} ({binary}): {exc.strerror or exc}", hint=INSTALL_HINT
        ) from exc
    if guard is not None:  # at once: the watchdog kills the browser's group if we die now
        guard.watch([process.pid])
    driver = CdpDriver(connection)
    if started is not None:
        started.update(process=process, driver=driver)
    if launched is not None:  # the caller's slow work overlaps the browser's start from here
        launched()
    try:
        driver.start()
    except CdpError as exc:
        raise CdpError(chromium.last_log_line(log_file) or exc.msg) from exc
    return driver, process


def _is_cdp_error(exc: BaseException) -> bool:
    from awscli_saml_sso.browser.cdp import CdpError

    return isinstance(exc, CdpError)


def _is_selenium_error(exc: BaseException) -> bool:
    return type(exc).__module__.startswith("selenium")


def _first_line(exc: BaseException) -> str:
    text = getattr(exc, "msg", None) or str(exc) or type(exc).__name__
    return text.strip().splitlines()[0][:200]
