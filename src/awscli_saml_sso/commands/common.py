"""What several commands share, declared once: ``--log-level``, ``--timeout``, ``--browser``,
the logging set-up and the terminal. Used by ``cli`` (the group and ``login``) and the commands.

Light: click and ``defaults`` only (``--help`` and ``credential-process`` from its cache stay fast).
"""

from __future__ import annotations

from typing import Any

import click

from awscli_saml_sso import defaults

log_level_option = click.option(
    "--log-level",
    type=click.Choice(defaults.LOG_LEVELS, case_sensitive=False),
    envvar="ASS_LOG_LEVEL",
    default=None,
    help="Log level on stderr (secrets are never logged). [env ASS_LOG_LEVEL]",
)

timeout_option = click.option(
    "--timeout",
    type=click.FloatRange(1, defaults.MAX_TIMEOUT),
    default=defaults.TIMEOUT,
    show_default=True,
    metavar="SECONDS",
    help="Wait this long for the SAML response.",
)


def complete_nicknames(_ctx: click.Context, _param: click.Parameter, incomplete: str) -> list[str]:
    """Shell completion of a stored IdP's nickname (``--idp-nickname``, ``idp show NICK``)."""
    try:
        import os

        from awscli_saml_sso import idps

        return sorted(name for name in idps.load_all(os.environ) if name.startswith(incomplete))
    except Exception:  # completion must never print a traceback into the shell
        return []


def complete_profiles(_ctx: click.Context, _param: click.Parameter, incomplete: str) -> list[str]:
    """Shell completion of ``--profile``: the profiles this tool wrote (``~/.aws/credentials``)
    and those it serves (``credential_process`` in ``~/.aws/config``)."""
    try:
        import os

        from awscli_saml_sso import awsfiles
        from awscli_saml_sso.delivery import configprofiles

        names = [p.profile for p in awsfiles.tool_profiles(os.environ)]
        names += list(configprofiles.all_profiles(os.environ))
        return sorted({name for name in names if name.startswith(incomplete)})
    except Exception:  # see complete_nicknames
        return []


def profile_option(help_text: str, default: str | None = None) -> Any:
    """``--profile NAME``, also from ``ASS_PROFILE``; the help says what the profile is for."""
    return click.option(
        "--profile",
        metavar="NAME",
        envvar="ASS_PROFILE",
        default=default,
        help=f"{help_text} [env ASS_PROFILE]",
        shell_complete=complete_profiles,
    )


def nickname_option(help_text: str, required: bool = False) -> Any:
    """``--idp-nickname NAME``: a stored IdP, completed from the store."""
    return click.option(
        "--idp-nickname", metavar="NAME", required=required, help=help_text, shell_complete=complete_nicknames
    )


browser_option = click.option("--browser", type=click.Choice(defaults.BROWSERS), help="Browser to drive.")
engine_option = click.option(
    "--engine",
    type=click.Choice(defaults.ENGINES),
    envvar=defaults.ENGINE_ENV,
    help="Plain HTTP first and the browser when a page needs it, only HTTP, or only the browser"
    f" [auto; env {defaults.ENGINE_ENV}].",
)


def no_such_command(word: str, known: list[str], commands: str = "commands", extra: str = "") -> Any:
    """The tool's one line for a word that is no command of ``path`` (``stauts``, ``idp lst``)."""
    import difflib  # only on this error path

    from awscli_saml_sso.errors import UsageError

    close = difflib.get_close_matches(word, known, n=1, cutoff=0.6)
    message = f"no such command {word!r}" + (f"; did you mean {close[0]!r}?" if close else "")
    return UsageError(message, hint=f"{commands}: " + ", ".join(known) + extra)


class Group(click.Group):
    """A command group whose unknown command is the tool's one line, not click's usage error."""

    def resolve_command(self, ctx: click.Context, args: list[str]) -> Any:
        name = args[0] if args else ""
        if name and not name.startswith("-") and self.get_command(ctx, name) is None and not ctx.resilient_parsing:
            raise no_such_command(name, self.list_commands(ctx), f"{ctx.info_name} commands")
        return super().resolve_command(ctx, args)


def setup_logging(ctx: click.Context, log_level: str | None) -> str | None:
    """The command's ``--log-level``, else the group's; ``ctx.obj["debug"]`` says whether it is
    DEBUG (``cli.main`` then logs a failure's traceback). Returns the level used."""
    from awscli_saml_sso import logsetup  # light

    obj = ctx.ensure_object(dict)
    level = log_level or obj.get("log_level")
    logsetup.configure(level)
    obj["debug"] = (level or "").upper() == "DEBUG"
    return level


def terminal() -> Any:
    from awscli_saml_sso.ui import Terminal  # light

    return Terminal()
