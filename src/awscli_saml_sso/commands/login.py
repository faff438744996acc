"""``awscli_saml_sso [login]``: options → ``LoginOptions`` and a SAML source → ``run_login`` →
lines for the person."""

from __future__ import annotations

import shlex
import threading
from collections.abc import Mapping
from typing import IO, Any

from awscli_saml_sso import defaults, logsetup, paths, sources
from awscli_saml_sso.commands import stored_idp
from awscli_saml_sso.errors import UsageError
from awscli_saml_sso.login import LoginResult, run_login
from awscli_saml_sso.options import Answers, BrowserOptions, IdpOptions, LoginOptions, OutputOptions, RoleOptions
from awscli_saml_sso.ui import Terminal, format_local_and_utc

MAX_PASSWORD_BYTES = 4096


def login(options: dict[str, Any], term: Terminal, environ: Mapping[str, str], stdin: IO[bytes]) -> LoginResult:
    _check_combinations(options)
    stored = stored_idp.resolve(options, term, environ)
    if getattr(stored, "needs_person", None):
        term.warn(
            f"last time, {stored.nickname} asked for {stored.needs_person}: a visible window "
            "is offered on a terminal for that step (or pass --show-browser)"
        )
    secret = _PasswordSource(options, stored, term, stdin)
    opts = build_options(options, term, environ, secret, stored)
    result = run_login(opts, source(options, opts, environ), term, environ)
    report(result, term)
    if stored is not None and not result.still_valid:
        stored_idp.after_login(stored, options, opts, result, secret.typed, term, environ)
    return result


def _check_combinations(o: dict[str, Any]) -> None:
    if o.get("idp_url"):
        from awscli_saml_sso import idps  # light: the validation only

        o["idp_url"] = idps.validate_url(o["idp_url"])
    if o.get("show_browser") and o.get("use_browser"):
        raise UsageError("--show-browser and --use-browser exclude each other", hint="pick one")
    choices = [n for n in ("role_arn", "role_pattern", "role_selection", "all_roles") if o.get(n) is not None]
    if len(choices) > 1:
        names = ", ".join("--" + n.replace("_pattern", "").replace("_", "-") for n in choices)
        raise UsageError(f"{names} exclude each other", hint="choose the role one way")
    if o.get("password_stdin") and o.get("saml_response") is not None and o["saml_response"].name == "<stdin>":
        raise UsageError("--password-stdin and --saml-response - both want standard input")
    if o.get("idp_url") and o.get("idp_nickname"):
        raise UsageError("--idp-url and --idp-nickname exclude each other", hint="--idp-url is for one-off logins")
    if o.get("use_stored") and not o.get("idp_nickname") and o.get("idp_url"):
        raise UsageError("--use-stored needs a stored IdP", hint="pass --idp-nickname NAME instead of --idp-url")


