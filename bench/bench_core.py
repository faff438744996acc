"""Timings of the pure core: parse + choose over a 500-role assertion, and one profile update in
a 1,000-profile credentials file. Plain script: ``python bench/bench_core.py``; prints markdown."""

from __future__ import annotations

import base64
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from awscli_saml_sso import awsfiles, roles, saml

RUNS = 50
ROLE_ATTR = "https://aws.amazon.com/SAML/Attributes/Role"


def assertion_with_roles(count: int) -> bytes:
    values = "".join(
        f"<saml:AttributeValue>arn:aws:iam::{n:012d}:role/Role{n},"
        f"arn:aws:iam::{n:012d}:saml-provider/Idp</saml:AttributeValue>"
        for n in range(count)
    )
    xml = (
        '<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
        'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" '
        'Destination="https://signin.aws.amazon.com/saml">'
        '<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/>'
        "</samlp:Status><saml:Assertion><saml:AttributeStatement>"
        f'<saml:Attribute Name="{ROLE_ATTR}">{values}</saml:Attribute>'
        "</saml:AttributeStatement></saml:Assertion></samlp:Response>"
    )
    return base64.encodebytes(xml.encode())  # with line breaks, as some IdPs send it


def credentials_with_profiles(count: int) -> str:
    blocks = [
        f"# profile {n}\n[p{n}]\naws_access_key_id = AKIA{n:016d}\n"
        f"aws_secret_access_key = {'s' * 40}\naws_session_token = {'t' * 400}\nregion = eu-west-1\n"
        for n in range(count)
    ]
    return "\n".join(blocks)


def timed(fn, runs: int = RUNS) -> list[float]:
    fn()  # warm-up: imports, caches
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def main() -> None:
    data = assertion_with_roles(500)

    def parse_and_choose() -> None:
        assertion = saml.parse_assertion(data)
        roles.choose_role(assertion.roles, pattern="000000000250:Role250")
        roles.menu_entries(assertion.roles)

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "credentials"
        path.write_text(credentials_with_profiles(1000))
        size = os.path.getsize(path)
        values = {"aws_access_key_id": "ASIANEW", "aws_session_token": "z" * 400}

        def update() -> None:
            awsfiles.update_file(path, "p500", values)

        rows = [
            ("parse + choose, 500-role assertion", timed(parse_and_choose), 50),
            (f"update 1 profile of 1,000 ({size // 1024} KiB file, fsync)", timed(update), 100),
        ]
    print("| operation | median ms | min ms | max ms | target ms |")
    print("|---|---:|---:|---:|---:|")
    for name, samples, target in rows:
        print(f"| {name} | {statistics.median(samples):.1f} | {min(samples):.1f} | {max(samples):.1f} | < {target} |")


if __name__ == "__main__":
    main()
