"""Which IdP a login uses, and what is remembered after a successful one.

``--idp-url``: one-off, nothing stored. ``--idp-nickname``: the stored IdP. Neither: a menu of
the stored IdPs with ``+`` to add one, or (nothing stored yet) the questions to add the first.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from typing import Any

from awscli_saml_sso.errors import MissingAnswerError, UsageError
from awscli_saml_sso.ui import Terminal

CHOOSE_IDP_OPTION = "--idp-url URL or --idp-nickname NAME"


def resolve(options: dict[str, Any], term: Terminal, environ: Mapping[str, str]) -> Any:
    """The ``StoredIdp`` to use, or None for a one-off ``--idp-url`` / ``--saml-response``."""
    from awscli_saml_sso import idps  # only when a stored IdP is involved

    if options.get("idp_url"):
        return None
    if options.get("idp_nickname"):
        return idps.get(options["idp_nickname"], environ)
    if options.get("saml_response") is not None:
        return None
    known, note = idps.load_all_with_note(environ)
    if note:
        term.line(note)
    if not known:
        if term.tty() is None:
            raise UsageError("no IdP to log in to, and none stored", hint=f"pass {CHOOSE_IDP_OPTION}")
        term.line("No IdP stored yet: let's add one.")
        return _added(options, _add_interactively(term, environ, known))
    names = sorted(known)
    labels = [f"{name}  {known[name].url}" for name in names]
    try:
        picked = term.choose("Stored IdPs:", labels, option=CHOOSE_IDP_OPTION, allow_add=True)
    except MissingAnswerError as exc:
        raise MissingAnswerError("the choice of IdP", CHOOSE_IDP_OPTION) from exc
    if picked == "+":
        return _added(options, _add_interactively(term, environ, known))
    return known[names[int(picked)]]


def _added(options: dict[str, Any], stored: Any) -> Any:
    """An IdP added just now is one to log in with: a profile still valid from an earlier login
    (another IdP, another role) must not end the run with "nothing to do"."""
    options["force"] = True
    return stored


def _add_interactively(term: Terminal, environ: Mapping[str, str], known: Mapping[str, Any]) -> Any:
    from awscli_saml_sso import idps

    while True:
        nickname = term.ask("Nickname for this IdP", what="an IdP nickname", option=CHOOSE_IDP_OPTION)
        if nickname in known:
            term.line(f"'{nickname}' is already stored; choose another nickname")
            continue
        try:
            nickname = idps.validate_nickname(nickname)
            break
        except UsageError as exc:
            term.line(f"{exc.message}; try again")
    while True:
        url = term.ask("IdP-initiated sign-on URL of the AWS app", what="the IdP URL", option="--idp-url")
        try:
            url = idps.validate_url(url)
            break
        except UsageError as exc:
            term.line(f"{exc.message}; try again")
    username = term.ask("Username (empty: ask each time)", what="the username", option="--username") or None
    stored = idps.StoredIdp(nickname=nickname, url=url, username=username)
    path = idps.save(stored, environ)
    term.line(f"stored IdP '{nickname}' in {path}")
    return stored


def after_login(
    stored: Any,
    options: dict[str, Any],
    opts: Any,
    result: Any,
    typed_password: str | None,
    term: Terminal,
    environ: Mapping[str, str],
) -> None:
    """Remember the username and role; offer the keyring; show the shorter command, once.

    The login has succeeded by now: nothing here may turn it into a failure (a keyring or file
    that fails is a warning, the credentials are written and the exit status stays 0)."""
    role_arn = result.first.role.role_arn if len(result.profiles) == 1 else None
    _remember(stored, opts, role_arn, term, environ)
    if typed_password and opts.idp.username and term.tty() is not None:
        _offer_keyring(stored.nickname, opts.idp.username, typed_password, term)
    if not options.get("use_stored"):
        parts = ["awscli_saml_sso", "--idp-nickname", stored.nickname, "--use-stored"]
        if role_arn:
            parts += ["--role-arn", role_arn]
        term.line("next time: " + " ".join(shlex.quote(p) for p in parts))


def _remember(stored: Any, opts: Any, role_arn: str | None, term: Terminal, environ: Mapping[str, str]) -> None:
    from awscli_saml_sso import idps
    from awscli_saml_sso.errors import SamlSsoError

    changes = {}
    if not stored.username and opts.idp.username:
        changes["username"] = opts.idp.username
    if not stored.role_arn and role_arn:
        changes["role_arn"] = role_arn
    if not changes:
        return
    try:  # only these fields, under the lock: what the login itself noted (an origin, the engine) stays
        updated, _ = idps.update(stored.nickname, changes, environ)
    except SamlSsoError as exc:
        term.warn(f"could not remember the username and role of IdP '{stored.nickname}': {exc.message}")
        return
    if updated.role_arn != stored.role_arn:
        term.line(
            f"{updated.role_arn} is now the default role of IdP '{stored.nickname}' "
            f"(change: awscli_saml_sso idp set {stored.nickname} --role-arn ...)"
        )


def _offer_keyring(nickname: str, username: str, password: str, term: Terminal) -> None:
    from awscli_saml_sso import idps, secrets
    from awscli_saml_sso.errors import SamlSsoError

    if not secrets.keyring_usable():
        term.line(
            "no usable OS keyring, so the password is not kept; to keep it: "
            "pipx inject awscli-saml-sso keyrings.alt (see README, Stored IdPs)"
        )
        return
    if not term.confirm("Store the password in the OS keyring for --use-stored?", option="--use-stored"):
        return
    try:
        note = idps.set_password(nickname, username, password)
    except SamlSsoError as exc:
        term.warn(f"{exc.message}; the login itself succeeded ({exc.hint})")
        return
    if note:
        term.warn(note)
    term.line("password stored in the OS keyring")


def step_recorder(stored: Any, environ: Mapping[str, str]):
    """A callable the browser layer calls when the IdP needed a person's step (security key,
    CAPTCHA): noted on the stored IdP, so the next login says so before it starts."""

    def remember(step: str) -> None:
        from awscli_saml_sso import idps

        idps.remember_step(stored.nickname, step, environ)

    return remember


def engine_recorder(stored: Any, environ: Mapping[str, str]):
    """A callable the HTTP engine calls when the IdP's login needed the browser: noted on the
    stored IdP, so the next ``--engine auto`` login starts in the browser at once."""

    def remember(engine: str) -> None:
        from awscli_saml_sso import idps

        idps.remember_engine(stored.nickname, engine, environ)

    return remember
