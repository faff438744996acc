"""``awscli_saml_sso idp list | show | add | set | remove``: stored IdPs.

People read stderr (through ``ui.Terminal``); ``--json`` data goes to stdout for scripts.
The terminal comes from ``ctx.obj["terminal"]`` when the caller (or a test) provides one.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
from typing import IO, Any

import click

from awscli_saml_sso import defaults, idps, logsetup, paths
from awscli_saml_sso.commands.common import Group, complete_nicknames, log_level_option, setup_logging
from awscli_saml_sso.errors import UsageError
from awscli_saml_sso.ui import Terminal

MAX_PASSWORD_BYTES = 4096
_COLUMNS = (
    ("NICKNAME", "nickname"),
    ("URL", "url"),
    ("USERNAME", "username"),
    ("PROFILE", "profile"),
    ("ROLE", "role_arn"),
)


@click.group("idp", cls=Group)
@log_level_option
@click.pass_context
def idp(ctx: click.Context, log_level: str | None) -> None:
    """Stored identity providers: URL, username, default role, profile, region, browser."""
    setup_logging(ctx, log_level)


def _term(ctx: click.Context) -> Terminal:
    obj = ctx.ensure_object(dict)
    if obj.get("terminal") is None:
        obj["terminal"] = Terminal()
    return obj["terminal"]


def _stored(ctx: click.Context, nickname: str) -> idps.StoredIdp:
    """The stored IdP (after the note of a migration, if one just happened)."""
    _load(ctx)
    return idps.get(nickname, os.environ)


def _load(ctx: click.Context) -> dict[str, idps.StoredIdp]:
    known, note = idps.load_all_with_note(os.environ)
    if note:
        _term(ctx).line(note)
    return known


@idp.command("list")
@click.option("--json", "as_json", is_flag=True, help="JSON on stdout, for scripts.")
@click.pass_context
def list_command(ctx: click.Context, as_json: bool) -> None:
    """List the stored IdPs."""
    known = _load(ctx)
    if as_json:
        click.echo(json.dumps([_as_dict(i) for i in known.values()], indent=2))
        return
    term = _term(ctx)
    if not known:
        term.line("no stored IdP; add one with: awscli_saml_sso idp add NICK --url URL")
        return
    for line in format_table([[getattr(i, attr) or "-" for _, attr in _COLUMNS] for i in known.values()]):
        term.line(line)


def format_table(rows: list[list[str]]) -> list[str]:
    table = [[title for title, _ in _COLUMNS], *rows]
    widths = [max(len(row[col]) for row in table) for col in range(len(_COLUMNS))]
    return ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in table]


@idp.command("show")
@click.argument("nickname", shell_complete=complete_nicknames)
@click.option("--json", "as_json", is_flag=True, help="JSON on stdout, for scripts.")
@click.pass_context
def show_command(ctx: click.Context, nickname: str, as_json: bool) -> None:
    """Show one stored IdP."""
    stored = _stored(ctx, nickname)
    has_password = bool(stored.username) and idps.get_password(stored.nickname, stored.username) is not None
    if as_json:
        click.echo(json.dumps({**_as_dict(stored), "password_in_keyring": has_password}, indent=2))
        return
    term = _term(ctx)
    for name, value in _as_dict(stored).items():
        shown = ", ".join(value) if isinstance(value, list) else value
        term.line(f"{name + ':':<18}{shown if shown is not None else '-'}")
    term.line(f"{'password:':<18}{'in the keyring' if has_password else 'not stored (asked at login)'}")
    term.line(f"{'browser profile:':<18}{paths.browser_profile_dir(os.environ, stored.nickname)}")


def _field_options(url_required: bool) -> Any:
    """The options of ``idp add`` and ``idp set``, one per stored field (+ ``--password-stdin``).
    A new stored field is one more option here: both commands get it, ``idp set`` changes it
    alone (see ``_changes``)."""
    options = [
        click.option("--url", required=url_required, metavar="URL", help="The IdP-initiated sign-on URL."),
        click.option("--username", metavar="NAME", help="Username to fill in at login."),
        click.option(
            "--password-stdin", is_flag=True, help="Read the password from standard input; kept in the OS keyring."
        ),
        click.option("--role-arn", metavar="ARN", help="Default role."),
        click.option("--profile", metavar="NAME", help="Default profile to write."),
        click.option("--region", metavar="REGION", help="Default region."),
        click.option("--browser", type=click.Choice(defaults.BROWSERS), help="Browser to drive for this IdP."),
        click.option(
            "--engine",
            type=click.Choice(defaults.ENGINES),
            help="auto: plain HTTP first, the browser when a page needs it (the default; a login that "
            "needed the browser is remembered as browser); http; browser.",
        ),
        click.option(
            "--duration",
            type=click.IntRange(defaults.MIN_DURATION, defaults.MAX_DURATION),
            metavar="SECONDS",
            help="Default session length.",
        ),
        click.option(
            "--mfa-method",
            type=click.Choice(defaults.MFA_METHODS),
            help="Second factor to choose where the IdP offers several.",
        ),
        click.option("--app", metavar="TEXT", help="The tile to open on an app dashboard [the one naming AWS]."),
        click.option(
            "--allow-origin",
            "allowed_origins",
            multiple=True,
            metavar="ORIGIN",
            help="Another web origin (https://host[:port]) where the password may be typed, besides "
            "the URL's own, e.g. the next IdP of a federation chain. Repeatable; idp set adds to "
            "the remembered ones.",
        ),
    ]

    def apply(command: Any) -> Any:
        for option in reversed(options):
            command = option(command)
        return command

    return apply


@idp.command("add")
@click.argument("nickname")
@_field_options(url_required=True)
@click.pass_context
def add_command(
    ctx: click.Context, nickname: str, password_stdin: bool, allowed_origins: tuple[str, ...], **fields: Any
) -> None:
    """Store an IdP under NICKNAME (replaces one of the same name; idp set changes single fields)."""
    if password_stdin and not fields.get("username"):
        raise UsageError("--password-stdin needs --username", hint="the password is kept per username")
    known = _load(ctx)
    stored = idps.validate(idps.StoredIdp(nickname=nickname, allowed_origins=list(allowed_origins) or None, **fields))
    password = _read_password(_stdin_bytes()) if password_stdin else None
    note = idps.set_password(stored.nickname, stored.username, password) if password is not None else None
    path = idps.save(stored, os.environ)
    term = _term(ctx)
    if note:
        term.warn(note)
    term.success(f"{'updated' if nickname in known else 'added'} IdP {nickname!r} in {path}")
    if password is not None:
        term.line(f"  password for {stored.username!r} is in the OS keyring")
    next_time = f"awscli_saml_sso --idp-nickname {nickname}" + (" --use-stored" if password is not None else "")
    term.line(f"  log in with: {next_time}")


@idp.command("set")
@click.argument("nickname", shell_complete=complete_nicknames)
@_field_options(url_required=False)
@click.pass_context
def set_command(
    ctx: click.Context, nickname: str, password_stdin: bool, allowed_origins: tuple[str, ...], **fields: Any
) -> None:
    """Change only the given fields of the stored IdP NICKNAME; the others stay as they are.
    An empty value (--role-arn '') clears a field; --allow-origin adds to the remembered origins."""
    changes = _changes(fields)
    if not changes and not password_stdin and not allowed_origins:
        raise UsageError("nothing to change", hint=f"pass one or more of {', '.join(_option_names(ctx))}")
    stored = _stored(ctx, nickname)
    username = changes.get("username", stored.username)
    if password_stdin and not username:
        raise UsageError(
            f"IdP {nickname!r} has no username to keep the password for",
            hint=f"awscli_saml_sso idp set {nickname} --username NAME --password-stdin",
        )
    idps.validate(dataclasses.replace(stored, **changes))  # refuse a bad value before reading stdin
    password = _read_password(_stdin_bytes()) if password_stdin else None
    note = idps.set_password(nickname, username, password) if password is not None else None
    updated, path = idps.update(nickname, changes, os.environ) if changes else (stored, idps.idps_path(os.environ))
    if allowed_origins:
        updated = idps.allow_origins(nickname, list(allowed_origins), os.environ)
        changes["allowed_origins"] = updated.allowed_origins
    term = _term(ctx)
    if note:
        term.warn(note)
    said = [
        f"{name}={getattr(updated, name)}" if getattr(updated, name) is not None else f"{name} cleared"
        for name in changes
    ]
    if password is not None:
        said.append(f"password for {username!r} in the OS keyring")
    term.success(f"changed IdP {nickname!r}: {'; '.join(said)} ({path})")


def _changes(fields: dict[str, Any]) -> dict[str, Any]:
    """The fields given on the command line: None = not given; "" = clear (the URL cannot be)."""
    changes = {name: (value if value != "" else None) for name, value in fields.items() if value is not None}
    if "url" in changes and changes["url"] is None:
        raise UsageError("the URL of a stored IdP cannot be cleared", hint="give the new URL, or idp remove")
    return changes


def _option_names(ctx: click.Context) -> list[str]:
    return [
        opt
        for param in ctx.command.params
        if isinstance(param, click.Option)
        for opt in param.opts
        if opt.startswith("--") and opt != "--help"
    ]


@idp.command("remove")
@click.argument("nickname", shell_complete=complete_nicknames)
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@click.pass_context
def remove_command(ctx: click.Context, nickname: str, yes: bool) -> None:
    """Forget a stored IdP, its keyring password and its browser profile."""
    stored = _stored(ctx, nickname)
    term = _term(ctx)
    question = f"Remove IdP {nickname!r} ({stored.url}), its keyring password and its browser profile?"
    if not yes and not term.confirm(question, option="--yes"):
        term.line("nothing removed")
        return
    idps.remove(nickname, os.environ)
    term.success(f"removed IdP {nickname!r}")


def _as_dict(stored: idps.StoredIdp) -> dict[str, Any]:
    return {
        name: getattr(stored, name)
        for name in (
            "nickname",
            "url",
            "username",
            "role_arn",
            "profile",
            "region",
            "browser",
            "duration",
            "mfa_method",
            "app",
            "allowed_origins",
        )
    }


def _stdin_bytes() -> IO[bytes]:
    # click.get_binary_stream is deprecated since click 8.5; sys.stdin.buffer is what it returned
    stream = getattr(sys.stdin, "buffer", None)
    if stream is None:
        raise UsageError("--password-stdin: there is no standard input to read", hint="pipe the password in")
    return stream


def _read_password(stdin: IO[bytes]) -> str:
    raw = stdin.readline(MAX_PASSWORD_BYTES + 1)
    if len(raw) > MAX_PASSWORD_BYTES:
        raise UsageError("the password on standard input is too long", hint="pass one line, the password")
    try:
        password = raw.decode("utf-8").rstrip("\r\n")
    except UnicodeDecodeError:
        raise UsageError("the password on standard input is not UTF-8 text") from None
    if not password:
        raise UsageError("--password-stdin: standard input is empty", hint="pipe the password in")
    logsetup.register_secret(password)
    return password
