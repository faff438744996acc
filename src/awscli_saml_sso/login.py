"""The login flow: get the SAML response → parse → choose role(s) → assume → store → verify.

The options (``options.LoginOptions``) and where the SAML response comes from
(``sources.SamlSource``) are the entry point's. Returns a ``LoginResult``; never prints
(progress goes through the injected ``ui``) and never exits. Heavy modules are imported by the
step that needs them.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import datetime as dt
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Protocol

from awscli_saml_sso import inifile, sts
from awscli_saml_sso.defaults import DEFAULT_DURATION
from awscli_saml_sso.errors import MissingAnswerError, UsageError
from awscli_saml_sso.models import Assertion, Credentials, Role
from awscli_saml_sso.options import LoginOptions, OutputOptions
from awscli_saml_sso.sources import SamlSource

log = logging.getLogger(__name__)


class LoginUI(Protocol):
    def status(self, message: str) -> None: ...
    def warn(self, message: str) -> None: ...
    def waiting(self, label: str): ...  # context manager
    def choose(self, title: str, labels, *, option: str, allow_add: bool = False, match=None) -> int | str: ...


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


def run_login(opts: LoginOptions, source: SamlSource, ui: LoginUI, environ: Mapping[str, str]) -> LoginResult:
    out = opts.output
    if not opts.roles.all_roles_template:  # before the person logs in, not after STS answered
        inifile.check_name(out.profile)
    kept = None if source.given else _still_valid(opts, environ)
    if kept is not None:
        return kept
    # boto3 loads while the person logs in; with a browser, once the browser has been launched
    # (it starts first: the import would compete with it for the CPU). A given response is
    # parsed at once: nothing to overlap with.
    clients = sts.Clients()
    likely = None if source.given else _likely_target(out)
    try:
        started = (lambda: clients.warm(likely)) if likely else None
        assertion = _parse(source.obtain(ui, started), ui)
        roles = _chosen_roles(opts, assertion, ui)
        target = sts.resolve_target(assertion, out.region, out.endpoint_url)
        client = clients.client(target)
        names = _profile_names(opts, roles)
        written = _assume_all(opts, assertion, roles, names, client, ui, environ)
        _learn_aliases(written, target, environ)
        if out.region or assertion.region:
            _write_region(names, target.region, environ)
        if out.verify:
            written = _verify_all(written, target, clients, ui)
        return LoginResult(profiles=tuple(written))
    finally:
        source.wait_closed()


def granted_roles(source: SamlSource, ui: LoginUI) -> Assertion:
    """``roles``: log in and read the roles the IdP grants, without assuming any."""
    try:
        return _parse(source.obtain(ui), ui)
    finally:
        source.wait_closed()


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


def _likely_target(out: OutputOptions) -> sts.StsTarget:
    """Where STS will most likely be called (the assertion may still name another region)."""
    return sts.StsTarget(out.region or sts.PARTITION_DEFAULT_REGION["aws"], out.endpoint_url or None)


# -- 1. still valid? -------------------------------------------------------------------------
def _still_valid(opts: LoginOptions, environ: Mapping[str, str]) -> LoginResult | None:
    chosen, out = opts.roles, opts.output
    if out.force or chosen.all_roles_template:
        return None
    from awscli_saml_sso import awsfiles

    info = awsfiles.read_profile(out.profile, environ)
    if info is None or not info.role_arn:
        return None
    wanted = chosen.role_arn or (None if chosen.pattern or chosen.index is not None else chosen.default_arn)
    if chosen.pattern and not _pattern_matches(chosen.pattern, info.role_arn):
        return None
    if chosen.index is not None:
        return None
    if not awsfiles.profile_still_valid(info, wanted, dt.datetime.now(dt.timezone.utc)):
        return None
    role = Role(info.role_arn, info.principal_arn or "")
    profile = WrittenProfile(out.profile, role, info.expiration, awsfiles.credentials_path(environ))
    return LoginResult(profiles=(profile,), still_valid=True)


def _pattern_matches(pattern: str, role_arn: str) -> bool:
    from awscli_saml_sso import roles

    return roles.role_matches(Role(role_arn, ""), pattern)


# -- 2. the SAML response --------------------------------------------------------------------
def _parse(raw: bytes | str, ui: LoginUI) -> Assertion:
    from awscli_saml_sso import saml

    assertion = saml.parse_assertion(raw)
    ui.status(f"SAML response received: {len(assertion.roles)} role(s) granted")
    return assertion


# -- 3. which role(s) ------------------------------------------------------------------------
def _chosen_roles(opts: LoginOptions, assertion: Assertion, ui: LoginUI) -> list[Role]:
    from awscli_saml_sso import roles

    chosen = opts.roles
    if chosen.all_roles_template:
        return list(assertion.roles)
    result = roles.choose_role(
        assertion.roles,
        role_arn=chosen.role_arn,
        pattern=chosen.pattern,
        index=chosen.index,
        default_arn=chosen.default_arn,
    )
    if result.note:
        ui.warn(result.note)
    if result.role is not None and (result.how == "default" or (result.how == "role-arn" and chosen.arn_is_stored)):
        ui.status(
            f"using stored default role {result.role.role_arn} "
            f"(change: awscli_saml_sso idp set {opts.idp.nickname} --role-arn ...)"
        )
    if result.role is not None:
        return [result.role]
    entries = roles.menu_entries(assertion.roles, dict(chosen.account_aliases))
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
    template, profile = opts.roles.all_roles_template, opts.output.profile
    if not template:
        return [profile]
    names = []
    for role in chosen:
        try:
            names.append(
                template.format(
                    account=role.account_id,
                    role=role.name,
                    alias=opts.roles.account_aliases.get(role.account_id, role.account_id),
                    partition=role.partition,
                    profile=profile,
                )
            )
        except (KeyError, IndexError, ValueError) as exc:
            raise UsageError(
                f"bad --all-roles template {template!r}: {exc}",
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
    duration = sts.choose_duration(opts.output.duration, assertion)
    ui.status(f"assuming {role.role_arn} for {duration} s")
    try:
        creds = sts.assume_role_with_saml(client, assertion, role, duration)
    except sts.DurationExceedsMaximum:
        if duration == DEFAULT_DURATION:
            raise
        ui.warn(
            f"{role.name}: {duration} s is above the role's maximum session duration; "
            f"retrying with {DEFAULT_DURATION} s"
        )
        creds = sts.assume_role_with_saml(client, assertion, role, DEFAULT_DURATION)
    path = _store(profile, role, creds, environ, opts.idp.nickname)
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
