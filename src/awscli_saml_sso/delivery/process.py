"""``credential-process``: credentials for the AWS SDKs' ``credential_process`` setting.

Fast path: the private cache (``delivery.cache``), served while more than 15 minutes remain;
nothing heavy is imported for it. Slow path: a non-interactive login with the stored IdP (its
URL, username and role; the password from the keyring) in a headless browser, then the cache.

Without ``--profile`` the login writes nothing to ``~/.aws``: the login flow is pointed at a
scratch credentials file inside the cache directory, removed afterwards. With ``--profile P``
the profile P is written too, for tools that read the credentials file.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
from collections.abc import Mapping
from pathlib import Path

from awscli_saml_sso import paths
from awscli_saml_sso.defaults import ENGINE_AUTO, ENGINE_BROWSER, ENGINE_ENV, HEADLESS, SHOW, TIMEOUT
from awscli_saml_sso.delivery import cache
from awscli_saml_sso.errors import MissingAnswerError
from awscli_saml_sso.models import Credentials
from awscli_saml_sso.options import Answers, BrowserOptions, IdpOptions, LoginOptions, OutputOptions, RoleOptions

log = logging.getLogger(__name__)

SCRATCH_PROFILE = "credential-process"
LOCK_MARGIN = 60.0  # seconds beyond --timeout to wait for another process's login


@dataclasses.dataclass(frozen=True)
class Request:
    """One ``credential-process`` call's options, beside what the stored IdP holds."""

    # which credentials: the cache key
    nickname: str
    role_arn: str | None = None
    profile: str | None = None  # also written to ~/.aws; None: nothing there
    # how to log in when the cache has none fresh enough
    show_browser: bool = False
    timeout: float = TIMEOUT
    browser_path: str | None = None
    driver_path: str | None = None
    endpoint_url: str | None = None

    @property
    def cache_key(self) -> dict[str, str | None]:
        return cache.key(self.nickname, self.role_arn, self.profile)


def output(creds: Credentials) -> str:
    """The JSON document the SDKs expect, in their documented key order."""
    return json.dumps(
        {
            "Version": 1,
            "AccessKeyId": creds.access_key_id,
            "SecretAccessKey": creds.secret_access_key,
            "SessionToken": creds.session_token,
            "Expiration": cache.format_expiration(creds.expiration),
        }
    )


def cached(request: Request, environ: Mapping[str, str], now: dt.datetime | None = None) -> Credentials | None:
    now = now or dt.datetime.now(dt.timezone.utc)
    return cache.load(cache.file_for(environ, request.cache_key), request.cache_key, now)


def credentials(request: Request, environ: Mapping[str, str], now: dt.datetime | None = None) -> Credentials:
    """From the cache if fresh enough, else by logging in (and caching the result)."""
    hit = cached(request, environ, now)
    if hit is not None:
        log.debug("credential-process: served from the cache until %s", hit.expiration.isoformat())
        return hit
    from awscli_saml_sso import atomicfile  # slow path only

    # SDKs start several credential processes at once (parallel clients, terraform providers):
    # one logs in per IdP (its browser profile is shared), the others wait and read its result.
    lock = cache.login_lock_path(environ, request.nickname)
    paths.private_dir(lock.parent)
    with atomicfile.locked(lock, timeout=request.timeout + LOCK_MARGIN):
        hit = cached(request, environ)
        if hit is not None:
            log.debug("credential-process: another process logged in meanwhile")
            return hit
        creds, role_arn = login(request, environ)
        cache.store(cache.file_for(environ, request.cache_key), request.cache_key, creds, role_arn)
    return creds


# -- slow path -------------------------------------------------------------------------------
def login(request: Request, environ: Mapping[str, str]) -> tuple[Credentials, str]:
    from awscli_saml_sso import idps, sources
    from awscli_saml_sso.login import run_login

    stored = idps.get(request.nickname, environ)
    log.info("credential-process: logging in with the stored IdP %s", stored.nickname)
    scratch = None if request.profile else _scratch_dir(environ)
    login_env = environ if scratch is None else _scratch_environ(environ, scratch)
    try:
        ui = _NonInteractive()
        opts = _options(request, stored, environ, ui)
        result = run_login(opts, sources.pick(opts, environ=environ), ui, login_env)
    finally:
        if scratch is not None:
            _remove_tree(scratch)
    written = result.first
    if written.credentials is None:  # pragma: no cover - force=True: always a fresh login
        raise AssertionError("login returned no credentials")
    return written.credentials, written.role.role_arn


