"""``python -m awscli_saml_sso`` and the ``awscli_saml_sso`` script (pyproject's entry point).

A Ctrl-C at any moment from the first line here on ends the run with one line, never a
``KeyboardInterrupt`` traceback: until ``cli.main`` installs its own handlers (after 0.2 s of
imports) this one ends the run at once; nothing of ours needs cleaning up yet. Only what is
already loaded is used (``_signal`` without ``signal``'s enums, ``os``), so it is in place
within a millisecond of the start of this module.
"""

import _signal
import os


def _interrupted(_signum: int, _frame: object) -> None:
    _signal.signal(_signal.SIGINT, _signal.SIG_IGN)  # a second Ctrl-C changes nothing now
    try:
        os.write(2, b"error: interrupted\n")
    finally:
        os._exit(130)


_signal.signal(_signal.SIGINT, _interrupted)

from awscli_saml_sso.cli import main  # noqa: E402 - after the handler, on purpose

if __name__ == "__main__":  # pragma: no cover - exercised through `python -m`
    main()
