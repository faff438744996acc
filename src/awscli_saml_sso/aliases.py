"""Account aliases for the role menu, ``roles`` and ``status``: people choose between names, not
12-digit numbers.

Two sources, the person's own map first:

- ``~/.awscli_saml_sso/account-aliases`` (written by hand; for accounts whose roles may not call
  ``iam:ListAccountAliases``)::

      [aliases]
      123456789012 = prod

- ``~/.awscli_saml_sso/cache/account-aliases.json``: learned after a successful assume with
  ``iam:ListAccountAliases`` (once per account; any failure is quiet: the number is shown).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from awscli_saml_sso import paths

log = logging.getLogger(__name__)

USER_FILE = "account-aliases"
SECTION = "aliases"
_ACCOUNT = re.compile(r"^\d{12}$")
_ALIAS = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,61}[a-z0-9])?$")  # IAM's rule for account aliases
IAM_TIMEOUT = 5.0


def user_path(environ: Mapping[str, str]) -> Path:
    return paths.tool_home(environ) / USER_FILE


def cache_path(environ: Mapping[str, str]) -> Path:
    return paths.cache_dir(environ) / "account-aliases.json"


def _clean(mapping: Mapping[str, Any]) -> dict[str, str]:
    """Only 12-digit accounts with an alias IAM would allow: nothing else reaches a terminal."""
    return {
        k: v
        for k, v in mapping.items()
        if isinstance(k, str) and _ACCOUNT.match(k) and isinstance(v, str) and _ALIAS.match(v)
    }


def _learned(environ: Mapping[str, str]) -> dict[str, str]:
    try:
        data = json.loads(cache_path(environ).read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return {}
    return _clean(data) if isinstance(data, dict) else {}


def _user_map(environ: Mapping[str, str]) -> dict[str, str]:
    from awscli_saml_sso import atomicfile, inifile

    try:
        text = atomicfile.read_bytes(user_path(environ), limit=1024 * 1024).decode("utf-8", "replace")
    except Exception:  # an unreadable map only costs the names
        return {}
    return _clean(inifile.parse(text).get(SECTION) or {})


def load(environ: Mapping[str, str]) -> dict[str, str]:
    """account -> alias; the person's map wins over what was learned."""
    return {**_learned(environ), **_user_map(environ)}


def remember(environ: Mapping[str, str], account: str, alias: str) -> None:
    """Add one learned alias to the cache (atomic, 0600 in the 0700 cache directory)."""
    from awscli_saml_sso import atomicfile

    if not (_ACCOUNT.match(account) and _ALIAS.match(alias)):
        return
    if _learned(environ).get(account) == alias:
        return
    with atomicfile.updating(cache_path(environ), own_dir=True) as real:
        learned = {**_learned(environ), account: alias}  # read again under the lock: a run may have added one
        atomicfile.atomic_write(real, json.dumps(learned, indent=1, sort_keys=True).encode() + b"\n")


def fetch(credentials: Any, region: str, endpoint_url: str | None) -> str | None:
    """The account's first alias through ``iam:ListAccountAliases``; None on any failure (the
    role may not call it, the network may be down): the alias is a nicety."""
    try:
        import boto3
        from botocore.config import Config

        client = boto3.session.Session().client(
            "iam",
            region_name=region,
            endpoint_url=endpoint_url or None,
            aws_access_key_id=credentials.access_key_id,
            aws_secret_access_key=credentials.secret_access_key,
            aws_session_token=credentials.session_token,
            config=Config(connect_timeout=IAM_TIMEOUT, read_timeout=IAM_TIMEOUT, retries={"max_attempts": 1}),
        )
        names = client.list_account_aliases().get("AccountAliases") or []
    except Exception as exc:  # quiet by design
        log.debug("iam:ListAccountAliases failed: %s", type(exc).__name__)
        return None
    return names[0] if names and isinstance(names[0], str) else None


def iam_endpoint(environ: Mapping[str, str], sts_endpoint_url: str | None) -> tuple[bool, str | None]:
    """Where IAM is: ``AWS_ENDPOINT_URL_IAM`` or ``AWS_ENDPOINT_URL`` (as the SDKs read them), else
    AWS's own. With a custom STS endpoint (``--endpoint-url``) and none for IAM, IAM is not asked:
    the login's credentials are not sent where nobody configured them to go."""
    configured = environ.get("AWS_ENDPOINT_URL_IAM") or environ.get("AWS_ENDPOINT_URL") or None
    if sts_endpoint_url and not configured:
        return False, None
    return True, configured


def learn(
    environ: Mapping[str, str], account: str, credentials: Any, region: str, sts_endpoint_url: str | None
) -> None:
    """After a successful assume: ask IAM once per account not known yet."""
    ask, endpoint_url = iam_endpoint(environ, sts_endpoint_url)
    if not ask or account in load(environ):
        return
    alias = fetch(credentials, region, endpoint_url)
    if alias:
        try:
            remember(environ, account, alias)
        except Exception as exc:  # a cache that cannot be written only costs the name
            log.debug("could not cache the alias of %s: %s", account, type(exc).__name__)
