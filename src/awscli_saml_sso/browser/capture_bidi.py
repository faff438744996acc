"""Firefox: catching the SAML POST through WebDriver BiDi. Not built yet.

The plan (measured on Firefox 153, see STACK.md): ``network.addIntercept`` at
``beforeRequestSent`` for the AWS sign-in hosts and the endpoints, read the held request's body
with ``network.getData`` (after ``network.addDataCollector``), then ``network.failRequest`` or
``network.provideResponse``. Until then Firefox fails early with a clear message, before any
browser starts, so nothing is ever sent to AWS unguarded.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from awscli_saml_sso.errors import BrowserError

HINT = ("use Chrome, Chromium or Edge (Debian/Ubuntu: apt-get install chromium chromium-driver) "
        "with --browser chromium")


def start_firefox(binary: str | None, driver: str | None, mode: str, profile: Path) -> Any:
    raise BrowserError("Firefox is not supported yet", hint=HINT)


def start_capture(driver: Any, endpoints: tuple[str, ...]) -> Any:
    raise BrowserError("Firefox is not supported yet", hint=HINT)
