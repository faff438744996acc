"""``awscli_saml_sso [login]``: options → ``LoginOptions`` → ``run_login`` → lines for the person."""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from typing import IO, Any

from awscli_saml_sso import logsetup, paths
from awscli_saml_sso.errors import UsageError
from awscli_saml_sso.login import DEFAULT_PROFILE, LoginOptions, LoginResult, run_login
from awscli_saml_sso.ui import Terminal, format_local_and_utc

MAX_PASSWORD_BYTES = 4096


def login(options: dict[str, Any], term: Terminal, environ: Mapping[str, str], stdin: IO[bytes]) -> LoginResult:
    _check_combinations(options)
    opts = build_options(options, term, environ, stdin)
    return run_login(opts, term, environ)


def _check_combinations(o: dict[str, Any]) -> None:
    if o.get("show_browser") and o.get("use_browser"):
        raise UsageError("--show-browser and --use-browser exclude each other", hint="pick one")
    choices = [n for n in ("role_arn", "role_pattern", "role_selection", "all_roles") if o.get(n) is not None]
    if len(choices) > 1:
        names = ", ".join("--" + n.replace("_pattern", "").replace("_", "-") for n in choices)
        raise UsageError(f"{names} exclude each other", hint="choose the role one way")
    if o.get("password_stdin") and o.get("saml_response") is not None and o["saml_response"].name == "<stdin>":
        raise UsageError("--password-stdin and --saml-response - both want standard input")
    if o.get("idp_url") is None and o.get("idp_nickname") is None and o.get("saml_response") is None:
        raise UsageError("no IdP to log in to", hint="pass --idp-url URL, --idp-nickname NAME or --saml-response FILE")


def build_options(o: dict[str, Any], term: Terminal, environ: Mapping[str, str], stdin: IO[bytes]) -> LoginOptions:
    password = _password_source(o, term, stdin)
    mfa_code = _mfa_source(o, term)
    mode = "manual" if o.get("use_browser") else "show" if o.get("show_browser") else "headless"
    return LoginOptions(
        idp_url=o.get("idp_url"),
        username=o.get("username"),
        password=password,
        mfa_code=mfa_code,
        profile=o.get("profile") or DEFAULT_PROFILE,
        role_arn=o.get("role_arn"),
        role_pattern=o.get("role_pattern"),
        role_index=o.get("role_selection"),
        all_roles_template=o.get("all_roles"),
        duration=o.get("duration"),
        region=o.get("region"),
        endpoint_url=o.get("endpoint_url"),
        browser=o.get("browser"),
        browser_path=o.get("browser_path"),
        driver_path=o.get("driver_path"),
        mode=mode,
        timeout=float(o.get("timeout") or 120),
        saml_response=_read_saml_response(o.get("saml_response")),
        listen_port=o.get("listen"),
        force=bool(o.get("force")),
        verify=not o.get("no_verify"),
        diagnostics_dir=paths.diagnostics_dir(environ),
    )


def _password_source(o: dict[str, Any], term: Terminal, stdin: IO[bytes]):
    if o.get("password_stdin"):
        password = _read_password(stdin)
        logsetup.register_secret(password)
        return lambda: password
    username = o.get("username") or "you"

    def ask() -> str:
        answer = term.ask(f"Password for {username}", what="the IdP password", option="--password-stdin", secret=True)
        logsetup.register_secret(answer)
        return answer

    return ask


def _read_password(stdin: IO[bytes]) -> str:
    raw = stdin.readline(MAX_PASSWORD_BYTES + 1)
    if len(raw) > MAX_PASSWORD_BYTES:
        raise UsageError("the password on standard input is too long", hint="pass one line, the password")
    password = raw.decode("utf-8", errors="strict").rstrip("\r\n")
    if not password:
        raise UsageError("--password-stdin: standard input is empty", hint="pipe the password in, e.g. from your password manager")
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
    from awscli_saml_sso.saml import MAX_INPUT_BYTES  # noqa: PLC0415

    data = handle.read(MAX_INPUT_BYTES * 2 + 1)
    logsetup.register_secret(data.decode("ascii", errors="ignore").strip())
    return data


def report(result: LoginResult, options: dict[str, Any], term: Terminal) -> None:
    """The closing lines: profile, file, expiry, caller, and the shorter command for next time."""
    if result.still_valid:
        only = result.first
        term.success(
            f"profile [{only.profile}] is still valid until {format_local_and_utc(only.expiration)}; "
            "nothing to do (--force logs in anyway)"
        )
        return
    for written in result.profiles:
        who = f" as {written.caller_arn}" if written.caller_arn else ""
        term.success(f"[{written.profile}] {written.role.role_arn}{who}")
        term.line(f"  credentials in {written.credentials_file}, expire {format_local_and_utc(written.expiration)}")
    if len(result.profiles) == 1:
        term.line(f"  use it: aws --profile {shlex.quote(result.first.profile)} sts get-caller-identity")
