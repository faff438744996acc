"""The import graph of ``src/awscli_saml_sso``: layers, no cycles, nothing imported upward.

Our own walk of the source (``ast``), so every import counts: module level, inside functions
(the lazy imports that keep start-up fast) and under ``TYPE_CHECKING``. The layers are named
here, once, bottom to top; a module may import its own layer or a lower one, never a higher one,
and no chain of imports may come back to where it started.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = "awscli_saml_sso"
SRC = Path(__file__).resolve().parent.parent / "src" / PACKAGE

# Bottom to top. An entry names a module, or a package and everything in it ("browser.*").
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "foundation",
        ("_version", "defaults", "errors", "models", "hardexit", "logsetup", "trust", "paths", "origins", "options"),
    ),
    ("logic", ("saml", "roles", "inifile", "htmlforms", "staticpage", "netguard")),
    ("io", ("atomicfile", "awsfiles", "secrets", "idps", "legacy", "aliases", "sts", "ui", "loopback", "cookiestore")),
    ("sources", ("browser.*", "sources.*")),
    ("flow", ("login",)),
    ("delivery", ("delivery.*",)),
    ("commands", ("commands.*",)),
    ("entry", ("cli", "__main__", "")),  # "": the package's __init__
)


def modules(root: Path = SRC) -> dict[str, Path]:
    """Dotted name below the package ("browser.cdp"; "" for the package itself) -> file."""
    found = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def imports(name: str, path: Path, known: set[str], package_name: str = PACKAGE) -> set[str]:
    """The package's modules that ``name`` imports, wherever in the file the import stands."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: from this module's package, up level-1 steps
                base = [p for p in package.split(".") if p]
                base = base[: len(base) - (node.level - 1)]
                module = ".".join([package_name, *base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            # "from pkg import mod" imports the module pkg.mod; "from mod import name", mod itself
            targets = [f"{module}.{alias.name}" for alias in node.names]
        else:
            continue
        for target in targets:
            if target == package_name or target.startswith(package_name + "."):
                inner = target[len(package_name) + 1 :]
                while inner not in known and inner:  # "mod.func" -> "mod"; "func" -> "" (the package)
                    inner = inner.rpartition(".")[0]
                if inner != name:
                    found.add(inner)
    return found


def graph(root: Path = SRC) -> dict[str, set[str]]:
    known = modules(root)
    return {name: imports(name, path, set(known), root.name) for name, path in known.items()}


def layer_of(name: str) -> int:
    for index, (_, members) in enumerate(LAYERS):
        for member in members:
            if member.endswith(".*") and (name == member[:-2] or name.startswith(member[:-1])):
                return index
            if name == member:
                return index
    raise LookupError(name)


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(edges.get(node, ())):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def upward(edges: dict[str, set[str]]) -> list[str]:
    return sorted(
        f"{name or PACKAGE} ({LAYERS[layer_of(name)][0]}) imports {other} ({LAYERS[layer_of(other)][0]})"
        for name, targets in edges.items()
        for other in targets
        if layer_of(other) > layer_of(name)
    )


def display(name: str) -> str:
    return name or PACKAGE


# -- the package as it is -------------------------------------------------------------------
def test_every_module_has_a_layer():
    unplaced = []
    for name in modules():
        try:
            layer_of(name)
        except LookupError:
            unplaced.append(display(name))
    assert not unplaced, f"name their layer in LAYERS: {unplaced}"


def test_no_import_cycles():
    assert cycles(graph()) == []


def test_no_import_goes_up_a_layer():
    assert upward(graph()) == []


def test_no_import_cycles_in_the_dev_stack():
    """devstack/ (the local IdP + AWS stack the tests and the demo start) has no layers, but no
    cycles either."""
    assert cycles(graph(SRC.parent.parent / "devstack")) == []


def test_the_walk_sees_the_imports_it_must():
    """The checks above are only as good as the walk: lazy, relative and "from pkg import mod"
    imports are all edges."""
    edges = graph()
    assert "errors" in edges["cli"]  # module level, "from awscli_saml_sso.errors import ..."
    assert any(name.startswith("browser") for name in edges["browser.flow"])  # relative or absolute
    assert "idps" in edges["commands.idp"]  # "from awscli_saml_sso import idps"


# -- the checks themselves, on small made-up packages ----------------------------------------
def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


@pytest.mark.parametrize(
    "files, expected",
    [
        (  # a lazy import inside a function closes the cycle
            {"__init__.py": "", "a.py": "from awscli_saml_sso import b\n", "b.py": "def f():\n    from . import a\n"},
            [["a", "b"]],
        ),
        (  # three modules round
            {
                "__init__.py": "",
                "a.py": "import awscli_saml_sso.b\n",
                "b.py": "from awscli_saml_sso.c import x\n",
                "c.py": "from .a import y\n",
            },
            [["a", "b", "c"]],
        ),
        (  # a package's __init__ and one of its modules
            {"__init__.py": "", "p/__init__.py": "from awscli_saml_sso.p import m\n", "p/m.py": "from .. import p\n"},
            [["p", "p.m"]],
        ),
        ({"__init__.py": "", "a.py": "from awscli_saml_sso import b\n", "b.py": "import os\n"}, []),
    ],
)
def test_a_cycle_is_found_however_it_is_written(tmp_path, files, expected):
    assert cycles(graph(write(tmp_path / PACKAGE, files))) == expected


def test_an_upward_import_is_named(tmp_path):
    root = write(
        tmp_path / PACKAGE,
        {
            "__init__.py": "",
            "saml.py": "def f():\n    from awscli_saml_sso.delivery import listen\n",
            "delivery/__init__.py": "",
            "delivery/listen.py": "",
        },
    )
    assert upward(graph(root)) == ["saml (logic) imports delivery.listen (delivery)"]
