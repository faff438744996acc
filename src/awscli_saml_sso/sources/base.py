"""What every source of a SAML response offers the login flow (:class:`SamlSource`)."""

from __future__ import annotations

import abc
from collections.abc import Callable
from typing import Any, ClassVar, Protocol

from awscli_saml_sso.errors import UsageError
from awscli_saml_sso.options import IdpOptions


class SourceUI(Protocol):
    def status(self, message: str) -> None: ...
    def warn(self, message: str) -> None: ...
    def waiting(self, label: str) -> Any: ...  # context manager


class SamlSource(abc.ABC):
    # The response is at hand: no login to wait for (nothing to overlap with it), and a
    # profile that is still valid is no reason to skip it.
    given: ClassVar[bool] = False

    @abc.abstractmethod
    def obtain(self, ui: SourceUI, started: Callable[[], None] | None = None) -> bytes | str:
        """The SAMLResponse. ``started`` is called once a login is under way: the caller's slow
        work (loading boto3) runs while the person logs in, not before the login has begun."""

    def wait_closed(self) -> None:  # noqa: B027 - most sources leave nothing running
        """Returns once what ``obtain`` left running (a browser shutting down) is gone."""


def idp_url(idp: IdpOptions) -> str:
    """The URL to log in at: a login without one is a usage error."""
    if not idp.url:
        raise UsageError("no IdP to log in to", hint="pass --idp-url URL or --idp-nickname NAME")
    return idp.url
