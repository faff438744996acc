"""Ignore the failures of a browser that is going away, but never a signal's Interrupted."""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterator

from awscli_saml_sso.errors import SamlSsoError

log = logging.getLogger(__name__)


@contextlib.contextmanager
def quietly(what: str) -> Iterator[None]:
    """Suppress ordinary exceptions; our own errors (Interrupted included) still propagate."""
    try:
        yield
    except SamlSsoError:
        raise
    except Exception:  # best effort by design; logged for --log-level DEBUG
        log.debug("%s failed", what, exc_info=True)


def run_all(steps: list[tuple[str, Callable[[], object]]]) -> None:
    """Run every cleanup step even if one is interrupted; re-raise the interruption at the end."""
    deferred: BaseException | None = None
    for what, step in steps:
        began = time.monotonic()
        try:
            with quietly(what):
                step()
        except (SamlSsoError, KeyboardInterrupt) as exc:
            deferred = deferred or exc
        log.debug("%s: %.0f ms", what, (time.monotonic() - began) * 1000)
    if deferred is not None:
        raise deferred
