"""One login's settings, in groups: built once by an entry point (from click's options and the
stored IdP, or from the stored IdP alone for ``credential-process``) and passed down unchanged.

Secrets are never values here, only callables that fetch them when a page asks; no repr shows
a callable.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from pathlib import Path

from awscli_saml_sso import defaults


@dataclasses.dataclass(frozen=True)
class IdpOptions:
    """Where to log in, and as whom."""

    url: str | None = None
    nickname: str | None = None  # the stored IdP, recorded in the profile so `exec` can renew
    username: str | None = None
    mfa_method: str | None = None  # the factor to choose on the IdP's page (--mfa-method)
    prefer_code: bool = False  # --mfa-code given: choose the code method where there is a choice
    app: str | None = None  # the tile to open on an app dashboard (--app; default: the one naming AWS)
    # origins besides the IdP URL's that the stored IdP trusts: where the password may be typed
    # and from where --listen takes a SAML post (docs/security.md)
    allowed_origins: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class Answers:
    """Where the person's answers come from, each called only when a page asks for it."""

    password: Callable[[], str] | None = dataclasses.field(default=None, repr=False)
    mfa_code: Callable[[], str] | None = dataclasses.field(default=None, repr=False)
    # the stored IdP needed a person's step (security key, CAPTCHA): noted for next time
    remember_step: Callable[[str], None] | None = dataclasses.field(default=None, repr=False)
    # stores an origin the person confirmed (``idps.allow_origins``)
    remember_origin: Callable[[str], None] | None = dataclasses.field(default=None, repr=False)
    # the stored IdP's login needed the browser ("browser"): the next --engine auto starts there
    remember_engine: Callable[[str], None] | None = dataclasses.field(default=None, repr=False)


@dataclasses.dataclass(frozen=True)
class BrowserOptions:
    """Which browser, how it runs, and how long it waits."""

    name: str | None = None  # one of defaults.BROWSERS; None: the first one installed
    path: str | None = None
    driver_path: str | None = None
    mode: str = defaults.BROWSER_MODES[0]  # headless | show (visible, auto-filled) | manual
    timeout: float = defaults.TIMEOUT
    profile_dir: Path | None = None  # persistent profile (0700); None: temporary, removed after
    diagnostics_dir: Path | None = None  # screenshot + HTML on failure (created 0700)
    engine: str = defaults.ENGINE_BROWSER  # --engine: auto | http | browser (entry points default to auto)


@dataclasses.dataclass(frozen=True)
class RoleOptions:
    """Which granted role(s) to assume."""

    role_arn: str | None = None
    pattern: str | None = None
    index: int | None = None
    default_arn: str | None = None  # the stored IdP's role: used when it is granted
    arn_is_stored: bool = False  # role_arn is the stored IdP's default (--use-stored)
    all_roles_template: str | None = None  # every role, each to the profile this names
    account_aliases: Mapping[str, str] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class OutputOptions:
    """What is asked of STS and where the credentials go."""

    profile: str = defaults.PROFILE
    duration: int | None = None
    region: str | None = None
    endpoint_url: str | None = None
    force: bool = False  # log in even if the profile has enough time left
    verify: bool = True  # one GetCallerIdentity with the new credentials


@dataclasses.dataclass(frozen=True)
class LoginOptions:
    idp: IdpOptions = IdpOptions()
    answers: Answers = Answers()
    browser: BrowserOptions = BrowserOptions()
    roles: RoleOptions = RoleOptions()
    output: OutputOptions = OutputOptions()