def _options(request: Request, stored, environ: Mapping[str, str], ui=None) -> LoginOptions:  # stored: idps.StoredIdp
    """The login's option groups, once: the stored IdP's, with what the request names."""
    from awscli_saml_sso import idps, logsetup

    # Called by the browser layer only when the IdP shows a password field: a live IdP session
    # in the persistent browser profile logs in without one (and without the keyring).
    def password() -> str:
        value = idps.get_password(stored.nickname, stored.username) if stored.username else None
        if not value and ui is not None and ui.tty() is not None:
            value = ui.ask(
                f"Password for {stored.username or 'you'} ({stored.nickname})",
                what="the IdP password",
                option="--password-stdin",
                secret=True,
            )
        if not value:
            raise MissingAnswerError(
                f"the IdP password of {stored.username or 'the stored user'} (none in the keyring)",
                f"it once: awscli_saml_sso idp set {stored.nickname} "
                + ("" if stored.username else "--username USER ")
                + "--password-stdin",
            )
        logsetup.register_secret(value)
        return value

    def mfa_code() -> str:
        if ui is not None and ui.tty() is not None:
            return ui.ask("One-time code", what="the IdP's one-time code", option="--show-browser")
        raise MissingAnswerError(
            "the IdP's one-time code",
            f"--show-browser, or log in once interactively: awscli_saml_sso --idp-nickname {stored.nickname}",
        )

    return LoginOptions(
        idp=IdpOptions(
            url=stored.url,
            nickname=stored.nickname,
            username=stored.username,
            allowed_origins=tuple(stored.allowed_origins or ()),  # a new one is refused: no terminal here
        ),
        answers=Answers(
            password=password,
            mfa_code=mfa_code,
            remember_engine=lambda engine: idps.remember_engine(stored.nickname, engine, environ),
        ),
        browser=BrowserOptions(
            name=stored.browser,
            path=request.browser_path,
            driver_path=request.driver_path,
            mode=SHOW if request.show_browser else HEADLESS,
            timeout=request.timeout,
            profile_dir=paths.browser_profile_dir(environ, stored.nickname),
            diagnostics_dir=paths.diagnostics_dir(environ),
            # renewals as logins: plain HTTP first (no browser while the IdP session is live)
            engine=ENGINE_BROWSER if request.show_browser else environ.get(ENGINE_ENV) or stored.engine or ENGINE_AUTO,
        ),
        roles=RoleOptions(role_arn=request.role_arn, default_arn=stored.role_arn),
        output=OutputOptions(
            profile=request.profile or SCRATCH_PROFILE,
            duration=stored.duration,
            region=stored.region,
            endpoint_url=request.endpoint_url,
            force=True,  # the cache already said no: never answer from an older profile
            verify=False,  # one STS call less on every refresh; the SDK's next call proves them
        ),
    )


def _scratch_dir(environ: Mapping[str, str]) -> Path:
    import tempfile

    base = paths.private_dir(paths.cache_dir(environ))
    return Path(tempfile.mkdtemp(prefix="login-", dir=base))


def _scratch_environ(environ: Mapping[str, str], scratch: Path) -> dict[str, str]:
    env = dict(environ)
    env["AWS_SHARED_CREDENTIALS_FILE"] = str(scratch / "credentials")
    env["AWS_CONFIG_FILE"] = str(scratch / "config")
    return env


def _remove_tree(path: Path) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)


def _NonInteractive():  # a class built on first use (ui is not needed on the fast path
    """The login's UI for credential_process and renewals: progress only in the log (stderr
    belongs to the SDK's error report; stdin is the SDK's, often not a terminal). When the IdP
    needs the person (a password not in the keyring, a one-time code, a role choice) the
    question goes to the controlling terminal (/dev/tty) if there is one; without one every
    question is a MissingAnswerError naming the fix."""
    from awscli_saml_sso.ui import Terminal

    class NonInteractive(Terminal):
        def __init__(self) -> None:
            super().__init__()
            self.quiet = True
            self.is_tty = False

        def notice(self, message: str) -> None:
            """The number to tap on the phone: the SDK captures our stderr (it shows it only if
            we fail), so the person sees it only on the controlling terminal, when there is one."""
            tty = self.tty()
            if tty is None:
                super().notice(message)
                return
            tty.write(message + "\n")
            tty.flush()

    return NonInteractive()


# -- shadowing -------------------------------------------------------------------------------
def shadowing_warnings(names: list[str], environ: Mapping[str, str]) -> list[str]:
    """Profiles that have both ``credential_process`` (config) and static keys (credentials):
    the SDKs read the credentials file first, so ``credential_process`` would never run."""
    wanted = [n for n in dict.fromkeys(names) if n]
    if not wanted:
        return []
    from awscli_saml_sso import awsfiles, inifile  # light, but not needed above
    from awscli_saml_sso.errors import FilesError

    try:  # regular files only, size-limited: a FIFO here must not hang the SDK's call
        creds_text = awsfiles.read_text(awsfiles.credentials_path(environ))
        config_text = awsfiles.read_text(awsfiles.config_path(environ))
    except FilesError:
        return []
    credentials_sections = inifile.parse(creds_text)
    config_sections = inifile.parse(config_text)
    warnings = []
    for name in wanted:
        section = "default" if name == "default" else f"profile {name}"
        has_process = "credential_process" in (config_sections.get(section) or {})
        has_keys = "aws_access_key_id" in (credentials_sections.get(name) or {})
        if has_process and has_keys:
            warnings.append(
                f"profile [{name}] also has keys in {awsfiles.credentials_path(environ)}: the AWS SDKs use "
                f"them before credential_process, which then never refreshes them; remove them, or give "
                f"credential-process another --profile"
            )
    return warnings
