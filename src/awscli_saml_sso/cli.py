"""Command line: click commands only. This is the one place that prompts, prints and exits.

Import cost matters (``--help`` must stay fast): only click and our light modules are imported
here; boto3, selenium, lxml and keyring are imported by the code paths that use them.
"""

from __future__ import annotations

import _signal
import contextlib
import logging
import os
import signal
import sys
from collections.abc import Sequence
from typing import Any

import click

from awscli_saml_sso import __version__, defaults
from awscli_saml_sso.commands import common
from awscli_saml_sso.errors import ExitCode, Interrupted, SamlSsoError, UsageError

PROG = "awscli_saml_sso"
log = logging.getLogger(__name__)


class DefaultToLogin(common.Group):
    """The bare command is ``login``, as in the original tool: ``awscli_saml_sso --idp-nickname X``.

    Other commands live in their own modules and are imported only when used (or listed by
    ``--help``), so ``credential-process`` served from cache loads nothing it does not need.
    """

    GROUP_VALUE_OPTIONS = ("--log-level",)
    GROUP_FLAGS = ("--help", "-h", "--version")
    LAZY = {
        "idp": "awscli_saml_sso.commands.idp:idp",
        "credential-process": "awscli_saml_sso.commands.deliver:credential_process",
        "exec": "awscli_saml_sso.commands.deliver:exec_command",
        "env": "awscli_saml_sso.commands.deliver:env_command",
        "console": "awscli_saml_sso.commands.deliver:console",
        "status": "awscli_saml_sso.commands.deliver:status",
        "logout": "awscli_saml_sso.commands.session:logout",
        "roles": "awscli_saml_sso.commands.session:roles",
    }

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.LAZY})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.LAZY and cmd_name not in self.commands:
            import importlib

            module_name, attribute = self.LAZY[cmd_name].split(":")
            self.add_command(getattr(importlib.import_module(module_name), attribute), cmd_name)
        return super().get_command(ctx, cmd_name)

    def _is_command(self, name: str) -> bool:
        return name in self.commands or name in self.LAZY

    def _no_such_command(self, ctx: click.Context, word: str) -> UsageError:
        return _no_such_command_error(word, self.list_commands(ctx))

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        args = list(args)
        if ctx.resilient_parsing and not args:
            # Shell completion of the first word: offer the commands, not login's options.
            return super().parse_args(ctx, args)
        i = 0
        while i < len(args) and (args[i] in self.GROUP_VALUE_OPTIONS or args[i].startswith("--log-level=")):
            i += 1 if "=" in args[i] else 2
        if i >= len(args) or (not self._is_command(args[i]) and args[i] not in self.GROUP_FLAGS):
            if i < len(args) and _looks_like_command(args[i]) and not ctx.resilient_parsing:
                raise self._no_such_command(ctx, args[i])
            args.insert(min(i, len(args)), "login")
            # a usage error then must not blame `awscli_saml_sso login`, which was not typed;
            # a command word further on (`--profle x status`) was meant to come first
            later = next((a for a in args[i + 1 :] if a != "login" and self._is_command(a)), None)
            ctx.ensure_object(dict)["implicit_login"] = later or True
        return super().parse_args(ctx, args)


def _looks_like_command(word: str) -> bool:
    """A bare word where a command goes: login takes no arguments, so it can only be a typo of a
    command (``stauts``); options (``--x``) and values after them are login's as before."""
    return bool(word) and word[0].isalpha() and all(c.isalnum() or c in "-_" for c in word)


def _no_such_command_error(word: str, known: list[str]) -> UsageError:
    return common.no_such_command(word, known, extra="; login options alone log in")


@click.group(cls=DefaultToLogin, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name=PROG, message="%(prog)s %(version)s")
@common.log_level_option
@click.pass_context
def cli(ctx: click.Context, log_level: str | None) -> None:
    """Temporary AWS credentials through your SAML identity provider.

    With no command, logs in (same as `awscli_saml_sso login`).
    """
    ctx.ensure_object(dict)["log_level"] = log_level


