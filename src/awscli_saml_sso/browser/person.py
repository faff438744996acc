"""A step of the login only a person can do (a security key, a CAPTCHA, a page we do not
understand): raised by :mod:`autofill`, offered to the person by :mod:`handover`."""

from __future__ import annotations


class NeedsPerson(Exception):
    """Raised by autofill: the page wants ``step`` from the person (e.g. "a security key")."""

    def __init__(self, step: str, url: str, fallback: Exception | None = None) -> None:
        super().__init__(step)
        self.step, self.url = step, url
        self.fallback = fallback  # the error to raise when no window can be offered


def step_name(found: str) -> str:
    """What the page asks for, in words for the person, from the phrase that gave it away."""
    found = found.lower()
    if "captcha" in found or "robot" in found or "images" in found or "pictures" in found:
        return "a CAPTCHA"
    if "passkey" in found:
        return "a passkey"
    if any(w in found for w in ("hello", "touch id", "face id")):
        return "the device's own sign-in (Windows Hello, Touch ID or Face ID)"
    if found == "account":
        return "a choice of account"
    if found == "unknown":
        return "a step the tool does not understand"
    return "a security key"
