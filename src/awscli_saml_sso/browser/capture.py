"""What the login flow reads from a capture backend, whichever the protocol (DevTools for the
Chromium family, WebDriver BiDi for Firefox): the captured value, a SAML POST it saw but could
not use, and the requests it failed on the guarded hosts."""

from __future__ import annotations

import queue
from collections.abc import Callable

from awscli_saml_sso.errors import BrowserError, SamlSsoError


class Capture:
    def __init__(self) -> None:
        self._results: queue.Queue[str] = queue.Queue()
        self.problem: str | None = None  # a SAML POST we saw but could not use
        self.blocked: list[str] = []  # URLs (without query) failed on the guarded hosts

    @property
    def failure(self) -> str | None:
        """Why the connection to the browser ended, once it has."""
        return None

    def result(self, timeout: float = 0.0) -> str | None:
        """The captured SAMLResponse, or None if none (yet)."""
        try:
            return self._results.get(timeout=timeout) if timeout > 0 else self._results.get_nowait()
        except queue.Empty:
            return None

    def _deliver(self, value: str) -> None:
        """Called from the protocol's thread once the POST has been answered in the browser."""
        self._results.put(value)

    def start(self) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def start_or_close(self, failure: Callable[[Exception], BrowserError]) -> None:
        """``start``; if that fails, ``close`` and raise ``failure(exc)``. Our own errors and
        interruptions (Interrupted, KeyboardInterrupt) go through as they are."""
        try:
            self.start()
        except BaseException as exc:
            self.close()
            if isinstance(exc, SamlSsoError) or not isinstance(exc, Exception):
                raise
            raise failure(exc) from exc
