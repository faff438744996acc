"""Save what the browser showed when a login failed: a screenshot and the page HTML, privately.

The directory is created 0700 and the files 0600. Secrets never reach the files: ``value``
attributes of password and SAMLResponse inputs are removed, and every secret the tool typed is
replaced wherever it appears in the HTML.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from awscli_saml_sso import atomicfile
from awscli_saml_sso import paths as tool_paths
from awscli_saml_sso.browser.quiet import quietly
from awscli_saml_sso.errors import FilesError

log = logging.getLogger(__name__)

_INPUT = re.compile(r"<input\b[^>]*>", re.IGNORECASE)
_SECRET_INPUT = re.compile(r"""type\s*=\s*["']?password|name\s*=\s*["']?SAMLResponse""", re.I)
_VALUE = re.compile(r"""\svalue\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)""", re.IGNORECASE)
MASK = "********"
MAX_HTML = 1_000_000  # characters of the page saved: enough to see what it was, bounded
MAX_URL = 2_000
BUDGET = 1.0  # seconds: diagnostics must not hold up the exit (the login has failed already)


def scrub(html: str, secrets: Iterable[str] = ()) -> str:
    def clean_input(match: re.Match[str]) -> str:
        tag = match.group(0)
        return _VALUE.sub(f' value="{MASK}"', tag) if _SECRET_INPUT.search(tag) else tag

    html = _INPUT.sub(clean_input, html)
    for secret in secrets:
        if secret and len(secret) >= 3:
            html = html.replace(secret, MASK)
    return html


def save(driver: Any, directory: Path | None, secrets: Iterable[str] = ()) -> list[Path]:
    """Screenshot + scrubbed HTML of the current window; the paths written (none on failure)."""
    if directory is None:
        return []
    saved: list[Path] = []
    began = time.monotonic()
    try:
        tool_paths.private_dir(directory)  # each missing parent 0700 too, whatever the umask
        stem = directory / time.strftime("login-failure-%Y%m%d-%H%M%S")
        with quietly("saving diagnostics"):
            driver.switch_to.default_content()
        with quietly("saving diagnostics"):
            url = driver.current_url.split("?")[0][:MAX_URL]
            html = f"<!-- {url} -->\n" + driver.page_source[:MAX_HTML]  # the driver's is cut already
            atomicfile.atomic_write(stem.with_suffix(".html"), scrub(html, list(secrets)).encode())
            saved.append(stem.with_suffix(".html"))
            del html
        if time.monotonic() - began < BUDGET:  # a page too busy to answer: exit now, no screenshot
            with quietly("saving diagnostics"):
                png = driver.get_screenshot_as_png()
                atomicfile.atomic_write(stem.with_suffix(".png"), png)
                saved.append(stem.with_suffix(".png"))
    except (OSError, FilesError):
        log.debug("could not save diagnostics to %s", directory, exc_info=True)
    return saved


def describe(paths: list[Path]) -> str:
    return f"; saved {' and '.join(str(p) for p in paths)}" if paths else ""
