"""page.js in a real headless Chromium: one reading gives plain JSON (forms, fields, buttons,
messages with their signals, step signals) and never a field's value."""

from __future__ import annotations

import json
import os
import shutil
import sys
from importlib import resources

import pytest

sys.path.insert(0, os.path.dirname(__file__))

from pages.record import record
from pages.shapes import F5_DE_ERROR, KC_JA_ERROR, PASSWORD, ShapesIdp

from awscli_saml_sso.browser import drivers, reading

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not (shutil.which("chromium") or shutil.which("google-chrome")), reason="needs Chromium"),
]


@pytest.fixture(scope="module")
def site():
    server = ShapesIdp()
    yield server
    server.close()


@pytest.fixture(scope="module")
def driver():
    session = drivers.start("chromium", None, None, "headless", None, lambda _: None)
    yield session.driver
    session.close()


def test_the_script_is_package_data():
    assert "function model(out)" in resources.files("awscli_saml_sso.browser").joinpath("page.js").read_text("utf-8")


def test_red_text_in_a_table_cell_and_the_form(driver, site):
    snap = record(driver, site.base, "/f5/my.policy", {"username": "alice", "password": "wrong"})
    message = next(m for m in snap["messages"] if m["text"] == F5_DE_ERROR)
    assert message["red"] and not message["words"] and not message["alert"]
    assert snap["forms"] == [{"method": "post", "origin": "https://idp.example.org"}]
    kinds = {f["kind"]: f for f in snap["fields"]}
    assert kinds["password"]["label"].startswith("password input_2 off kennwort")
    assert kinds["password"]["visible"] and kinds["password"]["enabled"] and not kinds["password"]["filled"]
    assert json.loads(json.dumps(snap)) == snap  # plain data


def test_live_region_in_japanese(driver, site):
    snap = record(driver, site.base, "/kc-ja/login", {"username": "alice", "password": "wrong"})
    assert [m["live"] for m in snap["messages"] if m["text"] == KC_JA_ERROR] == [True]
    assert snap["headings"] == ["アカウントにサインイン"]


def test_a_typed_password_never_comes_back(driver, site):
    driver.get(site.base + "/f5")
    snap, els = reading.read_page(driver, "alice")
    els[snap["password"]].send_keys(PASSWORD)
    snap, _ = reading.read_page(driver, "alice")
    assert snap["passwordFilled"] is True
    assert PASSWORD not in json.dumps(snap, ensure_ascii=False)


def test_step_signals(driver, site):
    assert record(driver, site.base, "/google/id", {"identifier": "alice"})["refusesAutomation"].startswith(
        "This browser or app may not be secure"
    )
    tiles = record(driver, site.base, "/onelogin/apps", None)["tiles"]
    assert [(t["text"], t["newTab"]) for t in tiles] == [("Zoom", True), ("AWS", True), ("Workday", True)]
