"""Profiles of ``~/.aws/config`` whose ``credential_process`` is this tool.

``exec``, ``env``, ``console``, ``status`` and ``logout`` accept them as well as the profiles of
``~/.aws/credentials``: the ``credential_process`` command line is read back into the
``credential-process`` request it makes, so they share its cache and its logins.

Pure parsing (``request_from_command``) apart from reading the config file (``find``, ``all``).
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping

from awscli_saml_sso import awsfiles, defaults, inifile
from awscli_saml_sso.delivery.process import Request

COMMAND = "credential-process"
_PROGRAM_NAMES = ("awscli_saml_sso", "awscli-saml-sso")
# credential-process options that take a value, by their Request field
_VALUE_OPTIONS = {
    "--idp-nickname": "nickname",
    "--role-arn": "role_arn",
    "--profile": "profile",
    "--endpoint-url": "endpoint_url",
    "--browser-path": "browser_path",
    "--driver-path": "driver_path",
    "--timeout": "timeout",
    "--log-level": None,  # accepted, not part of the request
}


def _is_ours(program_words: list[str]) -> bool:
    """``awscli_saml_sso``, a path to it (``.exe`` too), or ``python -m awscli_saml_sso``."""
    for word in program_words:
        base = word.replace("\\", "/").rsplit("/", 1)[-1].lower()
        if base.endswith(".exe"):
            base = base[:-4]
        if base in _PROGRAM_NAMES:
            return True
    return False


def request_from_command(command_line: str, environ: Mapping[str, str] | None = None) -> Request | None:
    """The request a ``credential_process`` line makes, or None when it is not this tool's
    (or is one this tool would refuse: no ``--idp-nickname``)."""
    try:
        words = shlex.split(command_line)
    except ValueError:
        return None
    if COMMAND not in words:
        return None
    at = words.index(COMMAND)
    if not _is_ours(words[:at]):
        return None
    fields: dict[str, object] = {}
    rest = words[at + 1 :]
    i = 0
    while i < len(rest):
        word = rest[i]
        name, has_value, value = word.partition("=")
        if name in _VALUE_OPTIONS:
            if not has_value:
                if i + 1 >= len(rest):
                    return None
                value = rest[i + 1]
                i += 1
            field = _VALUE_OPTIONS[name]
            if field is not None:
                fields[field] = value
        elif word == "--show-browser":
            fields["show_browser"] = True
        i += 1
    if not fields.get("nickname"):
        return None
    if not fields.get("endpoint_url") and environ and environ.get("ASS_ENDPOINT_URL"):
        fields["endpoint_url"] = environ["ASS_ENDPOINT_URL"]  # as click's envvar does for the real run
    try:
        fields["timeout"] = float(fields.get("timeout", defaults.TIMEOUT))  # type: ignore[arg-type]
    except ValueError:
        return None
    return Request(**fields)  # type: ignore[arg-type]


def _config_sections(environ: Mapping[str, str]) -> dict[str, dict[str, str]]:
    from awscli_saml_sso import atomicfile

    raw = atomicfile.read_bytes(awsfiles.config_path(environ))
    return inifile.parse(raw.decode("utf-8", "surrogateescape"))


def _profile_name(section: str) -> str | None:
    if section == "default":
        return "default"
    if section.startswith("profile "):
        return section[len("profile ") :].strip() or None
    return None


def all_profiles(environ: Mapping[str, str]) -> dict[str, tuple[Request, str]]:
    """Every config profile whose ``credential_process`` is this tool: name -> (request, region)."""
    found: dict[str, tuple[Request, str]] = {}
    for section, values in _config_sections(environ).items():
        name = _profile_name(section)
        line = values.get("credential_process")
        if name is None or not line:
            continue
        request = request_from_command(line, environ)
        if request is not None:
            found[name] = (request, values.get("region") or "")
    return found


def find(profile: str, environ: Mapping[str, str]) -> Request | None:
    """The request of config profile ``profile``, when its ``credential_process`` is this tool."""
    entry = all_profiles(environ).get(profile)
    return entry[0] if entry else None
