"""One registry for benchmarks. A benchmark is evals/<name>/ (lm-eval YAMLs + utils.py) plus one module that
subclasses `Benchmark` and is decorated with `@register`: a module of this package, or a plug-in (humanllm.plugins:
an entry point in the group `humanllm.plugins`, or HUMANLLM_PLUGINS, set before humanllm is imported since the
eval config is built from the registry; a plug-in's module and evals folder count in the eval stage's code
identity). Everything else is derived
from what the class declares: the eval config's section and data folder (eval/config.py, and the Hydra
defaults built from it), the missing-data message, the pre-run folder check (config_checks.py), `humanllm fetch`,
the report's table group (report/tables.py) and the names a table spec's layout may list (tables/spec.py).

    class MyBenchConfig(StrictModel):         # cfg.eval.mybench (its defaults are the only defaults)
        enabled: bool = False
        limit: int | None = None

    @register
    class MyBench(Benchmark):
        name = "mybench"                      # evals/mybench/, cfg.eval.mybench, cfg.eval.data.mybench
        settings = MyBenchConfig
        layout = "<what the data folder holds>"
        table_group = "social"                # or "general" (general reasoning: forgetting)
        fetch_command = None                  # or "benchmarks" / "general": the `humanllm fetch` that gets it
        evals_path = Path(__file__).parent / "evals" / "mybench"   # only outside the checkout's evals/
        group_cols = ["group"]
        def check_data(self, e): ...          # read all data, return issues (file:line: what, action)
        def tasks(self, e): ...               # lm-eval task names to run
        def metadata(self, e, seed): ...      # TaskManager metadata for evals/mybench/utils.py
        def rows(self, doc, resps): ...       # one response -> a row of the items table
        def summarize(self, items, boot): ... # (units, summary) with bootstrap CIs
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from humanllm.eval.benchmarks.errors import BenchmarkDataMissing, missing_data
from humanllm.eval.benchmarks.evals_module import evals_module
from humanllm.eval.contamination import BenchmarkText
from humanllm.paths import evals_dir
from humanllm.plugins import is_plugin, load_plugins, note_plugin_module

if TYPE_CHECKING:
    import pandas as pd

    from humanllm.schema import StrictModel

_REGISTRY: dict[str, Benchmark] = {}
TABLE_GROUPS = {"social": "social benchmarks", "general": "general reasoning (forgetting)"}
FETCH_COMMANDS = ("benchmarks", "general")


class Benchmark:
    """What a benchmark declares; defaults cover the common cases."""

    name: ClassVar[str]
    settings: ClassVar[type[StrictModel]]  # its config model: cfg.eval.<name> (needs an `enabled` switch)
    layout: ClassVar[str]  # what its data folder holds, for the missing-data message
    table_group: ClassVar[Literal["social", "general"]]  # the report's group of its deltas (TABLE_GROUPS)
    fetch_command: ClassVar[str | None] = None  # `humanllm fetch <this>` downloads its data; None: by hand only
    checked_before_run: ClassVar[bool] = True  # an enabled benchmark's folder is checked before any stage runs
    evals_path: ClassVar[Path | None] = None  # its lm-eval folder (YAMLs + utils.py); None: evals/<name>/
    order: ClassVar[int] = 100  # its place among the eval config's sections (the built-ins come first)
    group_cols: ClassVar[list[str]]
    headline_metrics: ClassVar[tuple[str, ...]] = ("accuracy",)
    checks_contamination: ClassVar[bool] = False  # True: contamination_texts() is checked against training data
    contamination_settings: ClassVar[tuple[str, ...]] = ()  # the settings that choose those texts (in that stage's key)

    def config(self, e: Any) -> Any:
        return getattr(e, self.name)

    def evals_folder(self) -> Path:
        """Its lm-eval task folder: `evals_path`, else evals/<name>/ (HUMANLLM_EVALS_DIR moves evals/)."""
        return Path(self.evals_path) if self.evals_path is not None else evals_dir() / self.name

    def hooks(self) -> ModuleType:
        """Its lm-eval hooks, <evals folder>/utils.py, loaded once per process."""
        return evals_module(self.name, self.evals_path)

    def data_env(self) -> str:
        """The environment variable that moves its default data folder (data/benchmarks/<name>)."""
        return "HUMANLLM_" + re.sub(r"[^A-Z0-9]", "_", self.name.upper())

    def missing(self, data_dir: str | Path | None, detail: str = "") -> BenchmarkDataMissing:
        """The missing-data error, naming eval.data.<name>, its layout and its fetch."""
        return missing_data(self.name, data_dir, detail, self.layout, self.fetch_command)

    def enabled(self, e: Any) -> bool:
        return bool(self.config(e).enabled)

    def data_dir(self, e: Any) -> str | None:
        return getattr(e.data, self.name)

    def require_data(self, e: Any) -> Path:
        """The configured data folder; BenchmarkDataMissing (naming eval.data.<name>) when unusable."""
        spec = self.data_dir(e)
        if spec is None or not Path(spec).expanduser().is_dir():
            raise self.missing(spec)
        return Path(spec).expanduser().resolve()  # lm-eval needs absolute data paths

    def unavailable(self, e: Any) -> str | None:
        """Why the benchmark is reported as not run: its data cannot be had and its config says
        `if_unavailable: not_run`. None when it runs (or when missing data must fail the run)."""
        if getattr(self.config(e), "if_unavailable", "fail") != "not_run":
            return None
        try:
            self.require_data(e)
        except BenchmarkDataMissing as err:
            return str(err)
        return None

    def source_note(self, e: Any) -> str | None:
        """A line for the scores' notes saying where the data came from, when that can vary."""
        return None

    def check_data(self, e: Any) -> list[dict[str, Any]]:
        raise NotImplementedError

    def data_files(self, e: Any) -> list[Path]:
        """The files a run with settings `e` reads (for cache keys): by default every file in the folder."""
        return sorted(p for p in self.require_data(e).rglob("*") if p.is_file())

    def tasks(self, e: Any) -> list[str]:
        raise NotImplementedError

    def metadata(self, e: Any, seed: int) -> dict[str, Any]:
        raise NotImplementedError

    def rows(self, doc: dict, resps: Any) -> dict[str, Any]:
        raise NotImplementedError

    def summarize(self, items: pd.DataFrame, bootstrap: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
        raise NotImplementedError

    def headline(self, scores: dict[str, float]) -> list[str]:
        """Score keys the main table shows: pooled groups (ending in '.all' or 'all') of headline metrics."""
        out = []
        for key in scores:
            suite, group, metric = key.split("/", 2)
            if suite == self.name and metric in self.headline_metrics and group.split(".")[-1] == "all":
                out.append(key)
        return out

    def contamination_texts(self, e: Any) -> list[BenchmarkText]:
        return []

    def needs_llm(self, e: Any) -> bool:
        """Whether scoring asks the `llm` endpoint (then its identity is in the eval key and `reparse` gets it)."""
        return False

    def unread_settings(self, e: Any) -> set[str]:
        """Settings the configured run never reads (left out of the eval key)."""
        return set()

    def reparse(self, items: pd.DataFrame, e: Any, llm: Any) -> pd.DataFrame:
        """Rescore rows after generation (e.g. an LLM that reads the answer out of a reply); default: as they are."""
        return items

    def fetch(self, dest: Path) -> Path:
        raise NotImplementedError(f"{self.name} has no download; put its files in a folder by hand")


def register(cls: type[Benchmark]) -> type[Benchmark]:
    """Add a benchmark class; it must declare what the rest of the project derives from it."""
    for attr in ("name", "settings", "layout", "table_group", "group_cols"):
        if not hasattr(cls, attr):
            raise TypeError(
                f"benchmark {cls.__name__} does not declare `{attr}` (see humanllm/eval/benchmarks/registry.py)"
            )
    if cls.table_group not in TABLE_GROUPS:
        raise TypeError(f"benchmark {cls.name}: table_group {cls.table_group!r} is not one of {sorted(TABLE_GROUPS)}")
    if cls.fetch_command not in (None, *FETCH_COMMANDS):
        raise TypeError(
            f"benchmark {cls.name}: fetch_command {cls.fetch_command!r} is not one of {FETCH_COMMANDS} or None"
        )
    if "enabled" not in cls.settings.model_fields:
        raise TypeError(f"benchmark {cls.name}: its settings model {cls.settings.__name__} has no `enabled` field")
    _REGISTRY[cls.name] = cls()
    if is_plugin(cls.__module__):  # its module and its lm-eval folder count in the eval stage's code identity
        data = (
            []
            if cls.evals_path is None
            else sorted(p for p in Path(cls.evals_path).rglob("*") if p.is_file() and "__pycache__" not in p.parts)
        )
        note_plugin_module(__name__, cls.__module__, data)
    return cls


def benchmarks() -> dict[str, Benchmark]:
    """Every registered benchmark, in config order (importing this package's modules and the plug-ins
    registers them)."""
    package = importlib.import_module("humanllm.eval.benchmarks")
    for mod in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"{package.__name__}.{mod.name}")
    load_plugins()
    return dict(sorted(_REGISTRY.items(), key=lambda kv: (kv[1].order, kv[0])))


def table_group_of(suite: str) -> str | None:
    """The report's group of a registered benchmark's deltas (TABLE_GROUPS), None for other suites."""
    bench = benchmarks().get(suite)
    return TABLE_GROUPS[bench.table_group] if bench else None


def social_suites() -> tuple[str, ...]:
    """Registered benchmarks whose table group is social (the report's social benchmarks)."""
    return tuple(n for n, b in benchmarks().items() if b.table_group == "social")


def fetchable(command: str) -> tuple[str, ...]:
    """Registered benchmarks that `humanllm fetch <command>` downloads."""
    return tuple(n for n, b in benchmarks().items() if b.fetch_command == command)


def enabled_benchmarks(e: Any) -> list[Benchmark]:
    return [b for b in benchmarks().values() if b.enabled(e)]


def not_run(e: Any) -> dict[str, str]:
    """Enabled benchmarks reported as not run, with why (see Benchmark.unavailable)."""
    return {b.name: reason for b in enabled_benchmarks(e) if (reason := b.unavailable(e))}


def runnable_benchmarks(e: Any) -> list[Benchmark]:
    """Enabled benchmarks that run (not those reported as not run)."""
    skipped = not_run(e)
    return [b for b in enabled_benchmarks(e) if b.name not in skipped]
