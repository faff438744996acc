"""What the person sees: colour only on a terminal and never with NO_COLOR; progress lines only
on a terminal (scripts get the result or one error line); expiry in words."""

from __future__ import annotations

import datetime as dt
import io

from awscli_saml_sso.ui import Terminal, format_local_and_utc


class FakeTty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_colour_on_a_terminal_only_and_never_with_no_color():
    tty, pipe, no_color = FakeTty(), io.StringIO(), FakeTty()
    Terminal(tty, {"TERM": "xterm"}).error("boom", "do this")
    Terminal(pipe, {"TERM": "xterm"}).error("boom", "do this")
    Terminal(no_color, {"TERM": "xterm", "NO_COLOR": "1"}).error("boom", "do this")
    assert "\x1b[" in tty.getvalue()
    assert pipe.getvalue() == no_color.getvalue() == "error: boom (do this)\n"


def test_progress_lines_on_a_terminal_only():
    tty, pipe = FakeTty(), io.StringIO()
    Terminal(tty, {"NO_COLOR": "1"}).status("starting Chromium")
    Terminal(pipe, {}).status("starting Chromium")
    assert "starting Chromium" in tty.getvalue() and tty.getvalue().startswith("[")
    assert pipe.getvalue() == ""


def test_expiry_in_words():
    now = dt.datetime(2026, 11, 22, 10, 0, tzinfo=dt.timezone.utc)
    assert format_local_and_utc(now + dt.timedelta(minutes=59, seconds=50), now).endswith(", in 60 min")
    assert format_local_and_utc(now + dt.timedelta(hours=12), now).endswith(", in 12.0 h")
    assert format_local_and_utc(now - dt.timedelta(seconds=1), now).endswith(", expired")
