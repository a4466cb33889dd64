"""Unit checks of code identity on a small made-up package (codeid pointed at it): which imports are followed
(plain, from, relative, lazy, by name, plug-in scans), which are not (orchestration modules, other packages,
names that are no module), the data files a module pulls in, and the exact hash recipe. Seconds, where
tests/test_codeid.py runs the real stages; the fast tests `humanllm bench mutation` runs codeid's mutants
against."""

from __future__ import annotations

import ast
import functools
import hashlib
import types

import pytest

from humanllm import codeid

FILES = {
    "__init__.py": "",
    "a.py": (
        "import os\nimport humanllm.b\nfrom humanllm.c import thing\nfrom . import d\nfrom json import dumps\n"
        "import humanllm.pipeline.run\n"
        "def later():\n    from humanllm.e import x\n    import importlib\n"
        "    importlib.import_module('humanllm.f')\n    return 'humanllm.no_such_module'\n"
    ),
    "b.py": "from .c import thing\n",
    "c.py": "thing = 1\n",
    "d.py": "",
    "e.py": "x = 2\n",
    "f.py": "",
    "outside.py": "import humanllm.a\n",
    "pipeline/__init__.py": "",
    "pipeline/run.py": "import humanllm.g\n",
    "g.py": "",
    "plug/__init__.py": "",
    "plug/p1.py": "",
    "plug/p2.py": "from ..c import thing\n",
    "plug/deep/__init__.py": "from ... import d\nfrom .. import p1\n",
    "registry.py": "import pkgutil\nimport humanllm.plug\n\ndef all():\n    return list(pkgutil.iter_modules(humanllm.plug.__path__))\n",
    "named.py": "import pkgutil, importlib\npkgutil.iter_modules(importlib.import_module('humanllm.plug').__path__)\n",
    "noscan.py": "import humanllm.plug\nhumanllm.plug.__name__\n",
    "walker.py": "import pkgutil\nimport humanllm.plug\npkgutil.walk_packages(humanllm.plug.__path__)\n",
    "two.py": "from humanllm.paths import evals_dir, other_dir\n",
    "broken.py": "def f(:\n",
    "ev.py": "from humanllm.paths import evals_dir\n",
    "paths.py": "def evals_dir():\n    return None\n",
    "solo.py": "VALUE = 1\n",
}


@pytest.fixture
def pkg(tmp_path, monkeypatch):
    root = tmp_path / "humanllm"
    for rel, text in FILES.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    evals = tmp_path / "evals"
    (evals / "task").mkdir(parents=True)
    (evals / "task" / "t.yaml").write_text("task: t\n")
    (evals / "task" / "__pycache__").mkdir()
    (evals / "task" / "__pycache__" / "junk.pyc").write_text("x")
    monkeypatch.setattr(codeid, "ROOT", root)
    monkeypatch.setattr(codeid, "DATA_TREES", {"evals_dir": evals})
    clear()
    yield tmp_path
    clear()


def clear():
    for f in (codeid._imports, codeid.module_closure, codeid.code_identity):
        f.cache_clear()


def test_module_file_finds_modules_and_packages(pkg):
    assert codeid._module_file("humanllm.a") == pkg / "humanllm" / "a.py"
    assert codeid._module_file("humanllm.plug") == pkg / "humanllm" / "plug" / "__init__.py"
    assert codeid._module_file("humanllm.nope") is None


def test_excluded_is_the_listed_modules_and_their_submodules():
    assert codeid._excluded("humanllm.pipeline") and codeid._excluded("humanllm.pipeline.run")
    assert codeid._excluded("humanllm.store") and not codeid._excluded("humanllm.storefront")
    assert not codeid._excluded("humanllm.pipelines") and not codeid._excluded("humanllm.data")


def test_imports_of_one_module(pkg):
    mods, names = codeid._imports("humanllm.a")
    assert mods == {
        "humanllm.b",
        "humanllm.c",
        "humanllm.d",
        "humanllm.e",
        "humanllm.f",
        "humanllm.pipeline",
        "humanllm.pipeline.run",
        "humanllm",
    }
    assert names == {"thing", "d", "x"}
    assert codeid._imports("humanllm.b") == ({"humanllm.c"}, {"thing"})  # relative, from a module
    assert codeid._imports("humanllm.plug.p2")[0] == {"humanllm.c"}  # two levels up
    assert codeid._imports("humanllm.plug.deep")[0] == {
        "humanllm",
        "humanllm.d",
        "humanllm.plug",
        "humanllm.plug.p1",
    }  # relative, from a package
    assert codeid._imports("humanllm.nope") == (frozenset(), frozenset())


def test_a_registry_that_scans_a_package_brings_every_module_of_it(pkg):
    assert codeid._imports("humanllm.registry")[0] == {"humanllm.plug", "humanllm.plug.p1", "humanllm.plug.p2"}
    assert codeid._imports("humanllm.named")[0] == {"humanllm.plug", "humanllm.plug.p1", "humanllm.plug.p2"}
    assert codeid._imports("humanllm.walker")[0] == {"humanllm.plug", "humanllm.plug.p1", "humanllm.plug.p2"}
    assert codeid._imports("humanllm.noscan")[0] == {"humanllm.plug"}  # imports the package, scans nothing


