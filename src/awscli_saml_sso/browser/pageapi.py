"""What autofill needs from a browser driver, whichever the backend: the errors that mean "the
page changed or went away, look again", and the two Selenium constants it uses.

The Chromium family runs on our own DevTools driver (:mod:`pagedriver`), Firefox on Selenium:
``PAGE_ERRORS`` holds our :class:`CdpError` and, once Selenium has been imported (only on the
Firefox path), its ``WebDriverException``. Importing this module never imports Selenium.
"""

from __future__ import annotations

import sys
from typing import Any

from awscli_saml_sso.browser.cdp import CdpError

ENTER = "\ue007"  # selenium.webdriver.common.keys.Keys.ENTER
CSS_SELECTOR = "css selector"  # selenium.webdriver.common.by.By.CSS_SELECTOR


class NoSuchWindow(CdpError):
    """The window the driver was on has closed."""


class PageLoadTimeout(CdpError):
    """``get`` did not see the page's load event within the page-load timeout."""


class ClickIntercepted(CdpError):
    """Something else is on top of the element where it would be clicked."""


def _selenium(name: str) -> tuple[type[BaseException], ...]:
    module = sys.modules.get("selenium.common.exceptions")
    return (getattr(module, name),) if module is not None else ()


def __getattr__(name: str) -> Any:
    # Computed on use: Selenium's classes join in only if Selenium is loaded (the Firefox path).
    if name == "PAGE_ERRORS":
        return (CdpError, *_selenium("WebDriverException"))
    if name == "NO_SUCH_WINDOW":
        return (NoSuchWindow, *_selenium("NoSuchWindowException"))
    if name == "PAGE_LOAD_TIMEOUT":
        return (PageLoadTimeout, *_selenium("TimeoutException"))
    raise AttributeError(name)
