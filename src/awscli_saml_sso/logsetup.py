"""Logging: ``--log-level`` / ``ASS_LOG_LEVEL``, on stderr, with secrets masked at every level.

Two layers of protection:
1. libraries that dump request and response bodies at DEBUG (botocore carries the SAML assertion
   and the new keys; selenium carries typed text, i.e. the password) are capped at INFO;
2. every record is passed through a filter that masks every secret registered with
   ``register_secret`` (passwords, assertions, keys, tokens) wherever it appears.
"""

from __future__ import annotations

import logging
import threading

_CHATTY = ("botocore", "boto3", "urllib3", "selenium", "websocket", "s3transfer")
_secrets: set[str] = set()
_lock = threading.Lock()


def register_secret(value: str | None) -> None:
    """Mask ``value`` in every log record from now on (values under 6 characters are too
    common to mask safely and are never logged by our code anyway)."""
    if value and len(value) >= 6:
        with _lock:
            _secrets.add(value)


def redact(text: str) -> str:
    with _lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, f"<redacted {len(secret)} chars>")
    return text


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


def configure(level: str | None) -> None:
    name = (level or "WARNING").upper()
    numeric = getattr(logging, name, logging.WARNING)
    handler = logging.StreamHandler()
    handler.addFilter(RedactingFilter())
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(numeric)
    for chatty in _CHATTY:
        logging.getLogger(chatty).setLevel(max(numeric, logging.INFO))