def test_closure_follows_imports_and_stops_at_orchestration_modules(pkg):
    assert codeid.module_closure("humanllm.a") == (
        "humanllm",
        "humanllm.a",
        "humanllm.b",
        "humanllm.c",
        "humanllm.d",
        "humanllm.e",
        "humanllm.f",
    )
    assert "humanllm.g" not in codeid.module_closure("humanllm.outside")  # only the pipeline imports it
    assert codeid.module_closure("humanllm.pipeline.run") == ("humanllm.g", "humanllm.pipeline.run")  # an entry runs


def _code(path):
    """A module's code as the identity reads it: the syntax tree without positions."""
    return ast.dump(ast.parse(path.read_text())).encode()


def test_identity_is_the_hash_of_each_module_name_and_code(pkg):
    code = _code(pkg / "humanllm" / "solo.py")
    assert codeid.code_identity("humanllm.solo") == hashlib.sha256(b"humanllm.solo\n" + code).hexdigest()[:16]


def test_data_files_are_part_of_a_module_that_reads_them(pkg):
    assert codeid._data_files(("humanllm.ev",)) == [pkg / "evals" / "task" / "t.yaml"]
    assert codeid._data_files(("humanllm.a",)) == [] and codeid._data_files(()) == []
    closure = codeid.module_closure("humanllm.ev")
    h = hashlib.sha256()
    for mod in closure:
        h.update(f"{mod}\n".encode() + _code(codeid._module_file(mod)))
    h.update(b"evals/task/t.yaml\n" + b"task: t\n")
    assert codeid.code_identity("humanllm.ev") == h.hexdigest()[:16]


def test_edits_inside_the_closure_change_the_identity_and_edits_outside_do_not(pkg):
    base = codeid.code_identity("humanllm.a")
    for rel, changes in (
        ("e.py", True),
        ("__init__.py", True),
        ("pipeline/__init__.py", False),
        ("g.py", False),
        ("outside.py", False),
        ("plug/p1.py", False),
    ):
        path = pkg / "humanllm" / rel
        original = path.read_text()
        path.write_text(original + "_EDIT = 1\n")
        clear()
        assert (codeid.code_identity("humanllm.a") != base) is changes, rel
        path.write_text(original)
    clear()
    assert codeid.code_identity("humanllm.a") == base
    ev = codeid.code_identity("humanllm.ev")
    (pkg / "evals" / "task" / "t.yaml").rename(pkg / "evals" / "task" / "u.yaml")  # a renamed task file
    clear()
    assert codeid.code_identity("humanllm.ev") != ev


def test_producer_identity(pkg):
    mod = types.ModuleType("humanllm.solo")
    exec("def produce(ctx):\n    pass\n", mod.__dict__)
    fn = mod.produce
    assert fn.__module__ == "humanllm.solo"
    assert codeid.producer_identity(fn) == codeid.code_identity("humanllm.solo")
    assert codeid.producer_identity(functools.partial(fn, 1)) == codeid.code_identity("humanllm.solo")
    assert codeid.producer_identity(len) == "external:builtins"
    assert codeid.producer_identity(object()) == "external:None"


def test_every_data_tree_a_module_reads_is_included(pkg, monkeypatch):
    other = pkg / "other"
    other.mkdir()
    (other / "o.txt").write_text("o")
    monkeypatch.setattr(codeid, "DATA_TREES", {"evals_dir": pkg / "evals", "other_dir": other})
    assert codeid._data_files(("humanllm.two",)) == [pkg / "evals" / "task" / "t.yaml", other / "o.txt"]


def test_a_syntax_error_names_the_file(pkg):
    with pytest.raises(SyntaxError) as err:
        codeid._imports("humanllm.broken")
    assert err.value.filename == str(pkg / "humanllm" / "broken.py")


def test_a_module_whose_code_cannot_be_parsed_names_the_file(pkg):
    broken = pkg / "humanllm" / "broken.py"
    with pytest.raises(SyntaxError) as err:
        codeid._code_of(broken)
    assert err.value.filename == str(broken)


def test_a_noted_plug_in_counts_in_the_identities_that_reach_its_registry(pkg, monkeypatch):
    """note_plugin: the plug-in's files (by name and bytes, in name order) join the identity of every module
    whose closure holds the registry, and of no other; an edit to a plug-in file moves that identity."""
    monkeypatch.setattr(codeid, "_PLUGINS", {})
    ext = pkg / "ext"
    ext.mkdir()
    (ext / "b.py").write_text("B = 1\n")
    (ext / "a.yaml").write_text("task: a\n")
    solo, ev = codeid.code_identity("humanllm.solo"), codeid.code_identity("humanllm.ev")
    codeid.note_plugin("humanllm.solo", [ext / "b.py", str(ext / "a.yaml")])  # clears the cached identities
    assert {"humanllm.solo": {(ext / "b.py").resolve(), (ext / "a.yaml").resolve()}} == codeid._PLUGINS
    h = hashlib.sha256(b"humanllm.solo\n" + _code(pkg / "humanllm" / "solo.py"))
    h.update(b"plug-in a.yaml\n" + b"task: a\n" + b"plug-in b.py\n" + b"B = 1\n")
    assert codeid.code_identity("humanllm.solo") == h.hexdigest()[:16] != solo
    assert codeid.code_identity("humanllm.ev") == ev  # its closure does not reach humanllm.solo
    (ext / "b.py").write_text("B = 2\n")
    clear()
    assert codeid.code_identity("humanllm.solo") not in (solo, h.hexdigest()[:16])