def build_options(
    o: dict[str, Any], term: Terminal, environ: Mapping[str, str], secret: _PasswordSource, stored: Any = None
) -> LoginOptions:
    """The option groups, once: a value given on the command line wins over the stored IdP's."""
    mode = defaults.MANUAL if o.get("use_browser") else defaults.SHOW if o.get("show_browser") else defaults.HEADLESS
    pick = _Defaults(o, stored)
    username = pick("username")
    if username is None and mode != defaults.MANUAL and o.get("saml_response") is None and o.get("listen") is None:
        username = term.ask("Username", what="the IdP username", option="--username")
    secret.username = username
    use_stored_role = bool(stored and stored.role_arn and o.get("use_stored"))
    return LoginOptions(
        idp=IdpOptions(
            url=o.get("idp_url") or (stored.url if stored else None),
            nickname=stored.nickname if stored else None,
            username=username,
            mfa_method=o.get("mfa_method") or getattr(stored, "mfa_method", None),
            prefer_code=bool(o.get("mfa_code")),
            app=o.get("app") or getattr(stored, "app", None),
            allowed_origins=tuple(getattr(stored, "allowed_origins", None) or ()),
        ),
        answers=Answers(
            password=secret,
            mfa_code=_mfa_source(o, term),
            remember_step=stored_idp.step_recorder(stored, environ) if stored else None,
            remember_origin=_remember_origin(stored, environ),
            remember_engine=stored_idp.engine_recorder(stored, environ) if stored else None,
        ),
        browser=BrowserOptions(
            name=pick("browser"),
            path=o.get("browser_path"),
            driver_path=o.get("driver_path"),
            mode=mode,
            timeout=float(o.get("timeout") or defaults.TIMEOUT),
            profile_dir=paths.browser_profile_dir(environ, stored.nickname) if stored else None,
            diagnostics_dir=paths.diagnostics_dir(environ),
            engine=engine(o.get("engine"), stored, mode, o.get("listen")),
        ),
        roles=RoleOptions(
            role_arn=o.get("role_arn") or (stored.role_arn if use_stored_role else None),
            pattern=o.get("role_pattern"),
            index=o.get("role_selection"),
            default_arn=stored.role_arn if stored else None,
            arn_is_stored=not o.get("role_arn") and use_stored_role,
            all_roles_template=o.get("all_roles"),
            account_aliases=_aliases(environ),
        ),
        output=OutputOptions(
            profile=pick("profile") or defaults.PROFILE,
            duration=pick("duration"),
            region=pick("region"),
            endpoint_url=o.get("endpoint_url"),
            force=bool(o.get("force")),
            verify=not o.get("no_verify"),
        ),
    )


def engine(given: str | None, stored: Any, mode: str, listen: int | None) -> str:
    """``--engine`` (or ``ASS_ENGINE``), else the stored IdP's, else auto; a visible window or
    ``--listen`` is the browser's (the person's own, for ``--listen``) from the first page."""
    if mode != defaults.HEADLESS or listen is not None:
        return defaults.ENGINE_BROWSER
    return given or getattr(stored, "engine", None) or defaults.ENGINE_AUTO


def source(o: dict[str, Any], opts: LoginOptions, environ: Mapping[str, str]) -> sources.SamlSource:
    """``--saml-response`` (read now), ``--listen``, else plain HTTP and/or the browser."""
    return sources.pick(opts, _read_saml_response(o.get("saml_response")), o.get("listen"), environ)


def _aliases(environ: Mapping[str, str]) -> dict[str, str]:
    from awscli_saml_sso import aliases

    return aliases.load(environ)


def _remember_origin(stored: Any, environ: Mapping[str, str]):  # Callable or None
    """A stored IdP remembers an origin the person confirmed (``idps.allowed_origins``)."""
    if stored is None:
        return None

    def remember(origin: str) -> None:
        from awscli_saml_sso import idps

        idps.allow_origins(stored.nickname, [origin], environ)

    return remember


class _Defaults:
    """An option given on the command line wins over the stored IdP's value."""

    def __init__(self, options: dict[str, Any], stored: Any) -> None:
        self.options, self.stored = options, stored

    def __call__(self, name: str) -> Any:
        given = self.options.get(name)
        if given is not None:
            return given
        return getattr(self.stored, name, None) if self.stored is not None else None