# ------------------------------------------------------------------------------------------
# login
# ------------------------------------------------------------------------------------------
@cli.command("login")
@common.log_level_option
@click.option("--idp-url", metavar="URL", help="One-off IdP-initiated sign-on URL (nothing stored).")
@common.nickname_option("Use the stored IdP NAME.")
@click.option("--use-stored", is_flag=True, help="Use the stored username, password (keyring) and role.")
@click.option("--username", metavar="NAME", help="Username to fill in.")
@click.option("--password-stdin", is_flag=True, help="Read the IdP password from standard input.")
@click.option("--mfa-code", metavar="CODE", help="One-time code for the IdP's second factor.")
@click.option(
    "--mfa-method",
    type=click.Choice(defaults.MFA_METHODS),
    help="Second factor to choose where the IdP offers several.",
)
@click.option("--app", metavar="TEXT", help="The tile to open on an app dashboard [the one naming AWS].")
@common.profile_option(f"Profile to write [{defaults.PROFILE}].")
@click.option("--role-arn", metavar="ARN", help="Choose this role (error if not granted).")
@click.option("--role", "role_pattern", metavar="PATTERN", help="Choose by role name or account:role glob.")
@click.option("--role-selection", type=int, metavar="INDEX", help="Choose by index in the sorted role list (as 0.3).")
@click.option(
    "--all-roles",
    "all_roles",
    is_flag=False,
    flag_value="{account}-{role}",
    default=None,
    metavar="[TEMPLATE]",
    help="Every granted role, one profile each [{account}-{role}].",
)
@click.option(
    "--duration",
    type=click.IntRange(defaults.MIN_DURATION, defaults.MAX_DURATION),
    metavar="SECONDS",
    help="Session length.",
)
@click.option("--region", metavar="REGION", help="Region for STS and for the profile in ~/.aws/config.")
@click.option(
    "--endpoint-url", metavar="URL", envvar="ASS_ENDPOINT_URL", help="STS endpoint URL. [env ASS_ENDPOINT_URL]"
)
@common.engine_option
@common.browser_option
@click.option("--browser-path", metavar="PATH", help="Browser binary.")
@click.option(
    "--driver-path", metavar="PATH", help="geckodriver binary (Firefox only; Chrome, Chromium and Edge need no driver)."
)
@click.option("--show-browser", is_flag=True, help="Visible browser window, still filled in automatically.")
@click.option("--use-browser", is_flag=True, help="Visible browser window; you log in yourself.")
@common.timeout_option
@click.option(
    "--saml-response",
    type=click.File("rb"),
    metavar="FILE",
    help="Use a captured SAMLResponse (base64 or XML); - = stdin.",
)
@click.option(
    "--listen",
    is_flag=False,
    flag_value=8090,
    type=click.IntRange(1, 65535),
    default=None,
    metavar="[PORT]",
    help="Receive the IdP's POST on 127.0.0.1:PORT/saml [8090].",
)
@click.option("--force", is_flag=True, help="Log in even if the profile is still valid.")
@click.option("--no-verify", is_flag=True, help="Skip the final sts:GetCallerIdentity check.")
@click.option("--clean", is_flag=True, help="Move the tool's home aside (asks first).")
@click.option("--yes", "-y", is_flag=True, help="With --clean: do not ask for confirmation.")
@click.pass_context
def login_command(ctx: click.Context, log_level: str | None, **options: Any) -> None:
    """Log in through the IdP and write temporary credentials to a profile."""
    common.setup_logging(ctx, log_level)
    from awscli_saml_sso.commands import login as commands_login  # light: heavy imports inside

    term = common.terminal()
    yes = options.pop("yes")
    if options.pop("clean"):
        from awscli_saml_sso.commands.clean import clean

        clean(term, os.environ, yes=yes)
        return
    if yes:
        raise UsageError("--yes goes with --clean", hint="a login asks nothing that --yes would answer")
    commands_login.login(options, term, os.environ, stdin=sys.stdin.buffer)


# ------------------------------------------------------------------------------------------
# the one place that exits
# ------------------------------------------------------------------------------------------
_SIGNALLED: list[int] = []  # the signals received, first first


def _raise_interrupted(signum: int, _frame: Any) -> None:
    from awscli_saml_sso import hardexit

    _SIGNALLED.append(signum)
    interrupted = Interrupted(signum)
    hardexit.arm(int(interrupted.exit_code))  # clean up now, but never hang: see hardexit
    raise interrupted


_TERMINAL_FDS: list[int] = []  # which of stdin/stdout/stderr were a terminal at the start


def _hung_up(signum: int, frame: Any) -> None:
    """The terminal is gone (its window closed, the SSH connection dropped). Clean up as after
    Ctrl-C (browser, driver, throw-away profile), but first point the standard streams that were
    that terminal at /dev/null: writing to a hung-up terminal fails (EIO) and would cut the
    clean-up short. (Asking now is too late: isatty() is False on a hung-up terminal.)"""
    with contextlib.suppress(OSError):
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in _TERMINAL_FDS:
            with contextlib.suppress(OSError):
                os.dup2(devnull, fd)
        os.close(devnull)
    _raise_interrupted(signum, frame)


def _install_signal_handlers() -> None:
    signal.signal(signal.SIGINT, _raise_interrupted)
    if hasattr(signal, "SIGTERM"):
        signal.signal(signal.SIGTERM, _raise_interrupted)
    if hasattr(signal, "SIGHUP"):
        _TERMINAL_FDS[:] = [fd for fd in (0, 1, 2) if _isatty(fd)]
        signal.signal(signal.SIGHUP, _hung_up)


