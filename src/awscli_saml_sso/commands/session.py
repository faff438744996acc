"""``logout`` and ``roles``: options → one call → lines (data on stdout, the rest on stderr)."""

from __future__ import annotations

import os
from typing import Any

import click

from awscli_saml_sso.commands.deliver import _log_level, _setup, _terminal


@click.command("logout")
@_log_level
@click.option("--profile", metavar="NAME", envvar="ASS_PROFILE", default=None,
              help="Profile to log out of [saml unless --idp-nickname or --all]. [env ASS_PROFILE]")
@click.option("--idp-nickname", metavar="NAME", help="Also end the stored IdP's browser session (its SSO cookie).")
@click.option("--all", "everything", is_flag=True, help="Every profile this tool wrote, every cache entry and IdP session.")
@click.option("--forget-password", is_flag=True, help="Also remove the IdP's password from the OS keyring.")
@click.pass_context
def logout(ctx: click.Context, log_level: str | None, profile: str | None, idp_nickname: str | None,
           everything: bool, forget_password: bool) -> None:
    """Remove a profile's credentials, its cached credentials and (with --idp-nickname) the IdP session.

    \b
    Only the keys this tool wrote go: every other line of ~/.aws/credentials stays as it was.
    """
    _setup(ctx, log_level)
    from awscli_saml_sso.delivery import logout as session  # noqa: PLC0415

    done = session.run(session.plan(os.environ, profile, idp_nickname, everything, forget_password), os.environ)
    term = _terminal()
    for line in done:
        term.success(line)
    if not done:
        term.line("nothing to remove: already logged out")


COMMANDS: tuple[Any, ...] = (logout,)
