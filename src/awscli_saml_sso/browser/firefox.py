"""Start Firefox through geckodriver with safe preferences and a WebDriver BiDi websocket.

The profile directory is used in place (``-profile``), so a stored IdP's profile keeps the IdP's
session cookie between logins, and the browser's command line names the profile (which is how
leftover processes are found and killed). geckodriver writes the preferences below into the
profile's ``user.js`` at every start.

No way to make the AWS sign-in hosts unresolvable, as Chromium's ``--host-resolver-rules`` does:
``network.dns.localDomains`` sends them to 127.0.0.1:443 instead (whatever listens there would
get the POST), and a PAC file would replace the person's own proxy settings. The BiDi intercept
(:mod:`capture_bidi`) holds every request before it is sent, and nothing speculative (DNS
prefetch, preconnect, predictor) runs ahead of it with these preferences.
"""

from __future__ import annotations

import contextlib
import logging
import os
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from awscli_saml_sso import paths
from awscli_saml_sso.browser import quiet
from awscli_saml_sso.defaults import HEADLESS
from awscli_saml_sso.errors import BrowserError

DRIVER_HINT = (
    "install geckodriver on PATH (or pass --driver-path), or use Chromium: "
    "apt-get install chromium chromium-driver, then --browser chromium"
)

FIREFOX_PREFS: dict[str, Any] = {
    # No password saving, generation or breach alerts (a lookup of the site elsewhere).
    "signon.rememberSignons": False,
    "signon.autofillForms": False,
    "signon.generation.enabled": False,
    "signon.management.page.breach-alerts.enabled": False,
    # Nothing runs ahead of the intercept: no predictor, prefetch or speculative connections.
    "network.predictor.enabled": False,
    "network.predictor.enable-prefetch": False,
    "network.dns.disablePrefetch": True,
    "network.dns.disablePrefetchFromHTTPS": True,
    "network.prefetch-next": False,
    "network.http.speculative-parallel-limit": 0,
    "browser.urlbar.speculativeConnect.enabled": False,
    "browser.places.speculativeConnect.enabled": False,
    # A quiet, private, single-purpose browser.
    "browser.shell.checkDefaultBrowser": False,
    "browser.startup.homepage_override.mstone": "ignore",
    "browser.aboutwelcome.enabled": False,
    "datareporting.policy.dataSubmissionEnabled": False,
    "datareporting.healthreport.uploadEnabled": False,
    "toolkit.telemetry.enabled": False,
    "app.update.auto": False,
    "app.shield.optoutstudies.enabled": False,
    "browser.crashReports.unsubmittedCheck.autoSubmit2": False,
    "browser.download.folderList": 2,  # downloads into the profile, not a new ~/Downloads
    "browser.download.useDownloadDir": True,
    # IdPs open their login in popups (window.open on load); Firefox would block them.
    "dom.disable_open_during_load": False,
}


def options(binary: str | None, mode: str, profile: Path) -> Any:
    from selenium import webdriver

    opts = webdriver.FirefoxOptions()
    if mode == HEADLESS:
        opts.add_argument("-headless")
    opts.add_argument("-profile")
    opts.add_argument(str(profile))
    for name, value in FIREFOX_PREFS.items():
        opts.set_preference(name, value)
    opts.set_preference("browser.download.dir", str(profile / "downloads"))
    opts.set_capability("webSocketUrl", True)  # WebDriver BiDi: how the POST is caught
    # Selenium talks to geckodriver on localhost: never through the person's HTTP(S)_PROXY.
    # Deprecated for a ClientConfig, which webdriver.Firefox (4.51) does not accept yet.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        opts.ignore_local_proxy_environment_variables()
    if binary:
        opts.binary_location = binary
    return opts


def start(
    binary: str | None, driver_file: str | None, mode: str, profile: Path, env: dict[str, str] | None = None
) -> tuple[Any, Any]:
    from selenium import webdriver
    from selenium.common.exceptions import NoSuchDriverException

    # Firefox inherits geckodriver's environment: no crash reporter writing under ~/.config.
    env = {**(os.environ if env is None else env), "MOZ_CRASHREPORTER_DISABLE": "1"}
    service = webdriver.FirefoxService(executable_path=driver_file, env=env)
    try:
        with _selenium_manager_quiet(), paths.private_umask():  # geckodriver and Firefox: files 0600
            driver = webdriver.Firefox(options=options(binary, mode, profile), service=service)
    except NoSuchDriverException as exc:
        with quiet.quietly("stopping the driver"):
            service.stop()
        raise BrowserError("geckodriver (Firefox's driver) was not found", hint=DRIVER_HINT) from exc
    except BaseException:
        with quiet.quietly("stopping the driver"):
            service.stop()
        raise
    if not driver.capabilities.get("webSocketUrl"):
        with quiet.quietly("quitting the browser"):
            driver.quit()
        with quiet.quietly("stopping the driver"):
            service.stop()
        raise BrowserError(
            f"this Firefox ({driver.capabilities.get('browserVersion', '?')}) or geckodriver does "
            "not offer WebDriver BiDi, which catching the SAML response needs",
            hint="update Firefox and geckodriver, or use --browser chromium",
        )
    return driver, service


@contextlib.contextmanager
def _selenium_manager_quiet() -> Iterator[None]:
    """Selenium Manager logs a WARNING when it finds no geckodriver (offline: "Unable to discover
    proper geckodriver version"), just before the one-line error that says so with a hint: the
    person would read the same failure twice, once as a stray log line. Kept at --log-level INFO/DEBUG."""
    logger = logging.getLogger("selenium.webdriver.common.selenium_manager")
    if logger.isEnabledFor(logging.INFO):
        yield
        return
    previous = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(previous)
