"""dev/stack (= python -m devstack) up|down|status|env|install [--idp-port N] [--aws-port N] ...

The local stack without Docker: SimpleSAMLphp (IdP; or Keycloak with --idp keycloak) + moto with
a strict STS (AWS; or LocalStack 4.13.1 itself with --aws localstack, which takes single-role
assertions only).
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time

from devstack import install, keycloak, localstack, stack
from devstack.procs import StackError
from devstack.settings import AWS_SIDES, IDPS, LOCALSTACK, STACK_COMMAND, Settings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dev/stack", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "command",
        choices=["up", "down", "status", "env", "install", "fetch"],
        help="fetch: download and unpack Keycloak into its cache (once; up "
        "--idp keycloak does it too); fetch --aws localstack: install "
        "LocalStack's venv instead (once; up --aws localstack does it too)",
    )
    parser.add_argument("--state-dir", help="default <repo>/.stack (env ASS_STACK_DIR)")
    parser.add_argument("--idp-port", type=int, help="default 8080 (env ASS_STACK_IDP_PORT)")
    parser.add_argument("--aws-port", type=int, help="default 4566 (env ASS_STACK_AWS_PORT)")
    parser.add_argument(
        "--listener-port", type=int, help="ACS port of the --listen SP, default 8090 (env ASS_STACK_LISTENER_PORT)"
    )
    parser.add_argument(
        "--idp",
        choices=IDPS,
        help="simplesamlphp (default: fast) or keycloak (the real Keycloak, "
        "fetched once into ~/.cache/awscli-saml-sso) (env ASS_STACK_IDP)",
    )
    parser.add_argument(
        "--aws",
        choices=AWS_SIDES,
        help="moto (default: the strict STS emulator) or localstack (LocalStack "
        "4.13.1, installed once into its own venv in ~/.cache/awscli-saml-sso; "
        "its STS fails on assertions with two roles) (env ASS_STACK_AWS)",
    )
    parser.add_argument("--install", action="store_true", help="with up: apt-get install missing system packages first")
    return parser


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _env(settings: Settings) -> int:
    current = stack.load(settings.state_dir) or settings
    for key, value in current.exports().items():
        print(f"export {key}={shlex.quote(value)}")
    return 0


def _status(settings: Settings) -> int:
    running = stack.status(settings.state_dir)
    current = stack.load(settings.state_dir) or settings
    where = {"idp": f"{current.idp_base_url} ({current.idp})", "aws": f"{current.aws_endpoint_url} ({current.aws})"}
    for name, alive in running.items():
        print(f"{name}: {'running at ' + where[name] if alive else 'stopped'}")
    if all(running.values()):
        print(f"IdP-initiated URL: {current.idp_url}")
    return 0 if all(running.values()) else 3


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    settings = Settings.from_env(
        state_dir=args.state_dir,
        idp_port=args.idp_port,
        aws_port=args.aws_port,
        listener_port=args.listener_port,
        idp=args.idp,
        aws=args.aws,
    )
    try:
        if args.command == "install" or args.install:
            done = install.install(log=_say)
            if done:
                _say(f"installed: {' '.join(done)}")
            if args.command == "install":
                return 0
        if args.command == "fetch" and args.aws == LOCALSTACK:
            started = time.monotonic()
            python = localstack.ensure(log=_say)
            _say(f"LocalStack {localstack.VERSION} ready in {python.parent.parent} ({time.monotonic() - started:.1f}s)")
            return 0
        if args.command == "fetch":
            started = time.monotonic()
            where = keycloak.ensure(log=_say)
            _say(f"Keycloak {keycloak.VERSION} ready in {where} ({time.monotonic() - started:.1f}s)")
            return 0
        if args.command == "up":
            current = stack.up(settings, log=_say)
            _say(
                f"IdP  {current.idp_url}\nAWS  {current.aws_endpoint_url}\n"
                f"users: aws_user, aws_admin, aws_void (password = username)\n"
                f'eval "$({STACK_COMMAND} env)" points the tool and the AWS CLI here; '
                f"{STACK_COMMAND} down stops the stack"
            )
            return 0
        if args.command == "down":
            stopped = stack.down(settings.state_dir)
            _say(f"stopped: {', '.join(stopped)}" if stopped else "nothing was running")
            return 0
        if args.command == "status":
            return _status(settings)
        return _env(settings)
    except StackError as err:
        _say(f"devstack: {err}")
        return 1
    except KeyboardInterrupt:
        stack.down(settings.state_dir)
        return 130


if __name__ == "__main__":
    sys.exit(main())
