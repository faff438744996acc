"""What a release publishes: the sdist and the wheel, built as the release workflow builds them
(``python -m build``: the sdist from git, then the wheel from the unpacked sdist, outside git),
their metadata checked as PyPI would, each installed into a scratch venv and run from there:
``--version`` (from the git tag, kept in the built files), ``--help`` and a ``--saml-response``
login against the local STS.

The scratch venvs get the test venv's site-packages as a plain path (``.pth`` line) and the
package itself with ``--no-deps``: nothing is fetched for the dependencies, and the copy under
test is the installed one (checked), not ``src/`` (whose editable-install hook is not run).
The build itself fetches the build backend (setuptools, setuptools-scm), as any build does.
"""

from __future__ import annotations

import configparser
import email
import os
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from pathlib import Path

import pytest
from packaging.metadata import Metadata
from packaging.utils import parse_sdist_filename, parse_wheel_filename

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "awscli_saml_sso"

pytestmark = pytest.mark.packaging


def _run(args: list[str], **kwargs) -> subprocess.CompletedProcess:
    kwargs.setdefault("timeout", 600)
    proc = subprocess.run(args, capture_output=True, text=True, **kwargs)
    assert proc.returncode == 0, f"{args[:4]} exit {proc.returncode}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc


@pytest.fixture(scope="module")
def dists(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("dist")
    _run([sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)], cwd=ROOT)
    (sdist,) = out.glob("*.tar.gz")
    (wheel,) = out.glob("*.whl")
    return {"sdist": sdist, "wheel": wheel}


def _version(dist: Path) -> str:
    if dist.suffix == ".whl":
        return str(parse_wheel_filename(dist.name)[1])
    return str(parse_sdist_filename(dist.name)[1])


def _tracked(*paths: str) -> set[str]:
    out = _run(["git", "-C", str(ROOT), "ls-files", "-z", "--", *paths]).stdout
    return {name for name in out.split("\0") if name and (ROOT / name).exists()}


def _sdist_names(sdist: Path) -> tuple[set[str], bytes]:
    with tarfile.open(sdist) as tar:
        top = tar.getnames()[0].split("/")[0]
        names = {m.name.removeprefix(top + "/") for m in tar.getmembers() if m.isfile()}
        return names, tar.extractfile(f"{top}/PKG-INFO").read()


def _wheel_metadata(wheel: Path) -> tuple[set[str], bytes, str]:
    with zipfile.ZipFile(wheel) as whl:
        names = set(whl.namelist())
        info = next(n for n in names if n.endswith(".dist-info/METADATA"))
        entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
        return names, whl.read(info), whl.read(entry_points).decode()


def _check_metadata(raw: bytes, version: str) -> None:
    """What ``twine check --strict`` checks, by the spec's own parser (packaging): valid core
    metadata, and a long description PyPI renders (Markdown, declared as such)."""
    metadata = Metadata.from_email(raw, validate=True)
    assert metadata.name == "awscli-saml-sso" and str(metadata.version) == version
    assert metadata.description_content_type == "text/markdown"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert metadata.description.strip() == readme.strip()
    assert metadata.summary and metadata.requires_python and metadata.requires_dist
    message = email.message_from_bytes(raw)
    assert message["Metadata-Version"] >= "2.1"


def test_version_comes_from_git_into_both_files(dists):
    version = _version(dists["wheel"])
    assert version == _version(dists["sdist"])
    assert version != "0" and "unknown" not in version
    names, _, _ = _wheel_metadata(dists["wheel"])
    with zipfile.ZipFile(dists["wheel"]) as whl:
        written = whl.read(f"{PACKAGE}/_version.py").decode()
    assert f"__version__ = version = {version!r}" in written


def test_metadata_is_what_pypi_accepts(dists):
    version = _version(dists["wheel"])
    _check_metadata(_sdist_names(dists["sdist"])[1], version)
    _check_metadata(_wheel_metadata(dists["wheel"])[1], version)


def test_sdist_holds_every_tracked_file(dists):
    """The wheel is built from the sdist: a file missing there is missing everywhere after."""
    names, _ = _sdist_names(dists["sdist"])
    missing = _tracked() - names
    assert not missing, f"not in the sdist: {sorted(missing)[:20]}"
    assert {"PKG-INFO", f"src/{PACKAGE}/_version.py"} <= names


def test_wheel_holds_the_whole_package_and_nothing_else(dists):
    names, _, entry_points = _wheel_metadata(dists["wheel"])
    package = {name.removeprefix("src/") for name in _tracked(f"src/{PACKAGE}")}
    missing = package - names
    assert not missing, f"not in the wheel: {sorted(missing)}"  # also any data file (.js, .json)
    assert f"{PACKAGE}/_version.py" in names
    stray = {name.split("/")[0] for name in names} - {PACKAGE} - {n.split("/")[0] for n in names if ".dist-info/" in n}
    assert not stray, f"top-level entries besides the package: {stray}"
    # __main__.main: quiet signal handlers before the CLI's imports (issue 22: no traceback at any moment)
    assert f"{PACKAGE} = {PACKAGE}.__main__:main" in entry_points


def _scratch_venv(path: Path) -> Path:
    """A venv without pip whose only extra path is the test venv's site-packages."""
    _run([sys.executable, "-m", "venv", "--without-pip", str(path)])
    python = path / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    purelib = _run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"]).stdout.strip()
    (Path(purelib) / "test-venv.pth").write_text(sysconfig.get_path("purelib") + "\n")
    return python


@pytest.fixture(scope="module", params=["wheel", "sdist"])
def installed(request, dists, tmp_path_factory) -> tuple[Path, str]:
    """(the console script, the version expected) of the wheel or the sdist installed alone."""
    root = tmp_path_factory.mktemp(f"venv-{request.param}")
    python = _scratch_venv(root / "venv")
    # the sdist is built into a wheel by pip in a temporary directory: outside git too
    _run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps", str(dists[request.param])]
    )
    script = python.parent / (f"{PACKAGE}.exe" if os.name == "nt" else PACKAGE)
    where = _run([str(python), "-c", f"import {PACKAGE}; print({PACKAGE}.__file__)"]).stdout.strip()
    assert Path(where).is_relative_to(root), f"the package imported is {where}, not the installed copy"
    return script, _version(dists[request.param])


def test_installed_version_and_help(installed, cli_env):
    script, version = installed
    assert _run([str(script), "--version"], env=cli_env).stdout.strip() == f"{PACKAGE} {version}"
    assert "login" in _run([str(script), "--help"], env=cli_env).stdout
    login_help = _run([str(script), "login", "--help"], env=cli_env).stdout
    assert "--saml-response" in login_help and "--idp-url" in login_help


def test_installed_login_with_a_saml_response(installed, aws, cli_env, home, tmp_path):
    script, _ = installed
    response = tmp_path / "response.b64"
    response.write_text(aws.saml_response_for("aws_user"))
    result = subprocess.run(
        [str(script), "--saml-response", str(response), "--endpoint-url", aws.aws_endpoint_url],
        env=cli_env,
        capture_output=True,
        text=True,
        timeout=120,
        start_new_session=True,
    )
    assert result.returncode == 0, result.stderr
    parser = configparser.RawConfigParser()
    parser.read(home / ".aws" / "credentials")
    written = [parser[name] for name in parser.sections() if parser[name].get("aws_session_token")]
    assert len(written) == 1 and written[0]["aws_access_key_id"], parser.sections()
