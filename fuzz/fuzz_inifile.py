"""Fuzz target: the INI editor (inifile.set_section / remove_keys) on hostile text; the first 4
bytes choose the edit, the rest is the file; the properties are in properties.py.

    python fuzz/fuzz_inifile.py -max_total_time=600 -timeout=10 CORPUS_DIR fuzz/seeds/ini tests/fixtures/original
"""

import sys

import atheris

with atheris.instrument_imports(include=["awscli_saml_sso"]):
    import properties


def check(data: bytes) -> None:
    properties.check_ini(*properties.ini_edit(data))


def main() -> None:
    atheris.Setup(sys.argv, check)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
