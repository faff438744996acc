"""Fuzz target: the plain-HTTP engine's static page reader (staticpage.read, htmlforms) on
hostile bytes; the properties are in properties.py. libFuzzer's -timeout catches a hang.

    python fuzz/fuzz_staticpage.py -max_total_time=600 -timeout=10 CORPUS_DIR tests/fixtures/html
"""

import sys

import atheris

with atheris.instrument_imports(include=["awscli_saml_sso"]):
    import properties


def main() -> None:
    atheris.Setup(sys.argv, properties.check_static_page)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
