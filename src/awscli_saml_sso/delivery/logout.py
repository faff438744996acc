"""``logout``: forget credentials and sessions, and say what went.

- a profile: the keys a login wrote to ``~/.aws/credentials`` (the section too when nothing else
  is left in it; every other byte of the file stays), and its ``credential-process`` cache
  entries (those written for ``--profile P``, and those of ``[profile P]``'s own
  ``credential_process`` line when it is this tool);
- an IdP (``--idp-nickname``): its persistent browser profile and cookie jar (the IdP's session) and its
  ``credential-process`` cache entries; ``--forget-password``: its keyring entry too;
- ``--all``: every profile this tool wrote, every cache entry, every IdP's browser profile
  (and with ``--forget-password`` every stored password).
"""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Mapping
from pathlib import Path

from awscli_saml_sso import awsfiles, defaults, paths
from awscli_saml_sso.delivery import cache
from awscli_saml_sso.errors import UsageError


@dataclasses.dataclass(frozen=True)
class Plan:
    profiles: tuple[str, ...] = ()
    nicknames: tuple[str, ...] = ()
    every_cache_entry: bool = False
    forget_password: bool = False


def plan(
    environ: Mapping[str, str], profile: str | None, nickname: str | None, everything: bool, forget_password: bool
) -> Plan:
    from awscli_saml_sso import idps

    if forget_password and not (nickname or everything):
        raise UsageError(
            "--forget-password needs --idp-nickname NAME (or --all)", hint="the password belongs to a stored IdP"
        )
    if everything:
        from awscli_saml_sso.delivery import configprofiles

        names = [p.profile for p in awsfiles.tool_profiles(environ)] + list(configprofiles.all_profiles(environ))
        return Plan(tuple(dict.fromkeys(names)), tuple(sorted(idps.load_all(environ))), True, forget_password)
    if nickname:
        idps.get(nickname, environ)  # an unknown nickname: the usual error, nothing removed
    if profile and not _known(profile, environ):  # a typo must not read as "already logged out"
        raise UsageError(
            f"no profile [{profile}] in {awsfiles.credentials_path(environ)}, {awsfiles.config_path(environ)}"
            " or the credential cache",
            hint="the profiles: awscli_saml_sso status",
        )
    profiles = (profile,) if profile else () if nickname else (defaults.PROFILE,)
    return Plan(profiles, (nickname,) if nickname else (), False, forget_password)


def _known(profile: str, environ: Mapping[str, str]) -> bool:
    """Whether ``profile`` names anything: a credentials section, a config profile, a cache entry."""
    from awscli_saml_sso import inifile

    if awsfiles.read_profile(profile, environ) is not None:
        return True
    config = awsfiles.read_text(awsfiles.config_path(environ))
    if inifile.get_section(config, awsfiles.config_section(profile)) is not None:
        return True
    return any(data["key"].get("profile") == profile for _path, data in cache.entries(environ))


def run(p: Plan, environ: Mapping[str, str]) -> list[str]:
    """Do ``p``; return one line per thing removed."""
    done: list[str] = []
    doomed: set[Path] = set()
    for profile in p.profiles:
        if remove_profile(profile, environ):
            done.append(f"removed the credentials of [{profile}] from {awsfiles.credentials_path(environ)}")
        doomed |= _cache_files_of_profile(profile, environ)
    for path, data in cache.entries(environ):
        if p.every_cache_entry or data["key"].get("idp") in p.nicknames:
            doomed.add(path)
    for path in sorted(doomed):
        if path.exists():
            cache.remove(path)
            done.append(f"removed the cached credentials {path.name}")
    for nickname in p.nicknames:
        done += _forget_idp(nickname, p.forget_password, environ)
    from awscli_saml_sso.delivery import console  # sign-in pages hold a token: any logout removes them

    return done + console.remove_pages(environ)


def remove_profile(profile: str, environ: Mapping[str, str]) -> bool:
    from awscli_saml_sso import inifile

    inifile.check_name(profile)
    return awsfiles.remove_profile_keys(awsfiles.credentials_path(environ), profile, awsfiles.TOOL_KEYS)


def _cache_files_of_profile(profile: str, environ: Mapping[str, str]) -> set[Path]:
    from awscli_saml_sso.delivery import configprofiles

    found = {path for path, data in cache.entries(environ) if data["key"].get("profile") == profile}
    request = configprofiles.find(profile, environ)
    if request is not None:
        found.add(cache.file_for(environ, request.cache_key))
    return found


def _forget_idp(nickname: str, forget_password: bool, environ: Mapping[str, str]) -> list[str]:
    done = []
    session = paths.browser_profile_dir(environ, nickname)
    if session.is_dir() and not session.is_symlink():
        shutil.rmtree(session, ignore_errors=True)
        done.append(f"removed the browser session of IdP '{nickname}' ({session})")
    from awscli_saml_sso import cookiestore

    jar = cookiestore.jar_path(environ, nickname)
    if cookiestore.remove(jar):
        done.append(f"removed the IdP session cookies of IdP '{nickname}' ({jar})")
    if forget_password:
        from awscli_saml_sso import idps

        stored = idps.load_all(environ).get(nickname)
        if stored is not None and stored.username and idps.get_password(nickname, stored.username) is not None:
            idps.delete_password(nickname, stored.username)
            done.append(f"removed the keyring password of {stored.username} for IdP '{nickname}'")
    return done
