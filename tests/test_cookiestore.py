"""cookiestore: a stored IdP's cookies between runs, private and only when ours."""

from __future__ import annotations

import os
import stat
import time

from awscli_saml_sso import cookiestore
from awscli_saml_sso.sources import webclient


def _jar_with(expires):
    jar = webclient.new_jar()
    jar.set_cookie(
        cookiestore.from_record(
            {"name": "KC", "value": "v", "domain": "127.0.0.1", "path": "/auth", "secure": True,
             "httpOnly": True, "expires": expires}
        )
    )  # fmt: skip
    return jar


def test_round_trip_private_and_only_persistent(tmp_path):
    path = cookiestore.jar_path({"ASS_HOME": str(tmp_path / "home")}, "work")
    jar = _jar_with(time.time() + 3600)
    jar.set_cookie(cookiestore.from_record({"name": "S", "value": "x", "domain": "127.0.0.1", "session": True}))
    cookiestore.save(path, jar)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700
    again = webclient.new_jar()
    assert cookiestore.load(path, again) == 1
    (cookie,) = list(again)
    assert (cookie.name, cookie.value, cookie.path, cookie.secure) == ("KC", "v", "/auth", True)
    assert cookiestore.to_record(cookie)["httpOnly"] is True
    assert cookiestore.remove(path) and not path.exists()


def test_expired_foreign_or_broken_files_add_nothing(tmp_path):
    path = tmp_path / "c.json"
    cookiestore.save(path, _jar_with(time.time() - 10))
    assert cookiestore.load(path, webclient.new_jar()) == 0
    path.write_text("not json")
    assert cookiestore.load(path, webclient.new_jar()) == 0
    cookiestore.save(path, _jar_with(time.time() + 3600))
    os.chmod(path, 0o666)  # writable by others: not trusted
    assert cookiestore.load(path, webclient.new_jar()) == 0
    link = tmp_path / "link.json"
    link.symlink_to("/dev/zero")
    assert cookiestore.load(link, webclient.new_jar()) == 0
