"""``exec --server``'s source of credentials: the profile read as it is now, renewed in the background.

Requests read the profile (its files parsed again only when they change); one thread logs in
again through the stored IdP before the credentials run out, and says on stderr when it fails.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
from collections.abc import Callable, Mapping

from awscli_saml_sso import awsfiles, defaults
from awscli_saml_sso.delivery.profiles import ProfileCredentials
from awscli_saml_sso.errors import SamlSsoError

log = logging.getLogger(__name__)

# botocore refreshes 15 minutes before expiry (the other SDKs 5 to 15): a little more than that
# remains on what we serve, so the SDKs are not asked to refresh again at once.
MARGIN = dt.timedelta(minutes=16)
# Everything that would make an SDK pick other credentials before the container's (the SDKs'
# chains read the environment's keys, a named profile, web identity before the container).
POLL = 2.0  # seconds between checks of the profile by the renewal thread (one small file read)
RETRY_AFTER_FAILURE = 60.0  # a failed login is not retried at once: it drives a browser
WAIT_FOR_RENEWAL = 0.5  # a request with nothing valid to serve waits for the renewal this long, then again


class Source:
    """Fresh credentials for one profile. Requests read the profile again each time (a login or a
    ``logout`` elsewhere counts at once) and never log in themselves: the SDKs give a container
    endpoint one to six seconds, less than a login. A renewal thread logs in through the stored
    IdP when less than ``margin`` remains, or when the profile is gone (its IdP is remembered);
    meanwhile requests get the last credentials that are still valid."""

    def __init__(
        self,
        profile: str,
        environ: Mapping[str, str],
        status: Callable[[str], None],
        warn: Callable[[str], None] | None = None,
    ) -> None:
        from awscli_saml_sso import ui
        from awscli_saml_sso.delivery import configprofiles

        self.profile, self.environ, self.status = profile, environ, status
        self.warn = warn or ui.Terminal().warn  # shown with or without a terminal
        self.failure: str | None = None  # why the last renewal failed, for the 503's message
        self.remembered = awsfiles.read_profile(profile, environ)
        self.request = configprofiles.find(profile, environ) if self.remembered is None else None
        self.margin = MARGIN
        self.last: ProfileCredentials | None = None
        self._renewed = threading.Condition()
        self._renewing = False
        self._stop = threading.Event()
        self._retry_at = 0.0
        self._thread: threading.Thread | None = None
        self._memo: tuple[tuple, ProfileCredentials] | None = None
        self._files = self._read_from()

    def _read_from(self) -> tuple[os.PathLike, ...]:
        """The files a read depends on: the profile's (or its cache file) and the config (region)."""
        if self.request is not None:
            from awscli_saml_sso.delivery import cache

            first = cache.file_for(self.environ, self.request.cache_key)
        else:
            first = awsfiles.credentials_path(self.environ)
        return (first, awsfiles.config_path(self.environ))

    # -- reading (requests) ------------------------------------------------------------------
    def read(self, at: dt.datetime) -> ProfileCredentials | None:
        """The profile's credentials if still valid at ``at``, without logging in. The files are
        parsed again only when one of them has changed (inode, size, times): a request costs two
        ``stat`` calls, and a login or ``logout`` elsewhere still counts at once."""
        stamp = self._stamp()  # before reading: a change while reading is seen next time
        memo = self._memo
        if memo is not None and memo[0] == stamp and memo[1].expiration > at:
            return memo[1]
        creds = self._read_files(at)
        self._memo = None if creds is None else (stamp, creds)
        return creds

    def _stamp(self) -> tuple:
        stamps = []
        for path in self._files:
            try:
                st = os.stat(path)
            except OSError:
                stamps.append(None)
            else:
                stamps.append((st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns))
        return tuple(stamps)

    def _read_files(self, at: dt.datetime) -> ProfileCredentials | None:
        from awscli_saml_sso.delivery import cache, profiles

        if self.request is not None:
            path = cache.file_for(self.environ, self.request.cache_key)
            # cache.load keeps 15 minutes in hand; asked for `at - 15 min`, it answers "valid at `at`"
            creds = cache.load(path, self.request.cache_key, at - defaults.MIN_REMAINING)
            if creds is None:
                return None
            return profiles.ProfileCredentials(
                self.profile,
                creds.access_key_id,
                creds.secret_access_key,
                creds.session_token,
                creds.expiration,
                awsfiles.read_config_region(self.profile, self.environ),
                cache.role_arn(path) or self.request.role_arn,
            )
        try:
            creds = profiles.load(self.profile, self.environ, now=at)
        except profiles.NotLoggedIn:
            return None
        return creds

    def __call__(self) -> ProfileCredentials:
        now = dt.datetime.now(dt.timezone.utc)
        creds = self.read(now)
        if creds is not None:
            self.last = creds
            if creds.expiration - now > self.margin:
                return creds
        self.kick()
        if creds is not None:
            return creds
        if self.last is not None and self.last.expiration > now:
            return self.last  # the profile is gone or being rewritten: the old keys still work
        with self._renewed:
            self._renewed.wait_for(lambda: not self._renewing, timeout=WAIT_FOR_RENEWAL)
        creds = self.read(dt.datetime.now(dt.timezone.utc))
        if creds is None:
            if self.failure:  # the SDK shows this message: say why, not "wait"
                raise SamlSsoError(f"no valid credentials for [{self.profile}]: {self.failure}")
            raise SamlSsoError(
                f"no valid credentials for [{self.profile}] yet (logging in again)", hint="the SDK retries"
            )
        return creds

    # -- renewing (one thread) ---------------------------------------------------------------
    def first(self) -> ProfileCredentials:
        """At start, in the foreground: a login that fails, fails before the command runs."""
        now = dt.datetime.now(dt.timezone.utc)
        creds = self.read(now + self.margin)
        if creds is None and self.renewable:
            self.renew()
        creds = self.read(dt.datetime.now(dt.timezone.utc))
        if creds is None:
            from awscli_saml_sso.delivery import profiles

            creds = profiles.load(self.profile, self.environ)  # raises NotLoggedIn with its hint
        self.last = creds
        self._fit_margin(creds, now)
        return creds

    @property
    def renewable(self) -> bool:
        """A login can renew them: a credential_process profile, or one written through a stored IdP."""
        return self.request is not None or bool(self.remembered and self.remembered.idp_nickname)

    def start(self) -> None:
        if not self.renewable:
            self.status(
                f"exec --server: [{self.profile}] was not written through a stored IdP: served until it "
                "expires, not renewed"
            )
            return
        self._thread = threading.Thread(target=self._loop, name="credential-renewal", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self.kick()

    def kick(self) -> None:
        with self._renewed:
            self._renewed.notify_all()

    def _loop(self) -> None:
        import time

        while not self._stop.is_set():
            with self._renewed:
                self._renewed.wait(POLL)
            if self._stop.is_set() or time.monotonic() < self._retry_at:
                continue
            now = dt.datetime.now(dt.timezone.utc)
            if self.read(now + self.margin) is not None:
                continue
            try:
                self.renew()
            except SamlSsoError as exc:
                self._failed(f"{exc.message}{'; ' + exc.hint if exc.hint else ''}")
            except Exception as exc:  # the thread must survive to serve what is still valid
                log.debug("exec --server: renewal failed", exc_info=exc)
                self._failed(type(exc).__name__)
            else:
                self.failure = None

    def _failed(self, why: str) -> None:
        """One line on stderr per failure, terminal or not: a job's log must say why its
        credentials stop (progress lines are for terminals only)."""
        import time

        self.failure = f"logging in again failed: {why}"
        self.warn(f"exec --server: {self.failure}; next try in {RETRY_AFTER_FAILURE:.0f} s")
        self._retry_at = time.monotonic() + RETRY_AFTER_FAILURE

    def renew(self) -> None:
        from awscli_saml_sso.delivery import process

        with self._renewed:
            self._renewing = True
        try:
            before = dt.datetime.now(dt.timezone.utc)
            if self.request is not None:
                process.credentials(self.request, self.environ)
            else:
                info = awsfiles.read_profile(self.profile, self.environ)
                if info is not None and info.idp_nickname:
                    self.remembered = info
                known = self.remembered
                if known is None or not known.idp_nickname:
                    raise SamlSsoError(
                        f"profile [{self.profile}] was not written through a stored IdP: it cannot be renewed",
                        hint="log in with --idp-nickname NAME",
                    )
                self.status(
                    f"exec --server: logging in again with the stored IdP '{known.idp_nickname}' for [{self.profile}]"
                )
                process.login(
                    process.Request(
                        nickname=known.idp_nickname,
                        role_arn=known.role_arn,
                        profile=self.profile,
                        endpoint_url=self.environ.get("ASS_ENDPOINT_URL") or None,
                    ),
                    self.environ,
                )
            creds = self.read(dt.datetime.now(dt.timezone.utc))
            if creds is not None:
                self.last = creds
                self._fit_margin(creds, before)
        finally:
            with self._renewed:
                self._renewing = False
                self._renewed.notify_all()

    def _fit_margin(self, creds: ProfileCredentials, before: dt.datetime) -> None:
        """Sessions shorter than twice the margin (15-minute roles) would be renewed at once:
        for them, renew when half the session is left."""
        left = creds.expiration - before
        if left < 2 * self.margin:
            self.margin = min(self.margin, left / 2)
