"""``credential-process``, ``exec``, ``env``, ``console``, ``status``: options → one call → output.

Only click and light modules are imported here; ``credential-process`` answering from its cache
must stay well under 0.2 s, so everything else is imported by the code path that needs it.
Data (JSON, export lines, the URL, the table) goes to stdout; everything for people to stderr.
"""

from __future__ import annotations

import os
from typing import Any

import click

from awscli_saml_sso.logsetup import LEVELS

PROFILE_HELP = "Profile to read [saml]. [env ASS_PROFILE]"


def _log_level(func: Any) -> Any:
    return click.option(
        "--log-level",
        type=click.Choice(LEVELS, case_sensitive=False),
        envvar="ASS_LOG_LEVEL",
        default=None,
        help="Log level on stderr (secrets are never logged). [env ASS_LOG_LEVEL]",
    )(func)


def _profile(func: Any) -> Any:
    return click.option("--profile", metavar="NAME", envvar="ASS_PROFILE", default="saml", show_default=False,
                        help=PROFILE_HELP)(func)


def _setup(ctx: click.Context, log_level: str | None) -> None:
    from awscli_saml_sso import logsetup  # light

    obj = ctx.ensure_object(dict)
    level = log_level or obj.get("log_level")
    logsetup.configure(level)
    obj["debug"] = (level or "").upper() == "DEBUG"


def _terminal() -> Any:
    from awscli_saml_sso.ui import Terminal  # light

    return Terminal()


# ------------------------------------------------------------------------------------------
@click.command("credential-process")
@_log_level
@click.option("--idp-nickname", required=True, metavar="NAME", help="Stored IdP to log in with.")
@click.option("--role-arn", metavar="ARN", help="Role to assume [the stored IdP's role].")
@click.option("--profile", metavar="NAME", help="Also write the credentials to this profile of ~/.aws/credentials.")
@click.option("--endpoint-url", metavar="URL", envvar="ASS_ENDPOINT_URL", help="STS endpoint URL. [env ASS_ENDPOINT_URL]")
@click.option("--show-browser", is_flag=True, help="Visible browser window when a login is needed.")
@click.option("--browser-path", metavar="PATH", help="Browser binary.")
@click.option("--driver-path", metavar="PATH", help="geckodriver binary (Firefox only; Chrome, Chromium and Edge need no driver).")
@click.option("--timeout", type=click.FloatRange(1, 3600), default=120, metavar="SECONDS", help="Wait this long for the SAML response [120].")
@click.pass_context
def credential_process(ctx: click.Context, log_level: str | None, idp_nickname: str, **options: Any) -> None:
    """Print credentials as JSON for the AWS SDKs' credential_process setting.

    \b
    In ~/.aws/config:
      [profile work]
      credential_process = awscli_saml_sso credential-process --idp-nickname corp

    Served from a private cache while more than 15 minutes remain; otherwise logs in with the
    stored IdP, without prompting (password from the keyring).
    """
    _setup(ctx, log_level)
    from awscli_saml_sso.delivery import process  # light; the login path imports the rest

    request = process.Request(nickname=idp_nickname, **options)
    creds = process.credentials(request, os.environ)
    warnings = process.shadowing_warnings([options.get("profile") or "", os.environ.get("AWS_PROFILE", "")], os.environ)
    if warnings:
        term = _terminal()
        for warning in warnings:
            term.warn(warning)
    click.echo(process.output(creds))


# ------------------------------------------------------------------------------------------
@click.command("exec", context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False})
@_log_level
@_profile
@click.argument("command", nargs=-1, required=True, type=click.UNPROCESSED)
@click.pass_context
def exec_command(ctx: click.Context, log_level: str | None, profile: str, command: tuple[str, ...]) -> None:
    """Run COMMAND with the profile's credentials in its environment.

    \b
    Sets AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION and
    AWS_DEFAULT_REGION (when the profile has a region), AWS_CREDENTIAL_EXPIRATION; removes
    AWS_PROFILE. Exits with COMMAND's exit code (128+N if a signal N killed it). A profile
    written through a stored IdP is renewed first when it has expired (keyring password).
    Example: awscli_saml_sso exec --profile work -- terraform plan
    """
    _setup(ctx, log_level)
    from awscli_saml_sso.delivery import envvars, profiles

    creds = profiles.load_or_renew(profile, os.environ, _terminal().status)
    env = envvars.child_environment(os.environ, envvars.variables(creds))
    ctx.exit(envvars.run(command, env))


# ------------------------------------------------------------------------------------------
def _default_shell() -> str:
    if os.name == "nt":
        return "powershell"
    return "fish" if os.path.basename(os.environ.get("SHELL", "")) == "fish" else "sh"


@click.command("env")
@_log_level
@_profile
@click.option("--shell", type=click.Choice(["sh", "fish", "powershell"]), default=None,
              help="Syntax of the lines [fish if $SHELL is fish, powershell on Windows, else sh].")
@click.pass_context
def env_command(ctx: click.Context, log_level: str | None, profile: str, shell: str | None) -> None:
    """Print the profile's credentials as lines that set environment variables.

    \b
    sh/bash/zsh:  eval "$(awscli_saml_sso env --profile work)"
    fish:         awscli_saml_sso env --shell fish | source
    PowerShell:   awscli_saml_sso env --shell powershell | Invoke-Expression
    """
    _setup(ctx, log_level)
    from awscli_saml_sso.delivery import envvars, profiles

    creds = profiles.load(profile, os.environ)
    click.echo(envvars.render(envvars.variables(creds), shell or _default_shell()), nl=False)


# ------------------------------------------------------------------------------------------
@click.command("console")
@_log_level
@_profile
@click.option("--print", "print_only", is_flag=True, help="Print the sign-in URL instead of opening a browser.")
@click.option("--destination", metavar="URL", help="Console page to land on [the partition's console home].")
@click.option("--federation-url", metavar="URL", envvar="ASS_FEDERATION_URL",
              help="AWS federation endpoint [the partition's]. [env ASS_FEDERATION_URL]")
@click.pass_context
def console(ctx: click.Context, log_level: str | None, profile: str, print_only: bool, destination: str | None,
            federation_url: str | None) -> None:
    """Sign in to the AWS web console with the profile's credentials."""
    _setup(ctx, log_level)
    from awscli_saml_sso.delivery import console as federation, profiles

    creds = profiles.load(profile, os.environ)
    url = federation.console_url(creds.credentials, creds.role_arn, destination=destination,
                                 federation_url=federation_url)
    if print_only:
        click.echo(url)
        return
    import webbrowser  # noqa: PLC0415

    term = _terminal()
    if webbrowser.open(url):
        term.success(f"opened the AWS console for [{profile}] in your browser (the link is valid 15 minutes)")
    else:
        term.warn("could not open a browser; open this URL yourself (valid 15 minutes):")
        click.echo(url)


# ------------------------------------------------------------------------------------------
@click.command("status")
@_log_level
@click.pass_context
def status(ctx: click.Context, log_level: str | None) -> None:
    """List the profiles this tool wrote, their role and the time left."""
    _setup(ctx, log_level)
    from awscli_saml_sso.delivery import status as profile_status

    text, _count = profile_status.status(os.environ)
    click.echo(text, nl=False)


COMMANDS = (credential_process, exec_command, env_command, console, status)
