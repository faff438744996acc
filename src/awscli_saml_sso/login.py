"""The login flow: get the SAML response → parse → choose role(s) → assume → store → verify.

Returns a ``LoginResult``; never prints (progress goes through the injected ``ui``) and never
exits. Heavy modules are imported by the step that needs them.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import datetime as dt
import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Protocol

from awscli_saml_sso import inifile, sts
from awscli_saml_sso.errors import MissingAnswerError, UsageError
from awscli_saml_sso.models import Assertion, Credentials, Role

log = logging.getLogger(__name__)

DEFAULT_PROFILE = "saml"
DEFAULT_ALL_ROLES_TEMPLATE = "{account}-{role}"


class LoginUI(Protocol):
    def status(self, message: str) -> None: ...
    def warn(self, message: str) -> None: ...
    def waiting(self, label: str): ...  # context manager
    def choose(self, title: str, labels, *, option: str, allow_add: bool = False, match=None) -> int | str: ...


@dataclasses.dataclass
class LoginOptions:
    idp_url: str | None = None
    idp_nickname: str | None = None  # the stored IdP, recorded in the profile so `exec` can renew
    username: str | None = None
    password: Callable[[], str] | None = None
    mfa_code: Callable[[], str] | None = None
    mfa_method: str | None = None  # the factor to choose on the IdP's page (--mfa-method)
    prefer_code: bool = False  # --mfa-code given: choose the code method where there is a choice
    remember_step: Callable[[str], None] | None = None  # the stored IdP needed a person's step
    profile: str = DEFAULT_PROFILE
    role_arn: str | None = None
    role_pattern: str | None = None
    role_index: int | None = None
    default_role_arn: str | None = None
    role_arn_is_stored: bool = False  # role_arn is the stored IdP's default (--use-stored)
    all_roles_template: str | None = None
    duration: int | None = None
    region: str | None = None
    endpoint_url: str | None = None
    browser: str | None = None
    browser_path: str | None = None
    driver_path: str | None = None
    mode: str = "headless"
    timeout: float = 120.0
    saml_response: bytes | None = None
    listen_port: int | None = None
    # origins besides the IdP URL's that the stored IdP trusts: where the password may be typed
    # and from where --listen takes a SAML post (docs/security.md)
    allowed_origins: tuple[str, ...] = ()
    remember_origin: Callable[[str], None] | None = None  # stores an origin the person confirmed
    force: bool = False
    verify: bool = True
    browser_profile_dir: Path | None = None
    diagnostics_dir: Path | None = None
    account_aliases: Mapping[str, str] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class WrittenProfile:
    profile: str
    role: Role
    expiration: dt.datetime
    credentials_file: Path
    caller_arn: str | None = None
    credentials: Credentials | None = dataclasses.field(default=None, repr=False, compare=False)


@dataclasses.dataclass(frozen=True)
class LoginResult:
    profiles: tuple[WrittenProfile, ...]
    still_valid: bool = False  # nothing was done: the profile had enough time left

    @property
    def first(self) -> WrittenProfile:
        return self.profiles[0]


def run_login(opts: LoginOptions, ui: LoginUI, environ: Mapping[str, str]) -> LoginResult:
    if not opts.all_roles_template:  # before the person logs in, not after STS answered
        inifile.check_name(opts.profile)
    kept = _still_valid(opts, environ)
    if kept is not None:
        return kept
    # boto3 loads while the person logs in; with a browser, once the browser has been launched
    # (it starts first: the import would compete with it for the CPU)
    likely = _likely_target(opts)
    in_browser = likely is not None and opts.listen_port is None and bool(opts.idp_url)
    clients = sts.Clients(warm=None if in_browser else likely)
    try:
        launched = (lambda: clients.warm(likely)) if in_browser and likely else None
        assertion = _parse(_obtain_saml_response(opts, ui, launched), ui)
        roles = _chosen_roles(opts, assertion, ui)
        target = sts.resolve_target(assertion, opts.region, opts.endpoint_url)
        client = clients.client(target)
        names = _profile_names(opts, roles)
        written = _assume_all(opts, assertion, roles, names, client, ui, environ)
        _learn_aliases(written, target, environ)
        if opts.region or assertion.region:
            _write_region(names, target.region, environ)
        if opts.verify:
            written = _verify_all(written, target, clients, ui)
        return LoginResult(profiles=tuple(written))
    finally:
        _wait_for_browser()


def granted_roles(opts: LoginOptions, ui: LoginUI) -> Assertion:
    """``roles``: log in and read the roles the IdP grants, without assuming any."""
    try:
        return _parse(_obtain_saml_response(opts, ui), ui)
    finally:
        _wait_for_browser()


def _learn_aliases(written: list[WrittenProfile], target: sts.StsTarget, environ: Mapping[str, str]) -> None:
    """Account aliases for the menus, once per account, with the new credentials (quiet)."""
    from awscli_saml_sso import aliases

    seen: set[str] = set()
    for profile in written:
        account = profile.role.account_id
        if account in seen or profile.credentials is None:
            continue
        seen.add(account)
        aliases.learn(environ, account, profile.credentials, target.region, target.endpoint_url)


def _likely_target(opts: LoginOptions) -> sts.StsTarget | None:
    """Where STS will most likely be called (the assertion may still name another region), when
    there is a login to overlap with; a given --saml-response is parsed at once."""
    if opts.saml_response is not None:
        return None
    return sts.StsTarget(opts.region or sts.PARTITION_DEFAULT_REGION["aws"], opts.endpoint_url or None)


# -- 1. still valid? -------------------------------------------------------------------------
def _still_valid(opts: LoginOptions, environ: Mapping[str, str]) -> LoginResult | None:
    if opts.force or opts.all_roles_template or opts.saml_response is not None:
        return None
    from awscli_saml_sso import awsfiles

    info = awsfiles.read_profile(opts.profile, environ)
    if info is None or not info.role_arn:
        return None
    wanted = opts.role_arn or (None if opts.role_pattern or opts.role_index is not None else opts.default_role_arn)
    if opts.role_pattern and not _pattern_matches(opts.role_pattern, info.role_arn):
        return None
    if opts.role_index is not None:
        return None
    if not awsfiles.profile_still_valid(info, wanted, dt.datetime.now(dt.timezone.utc)):
        return None
    role = Role(info.role_arn, info.principal_arn or "")
    profile = WrittenProfile(opts.profile, role, info.expiration, awsfiles.credentials_path(environ))
    return LoginResult(profiles=(profile,), still_valid=True)


def _pattern_matches(pattern: str, role_arn: str) -> bool:
    from awscli_saml_sso import roles

    return roles.role_matches(Role(role_arn, ""), pattern)


# -- 2. the SAML response --------------------------------------------------------------------
def _obtain_saml_response(opts: LoginOptions, ui: LoginUI, launched: Callable[[], None] | None = None) -> bytes | str:
    if opts.saml_response is not None:
        ui.status("using the SAML response given with --saml-response")
        return opts.saml_response
    if not opts.idp_url:
        raise UsageError("no IdP to log in to", hint="pass --idp-url URL or --idp-nickname NAME")
    if opts.listen_port is not None:
        from awscli_saml_sso.delivery import listen

        return listen.receive_saml_response(
            opts.idp_url, opts.listen_port, opts.timeout, ui, allowed_origins=opts.allowed_origins
        )
    from awscli_saml_sso import browser

    request = browser.BrowserLogin(
        idp_url=opts.idp_url,
        browser=opts.browser,
        browser_path=opts.browser_path,
        driver_path=opts.driver_path,
        mode=opts.mode,
        username=opts.username,
        password=opts.password,
        mfa_code=opts.mfa_code,
        mfa_method=opts.mfa_method,
        prefer_code=opts.prefer_code,
        notice=getattr(ui, "notice", ui.warn),
        confirm=_confirm(ui, opts.mode),
        remember_step=opts.remember_step,
        timeout=opts.timeout,
        profile_dir=opts.browser_profile_dir,
        diagnostics_dir=opts.diagnostics_dir,
        status=ui.status,
        check_origin=origin_guard(opts, ui),
        close_in_background=True,  # STS goes on while it shuts down; see _wait_for_browser
        launched=launched,
    )
    with ui.waiting("waiting for the IdP"):
        return browser.capture_saml_response(request)


def origin_guard(opts: LoginOptions, ui: LoginUI) -> Callable[[str], None]:
    """The browser's ``check_origin``: a secret is typed only into a page whose origin
    ``origins.decide`` allows; a new origin is confirmed on the terminal (and remembered for a
    stored IdP), refused without one; plain HTTP off this machine is refused outright."""
    from awscli_saml_sso import origins

    confirmed: list[str] = []
    announced: set[str] = set()

    def check(url: str) -> None:
        decision, origin = origins.decide(url, (opts.idp_url or "", *opts.allowed_origins, *confirmed))
        if decision is origins.Decision.REFUSED:
            where = origin or (origins.origin_of(url) or url.split("?")[0][:100])
            raise UsageError(
                f"refusing to type the password into {where}: "
                + ("plain HTTP to another machine" if origin else "not a web page of the IdP"),
                hint="give the IdP's https:// URL; anyone on the way could read a password sent over http",
            )
        if decision is origins.Decision.NEEDS_CONFIRMATION:
            _confirm_origin(origin, opts, ui)
            confirmed.append(origin)
        if origin not in announced:
            announced.add(origin)
            ui.status(f"typing into {origin}")

    return check


def _confirm_origin(origin: str, opts: LoginOptions, ui: LoginUI) -> None:
    """Ask the person (only on a terminal) before a secret goes to an origin not trusted yet."""
    from awscli_saml_sso import origins

    nick = opts.idp_nickname
    allow = (
        f"awscli_saml_sso idp set {nick} --allow-origin {origin}"
        if nick
        else f"store the IdP: awscli_saml_sso idp add NICK --url URL --allow-origin {origin}"
    )
    tty = getattr(ui, "tty", lambda: None)()
    question = (
        f"The login asks for the password at {origin}, not at the IdP's "
        f"{origins.origin_of(opts.idp_url or '')}. Type it there"
        + (" and trust that origin from now on?" if nick else "?")
    )
    if tty is None or not ui.confirm(question, option="--allow-origin"):
        why = "there is no terminal to confirm it on" if tty is None else "you did not confirm it"
        raise UsageError(
            f"refusing to type the password into {origin}, an origin "
            + (f"the IdP {nick} does not trust" if nick else "other than the IdP URL's")
            + f" ({why})",
            hint=f"if it is your IdP's, allow it: {allow}",
        )
    if opts.remember_origin is not None:
        opts.remember_origin(origin)


def _confirm(ui: LoginUI, mode: str) -> Callable[[str], bool] | None:
    """The question for a hand-over to a visible window; none where a window is open already."""
    ask = getattr(ui, "confirm", None)
    if ask is None or mode != "headless":
        return None
    return lambda question: bool(ask(question, option="--show-browser"))


def _wait_for_browser() -> None:
    """The browser shuts down while STS is called: it is gone before the login returns."""
    import sys

    browser = sys.modules.get("awscli_saml_sso.browser")
    if browser is not None:
        browser.wait_closed()


def _parse(raw: bytes | str, ui: LoginUI) -> Assertion:
    from awscli_saml_sso import saml

    assertion = saml.parse_assertion(raw)
    ui.status(f"SAML response received: {len(assertion.roles)} role(s) granted")
    return assertion


# -- 3. which role(s) ------------------------------------------------------------------------
def _chosen_roles(opts: LoginOptions, assertion: Assertion, ui: LoginUI) -> list[Role]:
    from awscli_saml_sso import roles

    if opts.all_roles_template:
        return list(assertion.roles)
    result = roles.choose_role(
        assertion.roles,
        role_arn=opts.role_arn,
        pattern=opts.role_pattern,
        index=opts.role_index,
        default_arn=opts.default_role_arn,
    )
    if result.note:
        ui.warn(result.note)
    if result.role is not None and (result.how == "default" or (result.how == "role-arn" and opts.role_arn_is_stored)):
        ui.status(
            f"using stored default role {result.role.role_arn} "
            f"(change: awscli_saml_sso idp set {opts.idp_nickname} --role-arn ...)"
        )
    if result.role is not None:
        return [result.role]
    entries = roles.menu_entries(assertion.roles, dict(opts.account_aliases))
    try:
        picked = ui.choose(
            "Roles granted by the IdP:",
            [e.label for e in entries],
            option="--role-arn",
            match=lambda answer: roles.menu_match(entries, answer),
        )
    except MissingAnswerError as exc:
        raise MissingAnswerError(
            "a role choice (the IdP granted several roles)", "--role-arn ARN or --role PATTERN"
        ) from exc
    return [entries[int(picked)].role]


def _profile_names(opts: LoginOptions, chosen: list[Role]) -> list[str]:
    if not opts.all_roles_template:
        return [opts.profile]
    names = []
    for role in chosen:
        try:
            names.append(
                opts.all_roles_template.format(
                    account=role.account_id,
                    role=role.name,
                    alias=opts.account_aliases.get(role.account_id, role.account_id),
                    partition=role.partition,
                    profile=opts.profile,
                )
            )
        except (KeyError, IndexError, ValueError) as exc:
            raise UsageError(
                f"bad --all-roles template {opts.all_roles_template!r}: {exc}",
                hint="use the fields {account}, {role}, {alias}, {partition}, {profile}",
            ) from exc
    for name in names:  # a role name cannot hold a bracket or line break, but the template can
        inifile.check_name(name)
    if len(set(names)) != len(names):
        raise UsageError("the --all-roles template gives two roles the same profile name", hint="add {account}")
    return names


# -- 4. assume and store ---------------------------------------------------------------------
def _assume_all(opts, assertion, chosen, names, client, ui, environ) -> list[WrittenProfile]:
    if len(chosen) == 1:
        return [_assume_one(opts, assertion, chosen[0], names[0], client, ui, environ)]
    # One assertion, valid for minutes: assume every role at once, before it expires.
    with concurrent.futures.ThreadPoolExecutor(max_workers=min(8, len(chosen))) as pool:
        futures = [
            pool.submit(_assume_one, opts, assertion, role, name, client, ui, environ)
            for role, name in zip(chosen, names, strict=True)
        ]
        return [f.result() for f in futures]


def _assume_one(opts, assertion, role, profile, client, ui, environ) -> WrittenProfile:
    duration = sts.choose_duration(opts.duration, assertion)
    ui.status(f"assuming {role.role_arn} for {duration} s")
    try:
        creds = sts.assume_role_with_saml(client, assertion, role, duration)
    except sts.DurationExceedsMaximum:
        if duration == sts.DEFAULT_DURATION:
            raise
        ui.warn(f"{role.name}: {duration} s is above the role's maximum session duration; retrying with 3600 s")
        creds = sts.assume_role_with_saml(client, assertion, role, sts.DEFAULT_DURATION)
    path = _store(profile, role, creds, environ, opts.idp_nickname)
    ui.status(f"profile [{profile}] written to {path}")
    return WrittenProfile(profile, role, creds.expiration, path, credentials=creds)


def _store(profile: str, role: Role, creds: Credentials, environ: Mapping[str, str], nickname: str | None) -> Path:
    from awscli_saml_sso import awsfiles

    return awsfiles.write_credentials(profile, creds, role, environ, idp_nickname=nickname)


def _write_region(names: list[str], region: str, environ: Mapping[str, str]) -> None:
    from awscli_saml_sso import awsfiles

    for name in names:
        awsfiles.write_config_region(name, region, environ)


def _verify_all(
    written: list[WrittenProfile], target: sts.StsTarget, clients: sts.Clients, ui: LoginUI
) -> list[WrittenProfile]:
    if len(written) == 1:
        return [_verify(written[0], target, clients, ui)]
    with concurrent.futures.ThreadPoolExecutor(max_workers=min(8, len(written))) as pool:
        return list(pool.map(lambda w: _verify(w, target, clients, ui), written))


def _verify(written: WrittenProfile, target: sts.StsTarget, clients: sts.Clients, ui: LoginUI) -> WrittenProfile:
    assert written.credentials is not None  # set by _assume_one
    arn = sts.caller_arn(target, written.credentials, clients)
    ui.status(f"verified [{written.profile}]: {arn}")
    return dataclasses.replace(written, caller_arn=arn)
