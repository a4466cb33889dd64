"""Old module names still import, for one release: the same module object as the new name, with a FutureWarning."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

from humanllm import _aliases

ROOT = Path(__file__).resolve().parent.parent / "humanllm"


def _forget(monkeypatch: pytest.MonkeyPatch, old: str) -> None:
    """Drop the old name (and its submodules) from the import cache, so the import below goes through the finder."""
    for name in [n for n in sys.modules if n == old or n.startswith(old + ".")]:
        monkeypatch.delitem(sys.modules, name)


@pytest.mark.parametrize(("old", "new"), sorted(_aliases.RENAMED.items()))
def test_old_name_is_the_new_module_with_a_warning(monkeypatch: pytest.MonkeyPatch, old: str, new: str) -> None:
    old_path = ROOT.joinpath(*old.split("."))
    assert not old_path.with_suffix(".py").exists() and not old_path.exists(), "an alias would shadow a real module"
    module = importlib.import_module(f"humanllm.{new}")
    _forget(monkeypatch, f"humanllm.{old}")
    with pytest.warns(FutureWarning, match=rf"humanllm\.{old} was renamed to humanllm\.{new}\b"):
        aliased = importlib.import_module(f"humanllm.{old}")
    assert aliased is module
    assert module.__name__ == module.__spec__.name == f"humanllm.{new}"  # the real module keeps its own identity


@pytest.mark.parametrize(("old", "new"), sorted((o, n) for o, n in _aliases.RENAMED.items() if (ROOT / n).is_dir()))
def test_old_submodule_is_the_new_submodule(monkeypatch: pytest.MonkeyPatch, old: str, new: str) -> None:
    sub = sorted(p.stem for p in (ROOT / new).glob("*.py") if p.stem != "__init__")[0]
    module = importlib.import_module(f"humanllm.{new}.{sub}")
    _forget(monkeypatch, f"humanllm.{old}")
    with pytest.warns(FutureWarning) as caught:
        aliased = importlib.import_module(f"humanllm.{old}.{sub}")
    assert sorted(str(w.message).split(" was")[0] for w in caught) == [f"humanllm.{old}", f"humanllm.{old}.{sub}"]
    assert f"renamed to humanllm.{new}.{sub};" in str(caught[-1].message)
    assert aliased is module
    assert sys.modules[f"humanllm.{new}.{sub}"] is module  # not loaded a second time under the old name


def test_other_names_are_left_alone() -> None:
    assert _aliases.new_name("humanllm.trackers") is None
    assert _aliases.new_name("humanllm.tracker") is None
    assert _aliases.new_name("other.tracking") is None
    assert _aliases.new_name("humanllm.tracking.x") == "humanllm.tracker.x"
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("humanllm.no_such_module")


def test_the_two_old_funnel_modules_are_the_one_funnel(monkeypatch: pytest.MonkeyPatch) -> None:
    """humanllm.data.funnel and humanllm.synthesis.funnel (and curate.funnel, older still) all load humanllm.funnel."""
    funnel = importlib.import_module("humanllm.funnel")
    for old in ("humanllm.data.funnel", "humanllm.synthesis.funnel", "humanllm.curate"):
        _forget(monkeypatch, old)
    with pytest.warns(FutureWarning):
        old = [importlib.import_module(f"humanllm.{m}") for m in ("data.funnel", "synthesis.funnel", "curate.funnel")]
    assert all(m is funnel for m in old)
    assert old[0].FunnelRow is old[1].FunnelRow and old[0].FunnelMismatch is old[1].FunnelMismatch
