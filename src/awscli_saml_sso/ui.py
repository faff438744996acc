"""Everything the person at the terminal sees or types. Output for people goes to stderr;
data (JSON, export lines, URLs asked for) goes to stdout, from ``cli`` only.

Prompts read from the controlling terminal, not stdin (stdin may carry ``--password-stdin``).
With no terminal, a prompt raises ``MissingAnswerError`` naming the option that supplies it.
"""

from __future__ import annotations

import contextlib
import getpass
import io
import logging
import os
import re
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import IO, Any

from awscli_saml_sso.errors import MissingAnswerError, SamlSsoError, UsageError

SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"


# C0/C1 controls, line/paragraph separators, and the bidi overrides that reorder what is shown
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def one_line(text: str) -> str:
    """Warnings and errors quote values from files and IdPs: a line break or a terminal escape
    in them must not forge a second line or drive the terminal. Shown escaped instead."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], text)


def _open_tty() -> IO[str] | None:
    """The controlling terminal, or None (CI, credential_process, a detached session).

    A terminal cannot seek, so ``open("/dev/tty", "r+")`` fails: one descriptor is wrapped in a
    reader/writer pair instead. On Windows the console is the standard streams when they are one.
    """
    if os.name == "nt":
        return _WindowsConsole() if sys.stdin.isatty() and sys.stderr.isatty() else None
    try:
        fd = os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY)
    except OSError:
        return None
    pair = io.BufferedRWPair(io.FileIO(fd, "r", closefd=False), io.FileIO(fd, "w"))
    return io.TextIOWrapper(pair, encoding="utf-8", errors="replace", line_buffering=True)


class _WindowsConsole:
    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()

    def readline(self) -> str:
        return sys.stdin.readline()


class Terminal:
    """Progress lines with elapsed time, a spinner while waiting, and prompts."""

    def __init__(self, err: IO[str] | None = None, environ: dict[str, str] | None = None) -> None:
        self.err = err or sys.stderr
        env = os.environ if environ is None else environ
        self.is_tty = bool(getattr(self.err, "isatty", lambda: False)())
        self.color = self.is_tty and not env.get("NO_COLOR") and env.get("TERM") != "dumb"
        # Progress lines are for people watching: on a terminal. Scripts (CI, credential_process)
        # get only the result or the one-line error; with --log-level INFO they are logged.
        self.quiet = not self.is_tty
        self._start = time.monotonic()
        self._lock = threading.Lock()
        self._spinner: _Spinner | None = None
        self._tty: IO[str] | None | bool = False  # False = not looked up yet

    # -- output -----------------------------------------------------------------------------
    def _style(self, text: str, code: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.color else text

    def elapsed(self) -> float:
        return time.monotonic() - self._start

    def line(self, text: str) -> None:
        """A line for the person, on stderr, never interleaved with the spinner."""
        with self._lock:
            if self._spinner is not None and self.is_tty:
                self.err.write("\r\x1b[2K")
            self.err.write(text + "\n")
            self.err.flush()

    def status(self, message: str) -> None:
        """One progress step, stamped with the time since the start of the run."""
        if self.quiet:
            logging.getLogger("awscli_saml_sso.progress").info("%s", message)
            return
        stamp = self._style(f"[{self.elapsed():5.1f}s]", "2")
        self.line(f"{stamp} {message}")
        if self._spinner is not None:
            self._spinner.label = message

    def notice(self, message: str) -> None:
        """A line the person must act on (the number to tap on the phone): always on stderr, also
        without a terminal and at the default log level, and the spinner shows the wait."""
        self.line(self._style(message, "1") if self.color else message)
        if self._spinner is not None:
            self._spinner.label = message

    def success(self, message: str) -> None:
        self.line(self._style("✓ ", "32") + message if self.color else message)

    def warn(self, message: str) -> None:
        self.line(self._style("warning: ", "33") + one_line(message))

    def error(self, message: str, hint: str | None) -> None:
        self.line(self._style("error: ", "31;1") + one_line(message + (f" ({hint})" if hint else "")))

    @contextlib.contextmanager
    def waiting(self, label: str) -> Iterator[None]:
        """An elapsed-time spinner on a terminal while the IdP is being waited on."""
        if not self.is_tty or self.quiet:
            yield
            return
        spinner = _Spinner(self, label)
        self._spinner = spinner
        spinner.start()
        try:
            yield
        finally:
            spinner.stop()
            self._spinner = None

    # -- input ------------------------------------------------------------------------------
    def tty(self) -> IO[str] | None:
        if self._tty is False:
            self._tty = _open_tty()
        return self._tty or None

    def require_tty(self, what: str, option: str) -> IO[str]:
        tty = self.tty()
        if tty is None:
            raise MissingAnswerError(what, option)
        return tty

    def ask(self, prompt: str, *, what: str, option: str, secret: bool = False, default: str | None = None) -> str:
        tty = self.require_tty(what, option)
        suffix = f" [{default}]" if default else ""
        with self._paused():
            if secret:
                answer = getpass.getpass(f"{prompt}: ", stream=tty)
            else:
                tty.write(f"{prompt}{suffix}: ")
                tty.flush()
                answer = tty.readline()
                if not answer:
                    raise UsageError(f"no answer for {what} (end of input)", hint=f"pass {option}")
                answer = answer.rstrip("\r\n")
        answer = answer.strip() if not secret else answer
        return answer or (default or "")

    def confirm(self, question: str, *, option: str, default: bool = False) -> bool:
        answer = self.ask(f"{question} [{'Y/n' if default else 'y/N'}]", what="a confirmation", option=option)
        return default if not answer else answer.lower() in ("y", "yes")

    def choose(
        self,
        title: str,
        labels: Sequence[str],
        *,
        option: str,
        allow_add: bool = False,
        match: Callable[[str], int | None] | None = None,
    ) -> int | str:
        """A numbered menu; returns the index chosen, or ``"+"`` when adding is allowed.

        Numbered from 0, as ``--role-selection`` counts (one numbering, as in 0.3). ``match``
        turns any other answer (a role name or glob) into an index; it raises a ``SamlSsoError``
        saying why for an answer it must refuse (naming no role, or several)."""
        tty = self.require_tty(title, option)
        with self._paused():
            tty.write(f"{title}\n")
            for number, label in enumerate(labels):
                tty.write(f"  [{number}] {label}\n")
            if allow_add:
                tty.write("  [+] add a new one\n")
            tty.flush()
        expected = (
            f"answer a number from 0 to {len(labels) - 1}"
            + (" or +" if allow_add else "")
            + (", or a name or glob" if match is not None else "")
        )
        while True:
            answer = self.ask("Choose", what=title, option=option)
            if allow_add and answer == "+":
                return "+"
            if answer.isdigit() and 0 <= int(answer) < len(labels):
                return int(answer)
            if match is None or not answer or answer.isdigit():
                self.line(f"please {expected}")
                continue
            try:
                found = match(answer)
            except SamlSsoError as exc:  # names none, or several: say which, then ask again
                self.line(f"{exc.message}; {expected}")
                continue
            if found is not None:
                return found
            self.line(f"please {expected}")

    @contextlib.contextmanager
    def _paused(self) -> Iterator[None]:
        spinner = self._spinner
        if spinner is not None:
            spinner.pause()
        try:
            yield
        finally:
            if spinner is not None:
                spinner.resume()


class _Spinner:
    def __init__(self, terminal: Terminal, label: str) -> None:
        self.terminal = terminal
        self.label = label
        self._stop = threading.Event()
        self._paused = threading.Event()
        self._thread = threading.Thread(target=self._run, name="spinner", daemon=True)
        self._since = time.monotonic()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=1)
        self._clear()

    def pause(self) -> None:
        self._paused.set()
        self._clear()

    def _clear(self) -> None:
        self._write("\r\x1b[2K")

    def _write(self, text: str) -> bool:
        """A spinner frame is decoration: a terminal gone (EIO) or a closed pipe ends the spinner,
        never the login or its clean-up."""
        with self.terminal._lock:
            try:
                self.terminal.err.write(text)
                self.terminal.err.flush()
            except (OSError, ValueError):
                self._stop.set()
                return False
        return True

    def resume(self) -> None:
        self._paused.clear()

    def _run(self) -> None:
        frame = 0
        while not self._stop.wait(0.1):
            if self._paused.is_set():
                continue
            text = f"\r\x1b[2K{SPINNER[frame % len(SPINNER)]} {self.label} {time.monotonic() - self._since:4.1f}s"
            if not self._write(text):
                return
            frame += 1


def format_local_and_utc(moment: Any, now: Any = None) -> str:
    """``2026-11-22 11:00:00 CET (10:00:00 UTC), in 60 min`` for an aware datetime; the UTC part
    only where local time is not UTC."""
    import datetime as dt

    utc = moment.astimezone(dt.timezone.utc)
    local = moment.astimezone()
    text = f"{local:%Y-%m-%d %H:%M:%S %Z}"
    if local.utcoffset() != dt.timedelta(0):
        text += f" ({utc:%H:%M:%S} UTC)"
    left = (utc - (now or dt.datetime.now(dt.timezone.utc))).total_seconds()
    if left <= 0:
        return text + ", expired"
    return text + (f", in {left / 3600:.1f} h" if left >= 5400 else f", in {max(1, round(left / 60))} min")
