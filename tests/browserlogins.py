"""A ``BrowserLogin`` from the flat names the browser tests use (``idp_url=``, ``username=``,
``mode=``, ``password=``, ``status=`` ...): each value goes into its option group."""

from __future__ import annotations

import dataclasses
from typing import Any

from awscli_saml_sso.browser import BrowserLogin
from awscli_saml_sso.options import Answers, BrowserOptions, IdpOptions

RENAMED = {"idp_url": "url", "browser": "name", "browser_path": "path"}
GROUPS = {"idp": IdpOptions, "browser": BrowserOptions, "answers": Answers}


def browser_login(**flat: Any) -> BrowserLogin:
    grouped: dict[str, dict[str, Any]] = {group: {} for group in GROUPS}
    rest: dict[str, Any] = {}
    for name, value in flat.items():
        field = RENAMED.get(name, name)
        group = next((g for g, cls in GROUPS.items() if field in {f.name for f in dataclasses.fields(cls)}), None)
        (grouped[group] if group else rest)[field] = value
    return BrowserLogin(**{g: GROUPS[g](**values) for g, values in grouped.items()}, **rest)
