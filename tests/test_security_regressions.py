"""Regressions for the bugs the fail-safe suite (issue 8) found, one test per fix, in-process.

The CLI-level proof of each is in tests/test_security_hostile_input.py and
tests/test_reliability_*.py; these pin the fixed function itself.
"""

from __future__ import annotations

import datetime as dt

import pytest

from hostile import fakes


def test_saml_time_with_out_of_range_offset_is_unreadable_not_a_crash():
    from awscli_saml_sso import saml

    assert saml.parse_saml_time("2030-01-01T00:00:00+99:00") is None
    assert saml.parse_saml_time("2030-01-01T00:00:00-24:00") is None
    assert saml.parse_saml_time("2030-01-01T00:00:00+23:59") == dt.datetime(2029, 12, 31, 0, 1, tzinfo=dt.timezone.utc)
    assertion = saml.parse_assertion(fakes.saml_xml(not_on_or_after="2030-01-01T00:00:00+99:00"))
    assert assertion.not_on_or_after is None and assertion.roles


@pytest.mark.parametrize("raw", [b"[" * 100_000 + b"]" * 100_000, b'{"version": ' + b"9" * 5000 + b"}",
                                 b'{"version": 1, "idps": {}, "x": "' + b"x" * (1024 * 1024) + b'"}'],
                         ids=["deep-nesting", "huge-integer", "over-1-MB"])
def test_damaged_idps_file_is_a_files_error(tmp_path, raw):
    from awscli_saml_sso import idps
    from awscli_saml_sso.errors import FilesError

    path = tmp_path / "idps.json"
    path.write_bytes(raw)
    with pytest.raises(FilesError, match="is damaged"):
        idps._read(path)


@pytest.mark.parametrize("name", ["deep-nesting", "key-null", "key-not-a-string"])
def test_unusable_cache_file_is_a_miss(tmp_path, name):
    import json

    from awscli_saml_sso.delivery import cache

    key = cache.key("corp", None, None)
    valid = {"version": 1, "key": key, "AccessKeyId": "ASIAX", "SecretAccessKey": "s", "SessionToken": "t",
             "Expiration": "2099-01-01T00:00:00Z"}
    data = {"deep-nesting": b"[" * 100_000 + b"]" * 100_000,
            "key-null": json.dumps({**valid, "AccessKeyId": None}).encode(),
            "key-not-a-string": json.dumps({**valid, "SessionToken": {"a": 1}}).encode()}[name]
    path = tmp_path / "cache.json"
    path.write_bytes(data)
    now = dt.datetime.now(dt.timezone.utc)
    assert cache.load(path, key, now) is None
    path.write_text(json.dumps(valid))
    assert cache.load(path, key, now) is not None
