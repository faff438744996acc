"""``credential-process``, ``exec``, ``env``, ``console``, ``status``: options → one call → output.

Only click and light modules are imported here; ``credential-process`` answering from its cache
must stay well under 0.2 s, so everything else is imported by the code path that needs it.
Data (JSON, export lines, the URL, the table) goes to stdout; everything for people to stderr.
"""

from __future__ import annotations

import os
from typing import Any

import click

from awscli_saml_sso import defaults
from awscli_saml_sso.commands.common import (
    log_level_option,
    nickname_option,
    profile_option,
    setup_logging,
    terminal,
    timeout_option,
)

_profile = profile_option(f"Profile to read [{defaults.PROFILE}].", default=defaults.PROFILE)


# ------------------------------------------------------------------------------------------
@click.command("credential-process")
@log_level_option
@nickname_option("Stored IdP to log in with.", required=True)
@click.option("--role-arn", metavar="ARN", help="Role to assume [the stored IdP's role].")
@click.option("--profile", metavar="NAME", help="Also write the credentials to this profile of ~/.aws/credentials.")
@click.option(
    "--endpoint-url", metavar="URL", envvar="ASS_ENDPOINT_URL", help="STS endpoint URL. [env ASS_ENDPOINT_URL]"
)
@click.option("--show-browser", is_flag=True, help="Visible browser window when a login is needed.")
@click.option("--browser-path", metavar="PATH", help="Browser binary.")
@click.option(
    "--driver-path", metavar="PATH", help="geckodriver binary (Firefox only; Chrome, Chromium and Edge need no driver)."
)
@timeout_option
@click.pass_context
def credential_process(ctx: click.Context, log_level: str | None, idp_nickname: str, **options: Any) -> None:
    """Print credentials as JSON for the AWS SDKs' credential_process setting.

    \b
    In ~/.aws/config:
      [profile work]
      credential_process = awscli_saml_sso credential-process --idp-nickname corp

    Served from a private cache while more than 15 minutes remain; otherwise logs in with the
    stored IdP: its browser session first, then the keyring password; what the IdP still needs
    (a password, a one-time code) is asked on the terminal (/dev/tty) when there is one.
    """
    setup_logging(ctx, log_level)
    from awscli_saml_sso.delivery import process  # light; the login path imports the rest

    request = process.Request(nickname=idp_nickname, **options)
    creds = process.credentials(request, os.environ)
    warnings = process.shadowing_warnings([options.get("profile") or "", os.environ.get("AWS_PROFILE", "")], os.environ)
    if warnings:
        term = terminal()
        for warning in warnings:
            term.warn(warning)
    click.echo(process.output(creds))


# ------------------------------------------------------------------------------------------
@click.command("exec", context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False})
@log_level_option
@_profile
@click.option(
    "--server",
    is_flag=True,
    help="Serve the credentials on 127.0.0.1 as ECS does, renewed through the IdP, instead of static keys.",
)
@click.argument("command", nargs=-1, required=True, type=click.UNPROCESSED)
@click.pass_context
def exec_command(
    ctx: click.Context, log_level: str | None, profile: str, command: tuple[str, ...], server: bool = False
) -> None:
    """Run COMMAND with the profile's credentials in its environment.

    \b
    Sets AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION and
    AWS_DEFAULT_REGION (when the profile has a region), AWS_CREDENTIAL_EXPIRATION; removes
    AWS_PROFILE. Exits with COMMAND's exit code (128+N if a signal N killed it). A profile
    written through a stored IdP is renewed first when it has expired (keyring password).
    Example: awscli_saml_sso exec --profile work -- terraform plan

    \b
    --server: for jobs longer than a session. COMMAND gets AWS_CONTAINER_CREDENTIALS_FULL_URI
    and AWS_CONTAINER_AUTHORIZATION_TOKEN instead of keys; the SDKs and the AWS CLI fetch and
    refresh credentials there, and the tool logs in again through the stored IdP before they expire.
    """
    setup_logging(ctx, log_level)
    from awscli_saml_sso.delivery import envvars, profiles

    status = terminal().status
    if server:
        from awscli_saml_sso.delivery import server as credential_server

        source = credential_server.Source(profile, os.environ, status)
        creds = source.first()  # a login that fails, fails here, before COMMAND starts
        with credential_server.CredentialServer(source, status) as running:
            env = credential_server.child_environment(os.environ, running, creds, status)
            ctx.exit(envvars.run(command, env))
    creds = profiles.resolve(profile, os.environ, status)
    env = envvars.child_environment(os.environ, envvars.variables(creds))
    ctx.exit(envvars.run(command, env))


# ------------------------------------------------------------------------------------------
def _default_shell() -> str:
    if os.name == "nt":
        return "powershell"
    return "fish" if os.path.basename(os.environ.get("SHELL", "")) == "fish" else "env"


