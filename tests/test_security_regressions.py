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


@pytest.mark.parametrize(
    "raw",
    [
        b"[" * 100_000 + b"]" * 100_000,
        b'{"version": ' + b"9" * 5000 + b"}",
        b'{"version": 1, "idps": {}, "x": "' + b"x" * (1024 * 1024) + b'"}',
    ],
    ids=["deep-nesting", "huge-integer", "over-1-MB"],
)
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
    valid = {
        "version": 1,
        "key": key,
        "AccessKeyId": "ASIAX",
        "SecretAccessKey": "s",
        "SessionToken": "t",
        "Expiration": "2099-01-01T00:00:00Z",
    }
    data = {
        "deep-nesting": b"[" * 100_000 + b"]" * 100_000,
        "key-null": json.dumps({**valid, "AccessKeyId": None}).encode(),
        "key-not-a-string": json.dumps({**valid, "SessionToken": {"a": 1}}).encode(),
    }[name]
    path = tmp_path / "cache.json"
    path.write_bytes(data)
    now = dt.datetime.now(dt.timezone.utc)
    assert cache.load(path, key, now) is None
    path.write_text(json.dumps(valid))
    assert cache.load(path, key, now) is not None


@pytest.mark.parametrize("opts", [{"profile": "x]\n[default"}, {"all_roles_template": "{role}]\n[default"}], ids=repr)
def test_bad_profile_name_refused_before_sts(opts, tmp_path):
    """Through run_login's real STS client: a local endpoint records any request that reaches it."""
    import http.server
    import threading

    from awscli_saml_sso import login, sources
    from awscli_saml_sso.errors import UsageError
    from awscli_saml_sso.options import LoginOptions, OutputOptions, RoleOptions

    calls = []

    class Sts(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            calls.append(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
            self.send_error(500)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Sts)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    endpoint = f"http://127.0.0.1:{server.server_address[1]}"
    options = LoginOptions(
        roles=RoleOptions(all_roles_template=opts.get("all_roles_template")),
        output=OutputOptions(profile=opts.get("profile", "saml"), verify=False, endpoint_url=endpoint),
    )
    given = sources.Given(fakes.saml_xml().encode())
    environ = {"AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "c"), "AWS_CONFIG_FILE": str(tmp_path / "f")}
    try:
        with pytest.raises(UsageError, match="invalid profile name"):
            login.run_login(options, given, _QuietUI(), environ)
    finally:
        server.shutdown()
        server.server_close()
    assert calls == [] and not (tmp_path / "c").exists()


class _QuietUI:
    def status(self, message):
        pass

    def warn(self, message):
        pass

    def waiting(self, label):
        import contextlib

        return contextlib.nullcontext()

    def choose(self, *args, **kwargs):
        raise AssertionError("no menu expected")


def test_sts_client_ignores_an_ambient_profile_that_does_not_exist_yet(tmp_path, monkeypatch):
    """AWS_PROFILE=saml before the first login made every login exit 1 (ProfileNotFound)."""
    from awscli_saml_sso import sts

    monkeypatch.setenv("AWS_PROFILE", "saml")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    client = sts.Clients().client(sts.StsTarget(region="eu-west-1", endpoint_url="http://127.0.0.1:9"))
    assert client.meta.region_name == "eu-west-1"


def test_sts_client_with_an_unparsable_aws_file_is_a_files_error(tmp_path, monkeypatch):
    from awscli_saml_sso import sts
    from awscli_saml_sso.errors import FilesError

    (tmp_path / "credentials").write_text("junk before any section\n[saml]\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    with pytest.raises(FilesError, match="Unable to parse config file"):
        sts.Clients().client(sts.StsTarget(region="eu-west-1"))


def test_oversized_or_endless_aws_file_is_refused_unchanged(tmp_path):
    """A 10 MB credentials file took 2 s and 200 MB to parse; /dev/zero would never end."""
    from awscli_saml_sso import atomicfile, awsfiles
    from awscli_saml_sso.errors import FilesError

    big = tmp_path / "credentials"
    big.write_bytes(b"[p]\nk = v\n" * (1024 * 1024))
    zero = tmp_path / "zero"
    zero.symlink_to("/dev/zero")
    for path, why in ((big, "larger than 4 MB"), (zero, "it is a character device, not a regular file")):
        with pytest.raises(FilesError, match=why):
            awsfiles.update_file(path, "saml", {"aws_access_key_id": "x"})
    assert big.read_bytes() == b"[p]\nk = v\n" * (1024 * 1024)
    assert atomicfile.read_bytes(tmp_path / "missing") == b""


def test_errors_and_warnings_stay_one_line_whatever_they_quote():
    """A stored role ARN with a line break was printed as two lines (a forged second line)."""
    import io

    from awscli_saml_sso.ui import Terminal

    err = io.StringIO()
    term = Terminal(err=err, environ={})
    term.warn("role x]\n[default is not granted\x1b[2J")
    term.error("bad\r\nerror: forged", "hint\u2028two")
    lines = err.getvalue().splitlines()
    assert lines == [
        "warning: role x]\\n[default is not granted\\x1b[2J",
        "error: bad\\r\\nerror: forged (hint\\u2028two)",
    ]


def test_sts_answer_that_is_not_xml_is_an_sts_error():
    """A proxy's error page or a wrong --endpoint-url answering 200 with garbage was an exit 1."""
    from botocore.parsers import ResponseParserError

    from awscli_saml_sso import sts
    from awscli_saml_sso.errors import StsError

    error = sts.translate_error(ResponseParserError("Unable to parse response (not well-formed)"), None)
    assert isinstance(error, StsError) and "not an STS response" in error.message
