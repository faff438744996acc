"""What the login flow reads from a capture backend, whichever the protocol (DevTools for the
Chromium family, WebDriver BiDi for Firefox): the captured value, a SAML POST it saw but could
not use, and the requests it failed on the guarded hosts."""

from __future__ import annotations

import queue


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
