"""One error hierarchy for the whole tool.

Logic raises these; only ``cli.main`` catches them, prints ``message`` and ``hint`` on one line
each, and exits with ``exit_code``. Nothing else prints or exits.
"""

from __future__ import annotations

import enum


class ExitCode(enum.IntEnum):
    """Documented exit codes (README "Exit codes")."""

    OK = 0
    ERROR = 1  # unexpected failure (a bug: please report it)
    USAGE = 2  # bad option or missing answer (also click's own usage errors)
    AUTH = 3  # the IdP rejected the login (wrong password, unknown user, MFA refused)
    NO_ROLE = 4  # the assertion grants no role, or not the one asked for
    STS = 5  # AWS STS refused or failed (expired assertion, access denied, ...)
    BROWSER = 6  # no browser/driver, browser crashed, a login page we cannot handle
    TIMEOUT = 7  # no SAML response within --timeout
    SAML = 8  # the SAML response is not usable (garbage, encrypted, hostile)
    FILES = 9  # reading or writing ~/.aws or the tool's home failed
    NETWORK = 10  # IdP or AWS unreachable
    HANGUP = 129  # SIGHUP: the terminal was closed
    INTERRUPTED = 130  # Ctrl-C
    TERMINATED = 143  # SIGTERM


class SamlSsoError(Exception):
    """Base of every error a user can cause or meet. ``str(err)`` is the one-line message."""

    exit_code: ExitCode = ExitCode.ERROR
    default_hint: str | None = None

    def __init_subclass__(cls, code: ExitCode | None = None, hint: str | None = None, **kwargs: object) -> None:
        """``class XError(SamlSsoError, code=ExitCode.X, hint="..."):`` sets its exit code and default hint."""
        super().__init_subclass__(**kwargs)
        if code is not None:
            cls.exit_code = code
        if hint is not None:
            cls.default_hint = hint

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint if hint is not None else self.default_hint

    def __str__(self) -> str:
        return self.message


class UsageError(SamlSsoError, code=ExitCode.USAGE):
    """A bad option or combination of options, or a bad value in one."""


class MissingAnswerError(UsageError):
    """A prompt was needed but there is no terminal: name the option that supplies the answer."""

    def __init__(self, what: str, option: str) -> None:
        super().__init__(
            f"{what} is needed but there is no terminal to ask on",
            hint=f"pass {option}",
        )
        self.option = option


class AuthError(
    SamlSsoError, code=ExitCode.AUTH, hint="check the username and password, or log in yourself with --use-browser"
):
    """The IdP rejected the login (wrong password, unknown user, MFA refused)."""


class NoRoleError(SamlSsoError, code=ExitCode.NO_ROLE, hint="ask your IdP administrator to grant you an AWS role"):
    """The assertion grants no role."""


class RoleChoiceError(NoRoleError):
    """The asked-for role is not granted, or a pattern matches none or several."""

    default_hint = None


class SamlError(SamlSsoError, code=ExitCode.SAML, hint="the IdP's answer is not a usable SAML response for AWS"):
    """The SAML response is not usable (garbage, encrypted, hostile)."""


class StsError(SamlSsoError, code=ExitCode.STS):
    """AWS STS refused or failed (expired assertion, access denied, ...)."""


class BrowserError(
    SamlSsoError, code=ExitCode.BROWSER, hint="try --show-browser to watch, or --use-browser to log in yourself"
):
    """No browser or driver, a crashed browser, a login page we cannot handle."""


class CaptureTimeout(
    SamlSsoError, code=ExitCode.TIMEOUT, hint="raise --timeout, or watch the login with --show-browser"
):
    """No SAML response within --timeout."""


class FilesError(SamlSsoError, code=ExitCode.FILES):
    """Reading or writing ~/.aws or the tool's home failed."""


class NetworkError(SamlSsoError, code=ExitCode.NETWORK, hint="check your network connection and the URL"):
    """The IdP or AWS is unreachable."""


class Interrupted(KeyboardInterrupt):
    """Ctrl-C, SIGTERM or SIGHUP, raised by the signal handler so ``finally`` blocks clean up.

    A ``KeyboardInterrupt``, not an ``Exception``: libraries' ``except Exception`` must not
    swallow it (botocore wrapped it in HTTPClientError and retried the call, so a Ctrl-C during
    the STS call was ignored for up to a minute and a half). It carries the same ``message``,
    ``hint`` and ``exit_code`` as ``SamlSsoError`` for ``cli.main``.
    """

    def __init__(self, signum: int | None = None) -> None:
        import signal

        if signum == signal.SIGTERM:
            self.message, self.exit_code = "terminated", ExitCode.TERMINATED
        elif signum == getattr(signal, "SIGHUP", None):
            self.message, self.exit_code = "hung up (the terminal was closed)", ExitCode.HANGUP
        else:
            self.message, self.exit_code = "interrupted", ExitCode.INTERRUPTED
        self.hint: str | None = None
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message
