"""``logout`` and ``roles``: options → one call → lines (data on stdout, the rest on stderr)."""

from __future__ import annotations

import os
from typing import Any

import click

from awscli_saml_sso import defaults
from awscli_saml_sso.commands import common


@click.command("logout")
@common.log_level_option
@common.profile_option(f"Profile to log out of [{defaults.PROFILE} unless --idp-nickname or --all].")
@common.nickname_option("Also end the stored IdP's browser session (its SSO cookie).")
@click.option(
    "--all", "everything", is_flag=True, help="Every profile this tool wrote, every cache entry and IdP session."
)
@click.option("--forget-password", is_flag=True, help="Also remove the IdP's password from the OS keyring.")
@click.pass_context
def logout(
    ctx: click.Context,
    log_level: str | None,
    profile: str | None,
    idp_nickname: str | None,
    everything: bool,
    forget_password: bool,
) -> None:
    """Remove a profile's credentials, its cached credentials and (with --idp-nickname) the IdP session.

    \b
    Only the keys this tool wrote go: every other line of ~/.aws/credentials stays as it was.
    """
    common.setup_logging(ctx, log_level)
    from awscli_saml_sso.delivery import logout as session

    done = session.run(session.plan(os.environ, profile, idp_nickname, everything, forget_password), os.environ)
    term = common.terminal()
    for line in done:
        term.success(line)
    if not done:
        term.line("nothing to remove: already logged out")


@click.command("roles")
@common.log_level_option
@click.option("--idp-url", metavar="URL", help="One-off IdP-initiated sign-on URL (nothing stored).")
@common.nickname_option("Use the stored IdP NAME.")
@click.option("--use-stored", is_flag=True, help="Use the stored username and password (keyring).")
@click.option("--username", metavar="NAME", help="Username to fill in.")
@click.option("--password-stdin", is_flag=True, help="Read the IdP password from standard input.")
@click.option("--mfa-code", metavar="CODE", help="One-time code for the IdP's second factor.")
@common.browser_option
@click.option("--browser-path", metavar="PATH", help="Browser binary.")
@click.option("--driver-path", metavar="PATH", help="WebDriver binary.")
@click.option("--show-browser", is_flag=True, help="Visible browser window, still filled in automatically.")
@click.option("--use-browser", is_flag=True, help="Visible browser window; you log in yourself.")
@common.timeout_option
@common.engine_option
@click.option("--saml-response", type=click.File("rb"), metavar="FILE", help="Use a captured SAMLResponse; - = stdin.")
@click.option("--json", "as_json", is_flag=True, help="A JSON list instead of the table.")
@click.pass_context
def roles(ctx: click.Context, log_level: str | None, as_json: bool, **options: Any) -> None:
    """Log in and list the roles the IdP grants (nothing is assumed, no profile is written)."""
    common.setup_logging(ctx, log_level)
    import sys

    from awscli_saml_sso import aliases
    from awscli_saml_sso import login as flow
    from awscli_saml_sso.commands import login as commands_login
    from awscli_saml_sso.commands import stored_idp

    term = common.terminal()
    commands_login._check_combinations(options)
    stored = stored_idp.resolve(options, term, os.environ)
    secret = commands_login._PasswordSource(options, stored, term, sys.stdin.buffer)
    opts = commands_login.build_options(options, term, os.environ, secret, stored)
    assertion = flow.granted_roles(commands_login.source(options, opts, os.environ), term)
    click.echo(render_roles(assertion.roles, aliases.load(os.environ), as_json), nl=False)


def render_roles(granted: Any, known_aliases: dict[str, str], as_json: bool) -> str:
    from awscli_saml_sso import roles as role_menu

    entries = role_menu.menu_entries(granted, known_aliases)
    records = [
        {
            "role_arn": e.role.role_arn,
            "provider_arn": e.role.principal_arn,
            "account": e.role.account_id,
            "alias": e.alias,
            "name": e.role.name,
        }
        for e in entries
    ]
    if as_json:
        import json

        return json.dumps(records, indent=1) + "\n"
    cells = [("ACCOUNT", "ALIAS", "ROLE", "SAML PROVIDER")] + [
        (r["account"], r["alias"] or "-", r["role_arn"], r["provider_arn"]) for r in records
    ]
    widths = [max(len(row[i]) for row in cells) for i in range(4)]
    return "".join("  ".join(v.ljust(widths[i]) for i, v in enumerate(row)).rstrip() + "\n" for row in cells)


COMMANDS: tuple[Any, ...] = (logout, roles)