class _PasswordSource:
    """Called by the browser layer only when the IdP shows a password field: ``--password-stdin``,
    else the keyring (``--use-stored``), else a prompt on the terminal."""

    def __init__(self, options: dict[str, Any], stored: Any, term: Terminal, stdin: IO[bytes]) -> None:
        self.term, self.stored = term, stored
        self.use_stored = bool(options.get("use_stored"))
        self.username: str | None = None
        self.typed: str | None = None  # a password typed at the prompt, to offer to store
        self._value = _read_password(stdin) if options.get("password_stdin") else None
        logsetup.register_secret(self._value)
        self._prefetch: threading.Thread | None = None
        if self._value is None and self.use_stored and stored is not None and stored.username:
            # Loading keyring and asking it takes 0.2-0.8 s: done while the browser starts.
            self._fetched: list[str | None] = []
            self._prefetch = threading.Thread(target=self._fetch, args=(stored.username,), daemon=True)
            self._prefetch.start()

    def _fetch(self, username: str) -> None:
        from awscli_saml_sso import idps  # keyring is heavy

        self._fetched.append(idps.get_password(self.stored.nickname, username))

    def __call__(self) -> str:
        if self._value is None and self.use_stored and self.stored is not None and self.username:
            if self._prefetch is not None and self.username == self.stored.username:
                self._prefetch.join()
                self._value = self._fetched[0] if self._fetched else None
            else:
                from awscli_saml_sso import idps  # keyring is heavy

                self._value = idps.get_password(self.stored.nickname, self.username)
            logsetup.register_secret(self._value)
        if self._value is None:
            who = self.username or "you"
            # the option that would answer, said only when there is no terminal (it may ask the keyring)
            option = self._password_option() if self.term.tty() is None else "--password-stdin"
            self._value = self.typed = self.term.ask(
                f"Password for {who}", what="the IdP password", option=option, secret=True
            )
            logsetup.register_secret(self._value)
        return self._value

    def _password_option(self) -> str:
        if self.stored is None:
            return "--password-stdin"
        username = self.username or self.stored.username
        if not self.use_stored and username:
            from awscli_saml_sso import idps  # keyring is heavy: only on this error path

            if idps.get_password(self.stored.nickname, username) is not None:
                # the step just done (`idp set NICK --password-stdin`) is not the one missing
                return f"--use-stored: the keyring holds the password of {username} for '{self.stored.nickname}'"
        return (
            "--password-stdin, or keep it in the keyring for --use-stored: "
            f"awscli_saml_sso idp set {self.stored.nickname} --password-stdin"
        )


def _read_password(stdin: IO[bytes]) -> str:
    raw = stdin.readline(MAX_PASSWORD_BYTES + 1)
    if len(raw) > MAX_PASSWORD_BYTES:
        raise UsageError("the password on standard input is too long", hint="pass one line, the password")
    try:
        password = raw.decode("utf-8", errors="strict").rstrip("\r\n")
    except UnicodeDecodeError:
        raise UsageError(
            "--password-stdin: standard input is not UTF-8 text", hint="pass the password as UTF-8"
        ) from None
    if not password:
        raise UsageError(
            "--password-stdin: standard input is empty", hint="pipe the password in, e.g. from your password manager"
        )
    return password


def _mfa_source(o: dict[str, Any], term: Terminal):
    code = o.get("mfa_code")
    if code:
        return lambda: code

    def ask() -> str:
        return term.ask("One-time code", what="the IdP's one-time code", option="--mfa-code")

    return ask


def _read_saml_response(handle: IO[bytes] | None) -> bytes | None:
    if handle is None:
        return None
    from awscli_saml_sso.saml import MAX_INPUT_BYTES

    data = handle.read(MAX_INPUT_BYTES * 2 + 1)
    logsetup.register_secret(data.decode("ascii", errors="ignore").strip())
    return data


def report(result: LoginResult, term: Terminal) -> None:
    """The closing lines: profile, file, expiry, caller, and the shorter command for next time."""
    if result.still_valid:
        only = result.first
        role = f" for {only.role.role_arn}" if only.role.role_arn else ""  # which login it holds
        term.success(
            f"profile [{only.profile}] is still valid{role}: expires {format_local_and_utc(only.expiration)}; "
            "nothing to do (--force logs in anyway)"
        )
        return
    for written in result.profiles:
        who = f" as {written.caller_arn}" if written.caller_arn else ""
        term.success(f"[{written.profile}] {written.role.role_arn}{who}")
        term.line(f"  credentials in {written.credentials_file}, expire {format_local_and_utc(written.expiration)}")
    if len(result.profiles) == 1:
        term.line(f"  use it: aws --profile {shlex.quote(result.first.profile)} sts get-caller-identity")
