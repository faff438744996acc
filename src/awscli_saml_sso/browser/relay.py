"""The human steps of a login, as pure decisions: what to tell the person, which factor to pick,
and what the IdP's refusal means. No browser here: :mod:`autofill` reads the page and acts.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from awscli_saml_sso.errors import AuthError, UsageError

MFA_METHODS = ("totp", "push", "sms", "call", "email")
METHOD_NAMES = {
    "totp": "one-time code",
    "push": "push / number",
    "sms": "text message",
    "call": "phone call",
    "email": "email",
}


def approval_line(number: str) -> str:
    """The one line the person must see: without it, number matching cannot be answered."""
    if number:
        return f"approve the sign-in on your phone: {number}"
    return "approve the sign-in request sent to your phone"


# A push that ended without approval. Checked only after a push or number was relayed, so words
# like "denied" on other pages mean what the error classification says.
_DENIED = re.compile(
    r"denied|declined|rejected|abgelehnt|refusé|rechazad|you (said|answered|tapped) no|"
    r"not approved|wasn'?t approved|was not approved",
    re.I,
)
_TIMED_OUT = re.compile(
    r"timed? ?out|expired|didn'?t hear|did not hear|no response|didn'?t (get|receive) "
    r"(a|your) response|zeitüberschreitung|abgelaufen|expiré|caducad",
    re.I,
)


def push_failure(error: str) -> AuthError | None:
    if not error:
        return None
    if _DENIED.search(error):
        return AuthError(f"the sign-in request was denied: {error}")
    if _TIMED_OUT.search(error):
        return AuthError(
            f"the sign-in request timed out: {error}", hint="run again and approve it on your phone in time"
        )
    return None


# The IdP's refusal, classified for the short label next to its own sentence. Order matters:
# "your account is locked because the password expired" is about the lock.
_CLASSES = (
    (
        "account disabled",
        re.compile(
            r"disabled|deactivated|suspended|deaktiviert|désactivé|desactivad|"
            r"not (active|enabled)",
            re.I,
        ),
    ),
    (
        "account locked",
        re.compile(
            r"locked|gesperrt|verrouill|bloquead|too many (failed |unsuccessful )?"
            r"(attempts|tries|sign-?in)",
            re.I,
        ),
    ),
    (
        "password expired",
        re.compile(
            r"password (has )?expired|expired password|must (be )?change|change your "
            r"password|kennwort (ist )?abgelaufen|passwort (ist )?abgelaufen",
            re.I,
        ),
    ),
    (
        "unknown user",
        re.compile(
            r"couldn'?t find|could not find|no account|not found|doesn'?t exist|"
            r"does not exist|unknown user|not recogni[sz]ed|n'existe pas|no existe|"
            r"unbekannt",
            re.I,
        ),
    ),
    (
        "format",
        re.compile(
            r"\bformat\b|enter a valid|must (contain|include|be a)|please (enter|include|match)|"
            r"\bvalid (e-?mail|address|user)",
            re.I,
        ),
    ),
)
_KIND_LABELS = {
    "password": "wrong username or password",
    "otp": "wrong one-time code",
    "username": "username not accepted",
}
_KIND_PAGES = {"username": "username", "password": "password", "otp": "one-time code"}


def rejection(sentence: str, kind: str | None) -> AuthError:
    """AuthError with our short classification and the IdP's own sentence."""
    sentence = " ".join(sentence.split())
    if not sentence:
        page = _KIND_PAGES.get(kind or "", "login")
        return AuthError(
            f"the IdP rejected the login: it showed the {page} page again",
            hint="check the username and password" if kind != "otp" else "check the code",
        )
    label = next((name for name, pattern in _CLASSES if pattern.search(sentence)), None)
    if label is None:
        label = _KIND_LABELS.get(kind or "", "refused")
    return AuthError(f"the IdP rejected the login ({label}): {sentence}")


def pick_method(methods: Sequence[dict[str, Any]], wanted: str | None, has_code: bool) -> dict[str, Any] | None:
    """The factor to choose among what the page offers, or None to leave the page as it is.

    ``wanted`` (--mfa-method) must be there; with a code at hand the code method wins; else push,
    which needs nothing typed. SMS, call and email are chosen only when asked for by name.
    """
    offered = [m for m in methods if m.get("method") in MFA_METHODS]
    if not offered:
        return None
    if wanted:
        for method in offered:
            if method["method"] == wanted:
                return method
        listed = ", ".join(sorted({f"{m['method']} ({_short(m['label'])})" for m in offered}))
        raise UsageError(
            f"the IdP does not offer --mfa-method {wanted}; it offers: {listed}",
            hint="pass one of those, or leave out --mfa-method",
        )
    for preferred in ("totp", "push") if has_code else ("push", "totp"):
        for method in offered:
            if method["method"] == preferred:
                return method
    return None


def _short(label: str) -> str:
    label = " ".join(label.split())
    return label if len(label) <= 40 else label[:39] + "…"
