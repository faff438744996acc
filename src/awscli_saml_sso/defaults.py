"""The product's fixed values, each in one place: option choices and defaults, STS bounds, times.

Imports nothing: every layer may read it (see ``tests/test_architecture.py``).
"""

from __future__ import annotations

import datetime as dt

# --browser: the Chromium family (driven over its DevTools pipe) and Firefox (WebDriver BiDi)
BROWSERS = ("chrome", "chromium", "edge", "firefox")
# how the browser runs: headless and auto-filled, visible and auto-filled, visible for the person
BROWSER_MODES = ("headless", "show", "manual")
HEADLESS, SHOW, MANUAL = BROWSER_MODES

# --engine: plain HTTP first and the browser when a page needs it, only HTTP, only the browser
ENGINES = ("auto", "http", "browser")
ENGINE_AUTO, ENGINE_HTTP, ENGINE_BROWSER = ENGINES
ENGINE_ENV = "ASS_ENGINE"

# --mfa-method: the second factor to choose where the IdP offers several
MFA_METHODS = ("totp", "push", "sms", "call", "email")

PROFILE = "saml"  # --profile when none is given or stored
TIMEOUT = 120  # --timeout: seconds to wait for the SAML response
MAX_TIMEOUT = 3600

# AssumeRoleWithSAML's DurationSeconds: STS' bounds, and what it uses when none is asked for
MIN_DURATION = 900
MAX_DURATION = 43200
DEFAULT_DURATION = 3600

# Credentials with less left than this are renewed: botocore refreshes 15 min before expiry too
MIN_REMAINING = dt.timedelta(minutes=15)

LOG_LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")  # --log-level, as click lists them
