"""The benchmark's own local stack: free loopback ports, a private state directory, stopped at the
end (and by the devstack watchdog if this process dies), plus the 50 IAM roles of the bench-only
user ``aws_many`` (devstack/realm.py BENCH_USERS), which the shared seed does not create."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from scenarios import StackInfo

from devstack import httplogin, procs, realm, seed, stack
from devstack.settings import Settings


class BenchStack:
    def __init__(self, state_dir: Path, log: Callable[[str], None]) -> None:
        self.settings = Settings(
            state_dir=state_dir, idp_port=procs.free_port(), aws_port=procs.free_port(), listener_port=procs.free_port()
        )
        self.log = log

    def __enter__(self) -> BenchStack:
        self.log(f"starting the local stack in {self.settings.state_dir}")
        stack.up(self.settings, log=self.log, watch_pid=os.getpid())
        try:
            self._seed_bench_roles()
            self._remember_me()
        except BaseException:
            stack.down(self.settings.state_dir)
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        stopped = stack.down(self.settings.state_dir)
        self.log(f"stack stopped: {', '.join(stopped)}")

    def info(self) -> StackInfo:
        return StackInfo(self.settings.idp_url, self.settings.aws_endpoint_url, realm.ROLE_USER, realm.PROVIDER_ARN)

    def many_roles_response(self) -> str:
        username, (password, _) = next(iter(realm.BENCH_USERS.items()))
        return httplogin.saml_response(self.settings.idp_url, username, password)

    def _remember_me(self) -> None:
        """A persistent IdP session cookie, as a real IdP gives after "stay signed in" (Entra's
        KMSI, Keycloak's remember-me); SimpleSAMLphp's default session cookie dies with the
        browser. Only this private stack's config (tests/test_browser_profiles.py does the same)."""
        config = self.settings.state_dir / "idp" / "config" / "config.php"
        with config.open("a") as out:
            out.write("\n$config['session.cookie.lifetime'] = 8 * 3600;\n")

    def _seed_bench_roles(self) -> None:
        iam = seed.clients(self.settings.aws_endpoint_url)["iam"]
        existing = {r["Arn"] for r in iam.list_roles(MaxItems=1000)["Roles"]}
        for arn in realm.BENCH_ROLES:
            if arn not in existing:
                iam.create_role(
                    RoleName=arn.rsplit("/", 1)[1],
                    MaxSessionDuration=3600,
                    AssumeRolePolicyDocument=seed.trust_policy(),
                )