def _isatty(fd: int) -> bool:
    try:
        return os.isatty(fd)
    except OSError:
        return False


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point: runs the command, turns every failure into one line and an exit code.

    A signal at any moment ends with one line: during the command, the clean-up runs first
    (:func:`_raise_interrupted`); once it has ended, the quiet handler ends the process at once.
    """
    from awscli_saml_sso import hardexit

    try:
        _main(argv)
    except KeyboardInterrupt as exc:  # our Interrupted, raised between the command's end and here
        hardexit.quiet_exit(int(getattr(exc, "exit_code", 128 + signal.SIGINT)) - 128)
    finally:
        # C calls only (_signal's, not signal.py's wrapper: a Python frame's start would run a
        # pending handler first): from here to the process's end (the interpreter's teardown
        # runs atexit code) no handler raises
        _signal.signal(_signal.SIGINT, hardexit.quiet_exit)
        if hasattr(_signal, "SIGTERM"):
            _signal.signal(_signal.SIGTERM, hardexit.quiet_exit)
        if hasattr(_signal, "SIGHUP"):
            _signal.signal(_signal.SIGHUP, hardexit.quiet_exit)


def _main(argv: Sequence[str] | None) -> None:
    _install_signal_handlers()
    ctx_obj: dict[str, Any] = {}
    try:
        code = cli.main(
            args=list(argv) if argv is not None else None, prog_name=PROG, standalone_mode=False, obj=ctx_obj
        )
        sys.exit(code if isinstance(code, int) else 0)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.exceptions.NoArgsIsHelpError as exc:  # `idp` alone: its help, as before
        exc.show()
        sys.exit(ExitCode.USAGE)
    except click.UsageError as exc:  # click's own (bad option or value): the tool's one line
        _fail(_usage_error(exc, ctx_obj), ctx_obj)
    except click.ClickException as exc:
        exc.show()
        sys.exit(ExitCode.USAGE if exc.exit_code == 2 else exc.exit_code)
    except click.exceptions.Abort as exc:  # click turns a KeyboardInterrupt into Abort
        cause = exc.__cause__
        _fail(cause if isinstance(cause, Interrupted) else Interrupted(signal.SIGINT), ctx_obj)
    except Interrupted as exc:
        _fail(exc, ctx_obj)
    except KeyboardInterrupt:
        _fail(Interrupted(signal.SIGINT), ctx_obj)
    except SamlSsoError as exc:
        _fail(exc, ctx_obj)
    except Exception as exc:  # the last line of defence: one line, not a traceback
        if _SIGNALLED:  # our Interrupted, replaced on its way up (CPython 3.10 turns one raised
            # during a failing import into "TypeError: expected a message argument")
            _fail(Interrupted(_SIGNALLED[0]), ctx_obj)
        _fail_unexpected(exc, ctx_obj)


def _usage_error(exc: click.UsageError, ctx_obj: dict[str, Any]) -> UsageError:
    """click's usage error as one line: what is wrong, then where to look (the command typed)."""
    if isinstance(exc, click.NoSuchOption):
        message = f"no such option {exc.option_name!r}"
        if exc.possibilities:
            message += f"; did you mean {exc.possibilities[0]!r}?"
    else:
        text = exc.format_message().strip().splitlines()[0].rstrip(".")
        message = text[:1].lower() + text[1:]
    implicit = ctx_obj.get("implicit_login")
    if isinstance(implicit, str):
        return UsageError(message, hint=f"the command comes first, then its options: {PROG} {implicit} [OPTIONS]")
    path = PROG if exc.ctx is None else exc.ctx.command_path  # `login` for the bare command's options
    return UsageError(message, hint=f"see: {path} --help")


def _fail(exc: SamlSsoError | Interrupted, ctx_obj: dict[str, Any]) -> None:
    from awscli_saml_sso.ui import Terminal

    if ctx_obj.get("debug"):
        log.debug("failure", exc_info=exc)
    with contextlib.suppress(OSError):  # stderr gone (a closed pipe or terminal): the code says it
        Terminal().error(exc.message, exc.hint or None)
    if isinstance(exc, Interrupted):  # cleaned up already: skip the interpreter's own teardown
        from awscli_saml_sso import hardexit

        hardexit.exit_now(int(exc.exit_code))
    sys.exit(int(exc.exit_code))


def _fail_unexpected(exc: Exception, ctx_obj: dict[str, Any]) -> None:
    from awscli_saml_sso.logsetup import redact
    from awscli_saml_sso.ui import Terminal

    if ctx_obj.get("debug"):
        log.error("unexpected failure", exc_info=exc)
    message = redact(f"unexpected {type(exc).__name__}: {exc}".splitlines()[0])
    Terminal().error(message, "this is a bug: run again with --log-level DEBUG and report it")
    sys.exit(int(ExitCode.ERROR))


__all__ = ["cli", "main", "UsageError"]
