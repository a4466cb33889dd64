"""The one rule for plug-ins (humanllm.plugins): modules named by entry points in the group `humanllm.plugins` and in
HUMANLLM_PLUGINS (module names or .py paths, separated by os.pathsep or commas) are imported once; one that
cannot be imported stops with an error naming where it was named; HUMANLLM_BENCHMARKS is still read, with a
FutureWarning. The registries' use of it is in tests/test_plugins_{benchmark,merge,tasks}.py."""

from __future__ import annotations

import os
import sys

import pytest

from humanllm import plugins

IMPORTS = "humanllm_test_loader_imports"  # a module the plug-ins below append their names to when imported


@pytest.fixture
def folder(tmp_path, monkeypatch):
    """A folder on sys.path with the counter module; no plug-in named anywhere, nothing loaded yet."""
    (tmp_path / f"{IMPORTS}.py").write_text("NAMES = []\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    for var in (plugins.ENV, *plugins.DEPRECATED_ENV):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr(plugins, "_loaded", None)
    before = set(sys.modules)
    yield tmp_path
    for name in set(sys.modules) - before:
        if name.startswith(("humanllm_test_loader", "humanllm_plugin_loader")):
            del sys.modules[name]


def plugin(folder, name, body=""):
    path = folder / f"{name}.py"
    path.write_text(f"import {IMPORTS}\n{IMPORTS}.NAMES.append(__name__)\n{body}")
    return path


def imported():
    return list(sys.modules[IMPORTS].NAMES) if IMPORTS in sys.modules else []


def test_env_names_modules_and_files_and_each_is_imported_once(folder, monkeypatch):
    plugin(folder, "humanllm_test_loader_a")
    (folder / "elsewhere").mkdir()
    b = plugin(folder / "elsewhere", "loader_b")  # a file off sys.path, imported as humanllm_plugin_<stem>
    plugin(folder, "humanllm_test_loader_c")
    monkeypatch.setenv(plugins.ENV, f"humanllm_test_loader_a{os.pathsep}{b}, humanllm_test_loader_c")
    assert plugins.load_plugins() == ["humanllm_test_loader_a", "humanllm_plugin_loader_b", "humanllm_test_loader_c"]
    assert plugins.load_plugins() == plugins.load_plugins()  # once per process: nothing imported again
    monkeypatch.setattr(plugins, "_loaded", None)
    plugins.load_plugins()  # not even when asked afresh: a module (or file) already imported stays as it is
    assert imported() == ["humanllm_test_loader_a", "humanllm_plugin_loader_b", "humanllm_test_loader_c"]


def test_an_entry_point_in_the_group_is_imported(folder):
    plugin(folder, "humanllm_test_loader_ep")
    info = folder / "humanllm_test_loader_ep-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: humanllm-test-loader-ep\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(f"[{plugins.ENTRY_POINT_GROUP}]\nmine = humanllm_test_loader_ep\n")
    assert "humanllm_test_loader_ep" in plugins.load_plugins() and imported() == ["humanllm_test_loader_ep"]


def test_a_module_that_cannot_be_imported_is_named_with_where_it_was_named(folder, monkeypatch):
    monkeypatch.setenv(plugins.ENV, "humanllm_test_loader_absent")
    with pytest.raises(
        plugins.PluginError,
        match="HUMANLLM_PLUGINS: cannot import plug-in 'humanllm_test_loader_absent': ModuleNotFoundError",
    ):
        plugins.load_plugins()
    monkeypatch.setenv(plugins.ENV, str(folder / "absent.py"))
    with pytest.raises(plugins.PluginError, match=r"HUMANLLM_PLUGINS: no plug-in module at .*absent\.py"):
        plugins.load_plugins()
    info = folder / "humanllm_test_loader_bad-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: humanllm-test-loader-bad\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(f"[{plugins.ENTRY_POINT_GROUP}]\nbad = humanllm_test_loader_gone\n")
    monkeypatch.delenv(plugins.ENV)
    with pytest.raises(
        plugins.PluginError,
        match=r"entry point 'bad = humanllm_test_loader_gone' \(group humanllm.plugins, "
        r"humanllm-test-loader-bad\): cannot import",
    ):
        plugins.load_plugins()


def test_an_error_in_the_plugins_own_code_keeps_its_type_and_says_which_plugin(folder, monkeypatch):
    plugin(folder, "humanllm_test_loader_raises", "raise TypeError('benchmark x does not declare `layout`')\n")
    monkeypatch.setenv(plugins.ENV, "humanllm_test_loader_raises")
    with pytest.raises(TypeError, match="does not declare `layout`") as err:
        plugins.load_plugins()
    assert err.value.__notes__ == ["(while importing plug-in 'humanllm_test_loader_raises', named in HUMANLLM_PLUGINS)"]


def test_the_old_benchmarks_variable_still_loads_with_a_deprecation_warning(folder, monkeypatch):
    plugin(folder, "humanllm_test_loader_old")
    monkeypatch.setenv("HUMANLLM_BENCHMARKS", "humanllm_test_loader_old")
    with pytest.warns(
        FutureWarning, match="HUMANLLM_BENCHMARKS is deprecated: name plug-in modules in HUMANLLM_PLUGINS"
    ):
        assert plugins.load_plugins() == ["humanllm_test_loader_old"]
    assert imported() == ["humanllm_test_loader_old"]
