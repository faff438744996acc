"""``console``: a sign-in URL for the AWS web console from a profile's temporary credentials.

The AWS federation endpoint turns session credentials into a sign-in token
(``Action=getSigninToken``), and a ``Action=login`` URL with that token signs the browser in.
No ``SessionDuration`` is sent: AWS accepts it only for credentials from ``GetFederationToken``
and refuses it for role sessions like ours (the console session lasts as long as the role
session, at most 12 h). The login URL is valid for 15 minutes.

The login URL carries the sign-in token: whoever has it is signed in as the role. It never goes
on a command line (a browser launcher's argv is readable by every local user in ``/proc``):
the browser is given a private (0600) page in ``<tool home>/console/`` that forwards to it
(``signin_page``). The page lives ``PAGE_LIFETIME`` (60 s), not the token's 15 minutes: a
detached clean-up process (``python -I -S``, no pipes of ours, its own session) removes it then
and exits; should it be killed, the next ``console`` removes pages older than that, and
``logout`` removes every one. ``--print`` prints the URL instead.
"""

from __future__ import annotations

import html
import json
import logging
import os
import secrets
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from awscli_saml_sso import paths
from awscli_saml_sso.errors import FilesError, NetworkError, SamlSsoError, StsError
from awscli_saml_sso.models import Credentials

log = logging.getLogger(__name__)

ISSUER = "awscli-saml-sso"
FEDERATION_TIMEOUT = 15.0
# partition -> (federation endpoint, console)
PARTITIONS = {
    "aws": ("https://signin.aws.amazon.com/federation", "https://console.aws.amazon.com/"),
    "aws-us-gov": ("https://signin.amazonaws-us-gov.com/federation", "https://console.amazonaws-us-gov.com/"),
    "aws-cn": ("https://signin.amazonaws.cn/federation", "https://console.amazonaws.cn/"),
}


def partition_of(role_arn: str | None) -> str:
    """``arn:PARTITION:...``; unknown or missing → the commercial partition."""
    parts = (role_arn or "").split(":")
    return parts[1] if len(parts) > 1 and parts[1] in PARTITIONS else "aws"


def endpoints(partition: str, federation_url: str | None, destination: str | None) -> tuple[str, str]:
    default_federation, default_console = PARTITIONS.get(partition, PARTITIONS["aws"])
    return federation_url or default_federation, destination or default_console


def signin_token_url(federation_url: str, creds: Credentials) -> str:
    session = json.dumps(
        {"sessionId": creds.access_key_id, "sessionKey": creds.secret_access_key, "sessionToken": creds.session_token},
        separators=(",", ":"),
    )
    query = urllib.parse.urlencode({"Action": "getSigninToken", "Session": session})
    return f"{federation_url}?{query}"


def login_url(federation_url: str, destination: str, token: str) -> str:
    query = urllib.parse.urlencode(
        {"Action": "login", "Issuer": ISSUER, "Destination": destination, "SigninToken": token}
    )
    return f"{federation_url}?{query}"


def get_signin_token(federation_url: str, creds: Credentials, timeout: float = FEDERATION_TIMEOUT) -> str:
    request = urllib.request.Request(signin_token_url(federation_url, creds), headers={"Accept": "application/json"})
    host = urllib.parse.urlsplit(federation_url).netloc
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:  # https (or a test's loopback
            body = answer.read(64 * 1024)
    except urllib.error.HTTPError as exc:
        raise _http_error(exc.code, host) from exc
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise NetworkError(f"cannot reach the AWS federation endpoint {host}: {reason}") from exc
    try:
        token = json.loads(body)["SigninToken"]
    except (ValueError, KeyError, TypeError) as exc:
        raise StsError(f"the AWS federation endpoint {host} gave no sign-in token", hint="") from exc
    if not isinstance(token, str) or not token:
        raise StsError(f"the AWS federation endpoint {host} gave an empty sign-in token", hint="")
    return token


def _http_error(code: int, host: str) -> SamlSsoError:
    if code in (400, 401, 403):
        return StsError(
            f"the AWS federation endpoint {host} refused these credentials (HTTP {code}): "
            "they cannot be federated, most often because they have expired",
            hint="log in again, then retry",
        )
    return NetworkError(f"the AWS federation endpoint {host} answered HTTP {code}", hint="try again in a moment")


