"""Record page snapshots (what page.js reads) from the imitation pages, as JSON fixtures for the
decide() tests: ``python tests/pages/record.py`` rewrites tests/fixtures/snapshots/*.json.

Each entry: a name, the test site, and the steps to reach the page (GET a path, or POST a form).
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from awscli_saml_sso.browser import drivers, reading
from pages.human import HumanIdp
from pages.shapes import ShapesIdp

OUT = Path(__file__).resolve().parent.parent / "fixtures" / "snapshots"
# name: (site, path, form to post there by script or None)
PAGES = {
    "shib_consent": ("shapes", "/shib/login", {"j_username": "alice", "j_password": "s3cret-Pa55"}),
    "okta_dashboard": ("shapes", "/okta/apps", None),
    "onelogin_dashboard": ("shapes", "/onelogin/apps", None),
    "jumpcloud_dashboard": ("shapes", "/jumpcloud/apps", None),
    "entra_picker": ("shapes", "/entra", None),
    "slow_username": ("shapes", "/slow", None),
    "kc_ja_login": ("shapes", "/kc-ja", None),
    "kc_ja_wrong": ("shapes", "/kc-ja/login", {"username": "alice", "password": "wrong"}),
    "f5_de_wrong": ("shapes", "/f5/my.policy", {"username": "alice", "password": "wrong"}),
    "google_refused": ("shapes", "/google/id", {"identifier": "alice"}),
    "plain_login": ("human", "/plain", None),
    "ms_user": ("human", "/ms", None),
    "ms_password_wrong": ("human", "/ms/login", {"login": "alice", "passwd": "wrong"}),
    "pick_account": ("human", "/pick", None),
    "f5_methods": ("human", "/f5", {"username": "alice", "password": "s3cret-Pa55"}),
    "security_key": ("human", "/odd", None),
}
POST = """const f = document.createElement('form'); f.method = 'post'; f.action = arguments[0];
for (const [k, v] of Object.entries(arguments[1])) { const i = document.createElement('input');
  i.type = 'hidden'; i.name = k; i.value = v; f.appendChild(i); }
document.body.appendChild(f); f.submit();"""


def record(driver, base: str, path: str, form: dict[str, str] | None, username: str = "alice") -> dict:
    driver.get(base + ("/" if form else path))
    if form:
        driver.execute_script(POST, base + path, form)
        time.sleep(2.0)  # the answer to the POST (and the slow site's 1.5 s)
    time.sleep(1.2)  # the pages' own scripts (late-enabled buttons)
    snap, _ = reading.read_page(driver, username)
    snap["doc"], snap["url"] = "doc-1", snap["url"].replace(base, "https://idp.example.org")
    snap["origin"] = snap["origin"].replace(base, "https://idp.example.org")
    snap["forms"] = [dict(f, origin=f["origin"].replace(base, "https://idp.example.org")) for f in snap["forms"]]
    for b in snap["buttons"]:
        b["href"] = b["href"].replace(base, "https://idp.example.org")
    return snap


def main() -> None:
    sites = {"shapes": ShapesIdp(), "human": HumanIdp()}
    session = drivers.start("chromium", None, None, "headless", None, lambda _: None)
    only = set(sys.argv[1:])
    try:
        OUT.mkdir(parents=True, exist_ok=True)
        for name, (site, path, form) in PAGES.items():
            if only and name not in only:
                continue
            snap = record(session.driver, sites[site].base, path, form)
            (OUT / f"{name}.json").write_text(json.dumps(snap, indent=1, ensure_ascii=False) + "\n")
            print(name, os.path.getsize(OUT / f"{name}.json"))
    finally:
        session.close()
        for site in sites.values():
            site.close()


if __name__ == "__main__":
    main()