# = envvars.FORMATS (AWS CLI v2's export-credentials names), then envvars.ALIASES; kept here so
# that --help imports nothing more
ENV_FORMATS = ("env", "env-no-export", "process", "powershell", "windows-cmd", "fish")
ENV_ALIASES = ("sh", "bash", "zsh", "json")


class _FormatChoice(click.Choice):
    """All names are accepted; the help and the error list the canonical ones, then the aliases."""

    def get_metavar(self, param: click.Parameter, *args: Any, **kwargs: Any) -> str:
        return "[" + "|".join(ENV_FORMATS) + "]"


@click.command("env")
@log_level_option
@_profile
@click.option(
    "--format",
    "fmt",
    type=_FormatChoice(ENV_FORMATS + ENV_ALIASES),
    default=None,
    help="Syntax of the output, as AWS CLI v2's export-credentials names it: env (sh, bash, zsh), "
    "process (the credential_process JSON; also json). [fish if $SHELL is fish, powershell on "
    "Windows, else env]",
)
@click.option("--shell", "shell", type=_FormatChoice(ENV_FORMATS + ENV_ALIASES), hidden=True)  # the older name
@click.pass_context
def env_command(ctx: click.Context, log_level: str | None, profile: str, fmt: str | None, shell: str | None) -> None:
    """Print the profile's credentials as lines that set environment variables.

    \b
    sh/bash/zsh:  eval "$(awscli_saml_sso env --profile work)"
    fish:         awscli_saml_sso env --format fish | source
    PowerShell:   awscli_saml_sso env --format powershell | Invoke-Expression
    cmd.exe:      awscli_saml_sso env --format windows-cmd > aws.cmd && call aws.cmd
    .env file:    awscli_saml_sso env --format env-no-export > .env
    JSON:         awscli_saml_sso env --format process

    A profile written through a stored IdP is renewed first when it has expired.
    """
    setup_logging(ctx, log_level)
    from awscli_saml_sso.delivery import envvars, profiles

    creds = profiles.resolve(profile, os.environ, terminal().status)
    asked = fmt or shell
    fmt = envvars.format_name(asked or _default_shell())
    if fmt == "process":
        from awscli_saml_sso.delivery import process

        click.echo(process.output(creds.credentials))
        return
    try:
        text = envvars.render(envvars.variables(creds), fmt)
    except ValueError as exc:
        from awscli_saml_sso.errors import UsageError

        raise UsageError(f"--format {asked or fmt}: {exc}", hint="use another --format") from None
    click.echo(text, nl=False)


# ------------------------------------------------------------------------------------------
@click.command("console")
@log_level_option
@_profile
@click.option(
    "--print",
    "print_only",
    is_flag=True,
    help="Print the sign-in URL instead of opening a browser. Without it, the browser opens a "
    "private (0600) page in the tool's home that forwards to the sign-in URL: the token "
    "is never on a command line.",
)
@click.option("--destination", metavar="URL", help="Console page to land on [the partition's console home].")
@click.option(
    "--federation-url",
    metavar="URL",
    envvar="ASS_FEDERATION_URL",
    help="AWS federation endpoint [the partition's]. [env ASS_FEDERATION_URL]",
)
@click.pass_context
def console(
    ctx: click.Context,
    log_level: str | None,
    profile: str,
    print_only: bool,
    destination: str | None,
    federation_url: str | None,
) -> None:
    """Sign in to the AWS web console with the profile's credentials.

    The browser is given a private (0600) local page that forwards to the sign-in URL, so the
    sign-in token never appears on a command line; --print prints the URL instead.
    """
    setup_logging(ctx, log_level)
    from awscli_saml_sso.delivery import console as federation
    from awscli_saml_sso.delivery import profiles

    creds = profiles.resolve(profile, os.environ, terminal().status)
    url = federation.console_url(
        creds.credentials, creds.role_arn, destination=destination, federation_url=federation_url
    )
    if print_only:
        click.echo(url)
        return
    import webbrowser

    term = terminal()
    # the browser gets a file:// URL: the token stays in a private file, off every command line
    page = federation.write_signin_page(os.environ, url)
    if webbrowser.open(page.as_uri()):
        term.success(f"opened the AWS console for [{profile}] in your browser (the link is valid 15 minutes)")
    else:
        term.warn(f"could not open a browser; open this private page within 60 s (or use --print): {page}")


# ------------------------------------------------------------------------------------------
@click.command("status")
@log_level_option
@click.option("--json", "as_json", is_flag=True, help="A JSON list instead of the table.")
@click.pass_context
def status(ctx: click.Context, log_level: str | None, as_json: bool = False) -> None:
    """List the profiles this tool wrote or serves (credential_process), their role and the time left."""
    setup_logging(ctx, log_level)
    from awscli_saml_sso.delivery import status as profile_status

    if as_json:
        import json

        click.echo(json.dumps(profile_status.records(os.environ), indent=1))
        return
    text, _count = profile_status.status(os.environ)
    click.echo(text, nl=False)


COMMANDS = (credential_process, exec_command, env_command, console, status)