def console_url(
    creds: Credentials, role_arn: str | None, *, destination: str | None = None, federation_url: str | None = None
) -> str:
    """The ``Action=login`` URL for the profile's partition (or the overrides)."""
    federation, target = endpoints(partition_of(role_arn), federation_url, destination)
    log.debug("console: federation endpoint %s, destination %s", federation, target)
    return login_url(federation, target, get_signin_token(federation, creds))


def signin_page(url: str) -> bytes:
    """A page that sends the browser on to ``url`` at once, leaving no history entry
    (``location.replace``), with a meta refresh and a link where scripts are off."""
    attr = html.escape(url, quote=True)
    script = json.dumps(url).replace("<", "\\u003c")  # no "</script>" can end the script early
    return (
        '<!doctype html>\n<html><head><meta charset="utf-8">'
        '<meta name="referrer" content="no-referrer">'
        f'<meta http-equiv="refresh" content="0;url={attr}">'
        "<title>awscli_saml_sso: AWS console</title>"
        f"<script>location.replace({script});</script></head>"
        f'<body><p><a href="{attr}">Open the AWS console</a></p></body></html>\n'
    ).encode()


# Why not "once the browser has read it": xdg-open reads the file for its MIME type before it
# starts the browser, so the first read is not the browser's, and atime is not kept everywhere
# (noatime). 60 s is ample for a browser to start and load a local page, and short for a token.
PAGE_LIFETIME = 60.0
_CLEANER = (
    "import os, sys, time\n"
    "time.sleep(max(0.0, float(sys.argv[2]) - time.time()))\n"
    "try:\n    os.unlink(sys.argv[1])\nexcept OSError:\n    pass\n"
)


def write_signin_page(environ, url: str, now: float | None = None, lifetime: float = PAGE_LIFETIME) -> Path:
    """The private page for ``url`` in ``<tool home>/console`` (0700), created 0600 with a
    random name (``O_EXCL | O_NOFOLLOW``: never through a planted file or link), removed after
    ``lifetime`` seconds by a detached clean-up."""
    directory = paths.private_dir(paths.tool_home(environ) / "console")
    now = time.time() if now is None else now
    _remove_expired(directory, now)
    page = directory / f"signin-{secrets.token_hex(12)}.html"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(page, flags, 0o600)
        with open(fd, "wb") as out:
            out.write(signin_page(url))
    except OSError as exc:
        raise FilesError(f"cannot write the console sign-in page {page}: {exc.strerror or exc}") from exc
    _clean_up_later(page, now + lifetime)
    return page


def _clean_up_later(page: Path, at: float) -> None:
    """A process that removes ``page`` at ``at`` and exits: it outlives this command (the
    browser reads the page after we exit) by one minute at most. Its own session (a terminal's
    hang-up does not end it early) and no descriptor of ours (a caller reading our output to
    its end does not wait for it)."""
    import subprocess
    import sys

    try:
        subprocess.Popen(
            [sys.executable, "-I", "-S", "-c", _CLEANER, str(page), f"{at:.3f}"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            close_fds=True,
            start_new_session=os.name == "posix",
            cwd=page.parent,
        )
    except OSError as exc:  # no process left: the next run or logout removes the page
        log.debug("console: clean-up of %s not started: %s", page.name, exc)


def _remove_expired(directory: Path, now: float) -> None:
    """Pages older than their lifetime whose clean-up did not run (killed, or a reboot)."""
    _remove_pages(directory, lambda entry: now - entry.stat(follow_symlinks=False).st_mtime > PAGE_LIFETIME)


def remove_pages(environ) -> list[str]:  # a Mapping
    """``logout``: every sign-in page left, whatever its age (each holds a sign-in token)."""
    directory = paths.tool_home(environ) / "console"
    count = _remove_pages(directory, lambda entry: True)
    return [f"removed {count} console sign-in page(s) from {directory}"] if count else []


def _remove_pages(directory: Path, doomed) -> int:
    count = 0
    try:
        entries = list(os.scandir(directory))
    except OSError:  # no directory: nothing to remove
        return 0
    for entry in entries:
        if entry.name.startswith("signin-") and entry.name.endswith(".html"):
            try:
                if doomed(entry):
                    os.unlink(entry.path)
                    count += 1
            except OSError:
                pass  # gone meanwhile: its clean-up or another run removed it
    return count
