"""Mutation testing of the modules our claims stand on: how many small code changes do their fast tests catch?

Each module in `MODULES` is mutated by mutmut (pinned in the dev extra) and every mutant is run against that
module's own fast test files only, one module at a time. A mutant is *killed* when a test fails (or it hangs
past mutmut's per-test timeout), *survived* when every test still passes, *no tests* when no selected test
reaches the mutated function (counted as surviving). A survivor is either killed by a new test or, when it
cannot change behaviour (an equivalent mutant), listed in `EQUIVALENT` with a one-line reason.

Each module runs in its own throw-away copy of the checkout (`.mutation/<module>/`, git-ignored: the tracked
and untracked-but-not-ignored files, with only that module's test files under tests/), so the working tree is
never mutated. Writes results/bench/mutation.json: per module killed / total / score, the test files, seconds,
and every survivor with its diff and, where it is kept as equivalent, the reason.

`humanllm bench mutation` regenerates it (about 7 min on 2 shared cores). HUMANLLM_MUTATION_MODULES=store,stats
runs only those modules and keeps the other modules' entries of an existing mutation.json;
HUMANLLM_MUTATION_JOBS sets mutmut's parallel children (default 1).
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import Any

from humanllm.io import write_json
from humanllm.report.provenance import git_state

RESULT_FILE = "mutation.json"
GOAL = 0.8
TESTS_ALWAYS = ["tests/conftest.py", "tests/stand_ins"]
ALSO_COPY = ["conf", "evals", "sweeps", "scripts"]

# module → its fast tests: files (or file::test ids) that import it and run in seconds. Where the tests that
# import a module are slow under mutation (a whole stage or sweep per test: test_data_filters, test_sweep_specs,
# test_codeid's subprocess and copy-the-package tests), focused unit tests stand in for them.
MODULES: dict[str, list[str]] = {
    "humanllm/store.py": ["tests/test_store.py", "tests/test_store_units.py"],
    "humanllm/codeid.py": [
        "tests/test_codeid_units.py",
        "tests/test_codeid.py::test_every_registered_benchmark_module_is_in_the_eval_identity",
    ],
    "humanllm/eval/stats.py": ["tests/test_eval_stats.py", "tests/test_stats_units.py"],
    "humanllm/sweep/driver.py": ["tests/test_sweep_driver_units.py", "tests/test_sweep_driver_wait.py"],
    "humanllm/funnel.py": ["tests/test_funnel_units.py"],
    "humanllm/task/leakage.py": ["tests/test_leakage.py", "tests/test_leakage_units.py"],
}

# Survivors that cannot change behaviour: (module, original line, mutated line) → why.
# Lines are compared stripped of surrounding whitespace.
_STORE_LOG = 'log.info("%s %s written in %.1fs", stage, key, ctx.timings.get("total", {}))'
_TOTAL_SET = "ctx.timed('total') has always set timings['total'] before this line, so the default is never used"
EQUIVALENT: dict[tuple[str, str, str], str] = {
    (
        "humanllm/store.py",
        'tmp = final.parent / f".tmp-{key}-{uuid.uuid4().hex[:8]}"',
        'tmp = final.parent / f".tmp-{key}-{uuid.uuid4().hex[:9]}"',
    ): "only the length of the temporary folder's random suffix; any unique hidden name works",
    (
        "humanllm/store.py",
        "tmp.mkdir(parents=True)",
        "tmp.mkdir(parents=None)",
    ): "_lock() has already created the stage folder, the temporary folder's only parent",
    (
        "humanllm/store.py",
        "tmp.mkdir(parents=True)",
        "tmp.mkdir(parents=False)",
    ): "_lock() has already created the stage folder, the temporary folder's only parent",
    ("humanllm/store.py", _STORE_LOG.format("0.0"), _STORE_LOG.format("None")): _TOTAL_SET,
    ("humanllm/store.py", _STORE_LOG.format("0.0"), _STORE_LOG.format("1.0")): _TOTAL_SET,
    ("humanllm/store.py", _STORE_LOG.format("0.0"), _STORE_LOG.replace('"total", {}', '"total", ')): _TOTAL_SET,
    (
        "humanllm/eval/stats.py",
        "est, low, high, confidence, arr.size, cluster_count(clusters, arr.size) if clusters is not None else None",
        "est, low, high, confidence, arr.size, cluster_count(clusters, None) if clusters is not None else None",
    ): "cluster_count reads n only when clusters is None, and this call is made only when it is not",
    (
        "humanllm/eval/stats.py",
        "k = cluster_count(clusters, diff.size) if clusters is not None else None",
        "k = cluster_count(clusters, None) if clusters is not None else None",
    ): "cluster_count reads n only when clusters is None, and this call is made only when it is not",
    (
        "humanllm/eval/stats.py",
        "per_chunk = max(1, _CHUNK_CELLS // g)",
        "per_chunk = max(2, _CHUNK_CELLS // g)",
    ): "differs only past 2,000,000 clusters, and then only groups the draws: Generator.integers gives the same "
    "stream in chunks of 1 or 2 rows (checked), so the means are identical",
    (
        "humanllm/eval/stats.py",
        "idx = rng.integers(0, g, size=(stop - start, g))",
        "idx = rng.integers(g, size=(stop - start, g))",
    ): "Generator.integers(g) is integers(0, g): same range, same stream",
}
_READ_ONLY = "the trials are only read here: a deep copy changes the time taken, not what is read"
_FAIL = "Study.tell with neither values nor state records the trial as FAIL, the state given here (checked)"
_JSON = (
    "SweepSpec holds only str, numbers, bools, lists and dicts, whose python and json dumps are equal "
    "(pydantic treats any mode but 'json' as python; checked)"
)
_POSIX_NL = "newline=None writes csv's '\\r\\n' unchanged on POSIX; it would differ on Windows only"
_LOCALE = (
    "the locale's encoding is UTF-8 here (and on every host we run), so writing with it is writing UTF-8; "
    "the explicit encoding guards other locales, which no in-process test can switch to"
)
_CODEC = "codec names are case-insensitive: 'UTF-8' is 'utf-8'"
_D, _F = "humanllm/sweep/driver.py", "humanllm/funnel.py"
for _o in ("trials = study.get_trials(deepcopy=False)",):
    for _n in ("None", "True"):
        EQUIVALENT[(_D, _o, _o.replace("False", _n))] = _READ_ONLY
_R = "trials = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE, TrialState.RUNNING))"
_RT = "return [t.number for t in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))]"
EQUIVALENT.update(
    {
        (_D, _R, _R.replace("False", "None")): _READ_ONLY,
        (_D, _R, _R.replace("False", "True")): _READ_ONLY,
        (_D, _R, _R.replace("deepcopy=False, ", "")): _READ_ONLY,
        **{(_D, _RT, _RT.replace("deepcopy=False", d)): _READ_ONLY for d in ("deepcopy=None", "deepcopy=True")},
        (_D, _RT, _RT.replace("deepcopy=False, ", "")): _READ_ONLY,
        (_D, "waiting = False", "waiting = None"): "None is falsy as False is: the once-per-wait notice is said alike",
        (_D, "study.tell(trial, state=TrialState.FAIL)", "study.tell(trial, state=None)"): _FAIL,
        (_D, "study.tell(trial, state=TrialState.FAIL)", "study.tell(trial, )"): _FAIL,
        (
            _D,
            "retry_callback(spec.max_retries)(study, failed)",
            "retry_callback(None)(study, failed)",
        ): "reached only when the trial's retry history is shorter than max_retries (else it raised just above), "
        "where the callback's own max_retry limit queues it again as the unlimited one (max_retry=None) does",
        **{
            (
                _D,
                'study.set_user_attr("spec", spec.model_dump(mode="json"))',
                f'study.set_user_attr("spec", spec.model_dump(mode={m}))',
            ): _JSON
            for m in ("None", '"XXjsonXX"', '"JSON"')
        },
        (
            _F,
            "self.rows.values(), key=lambda r: (PLATFORMS.index(r.platform), KINDS.index(r.kind), order.get(r.stage, 99))",
            "self.rows.values(), key=lambda r: (PLATFORMS.index(r.platform), KINDS.index(r.kind), order.get(r.stage, 100))",
        ): "any rank past the five known stages (0-4) puts unknown stages last, in the same order",
    }
)
_C = "humanllm/codeid.py"
_PARSE = 'tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))'
_NAMES = "names = set().union(*(_imports(m)[1] for m in modules)) if modules else set()"
_CODE = 'return ast.dump(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))).encode()'
EQUIVALENT.update(
    {
        (
            _C,
            _NAMES,
            _NAMES.replace("if modules", "if (modules) or True"),
        ): "set().union() of no sets is set(), the else branch's value",
        (_C, _PARSE, _PARSE.replace('"utf-8"', "None")): _LOCALE,
        (_C, _PARSE, _PARSE.replace('"utf-8"', '"UTF-8"')): _CODEC,
        (_C, _CODE, _CODE.replace('"utf-8"', "None")): _LOCALE,
        (_C, _CODE, _CODE.replace('"utf-8"', '"UTF-8"')): _CODEC,
    }
)
_CSV = 'with open(folder / "funnel.csv", "w", newline="", encoding="utf-8") as fh:'
_MD = '(folder / "funnel.md").write_text(self.markdown(rows), encoding="utf-8")'
_CCSV = 'with (folder / "curation_funnel.csv").open("w", newline="", encoding="utf-8") as f:'
_CMD = '(folder / "curation_funnel.md").write_text(self.markdown(), encoding="utf-8")'
EQUIVALENT.update(
    {
        (_F, _CSV, _CSV.replace('newline=""', "newline=None")): _POSIX_NL,
        (_F, _CSV, _CSV.replace('newline="", ', "")): _POSIX_NL,
        (_F, _CSV, _CSV.replace('"utf-8"', "None")): _LOCALE,
        (_F, _CSV, _CSV.replace(', encoding="utf-8"', ", ")): _LOCALE,
        (_F, _CSV, _CSV.replace('"utf-8"', '"UTF-8"')): _CODEC,
        (_F, _MD, _MD.replace('"utf-8"', "None")): _LOCALE,
        (_F, _MD, _MD.replace('encoding="utf-8"', "")): _LOCALE,
        (_F, _MD, _MD.replace('"utf-8"', '"UTF-8"')): _CODEC,
        (_F, _CCSV, _CCSV.replace('newline=""', "newline=None")): _POSIX_NL,
        (_F, _CCSV, _CCSV.replace('newline="", ', "")): _POSIX_NL,
        (_F, _CCSV, _CCSV.replace('"utf-8"', "None")): _LOCALE,
        (_F, _CCSV, _CCSV.replace('encoding="utf-8"', "")): _LOCALE,
        (_F, _CCSV, _CCSV.replace('"utf-8"', '"UTF-8"')): _CODEC,
        (_F, _CMD, _CMD.replace('"utf-8"', "None")): _LOCALE,
        (_F, _CMD, _CMD.replace('encoding="utf-8"', "")): _LOCALE,
        (_F, _CMD, _CMD.replace('"utf-8"', '"UTF-8"')): _CODEC,
    }
)

STATUS = {
    1: "killed",
    3: "killed",
    0: "survived",
    5: "no tests",
    33: "no tests",
    34: "skipped",
    36: "timeout",
    24: "timeout",
    -24: "timeout",
    152: "timeout",
    255: "timeout",
    -9: "segfault",
    -11: "segfault",
}


def _slug(module: str) -> str:
    return module.removeprefix("humanllm/").removesuffix(".py").replace("/", ".")


def _repo_files(repo: Path) -> list[str]:
    out = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=repo,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return [f for f in out.split("\0") if f]


def prepare_workdir(repo: Path, work: Path, module: str, tests: list[str], timeout_multiplier: float) -> list[str]:
    """A copy of the checkout with only `tests` (and the shared fixtures) under tests/, and mutmut's config;
    returns the functions of `module` whose decorators were moved after them (see `undecorate`)."""
    if work.exists():
        shutil.rmtree(work)
    keep_tests = tuple([t.split("::")[0] for t in tests] + TESTS_ALWAYS)
    for rel in _repo_files(repo):
        if rel.startswith("results/") or (rel.startswith("tests/") and not rel.startswith(keep_tests)):
            continue
        src = repo / rel
        if not src.is_file():
            continue
        dst = work / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dst)
    missing = [t for t in tests if not (work / t.split("::")[0]).exists()]
    if missing:
        raise FileNotFoundError(f"test files for {module} are missing: {missing}")
    lines = [
        "[mutmut]",
        "source_paths = humanllm",
        f"only_mutate = {module}",
        "also_copy =",
        *(f"    {p}" for p in ALSO_COPY),
        "pytest_add_cli_args =",
        "    -p",
        "    no:cacheprovider",
        "    -o",
        "    addopts=",
        "pytest_add_cli_args_test_selection =",
        *(f"    {t}" for t in tests),
        f"timeout_multiplier = {timeout_multiplier}",
        "timeout_constant = 10.0",
        "",
    ]
    (work / "setup.cfg").write_text("\n".join(lines))
    target = work / module
    source, unwrapped = undecorate(target.read_text())
    target.write_text(source)
    return unwrapped


UNWRAP = ("functools.lru_cache", "lru_cache", "functools.cache", "contextmanager", "contextlib.contextmanager")


def undecorate(source: str) -> tuple[str, list[str]]:
    """mutmut 3 leaves decorated functions unmutated (bar static/class methods). In the throw-away copy, a function
    whose decorators are all plain wrappers (lru_cache, cache, contextmanager) is rewritten as the same wrapper
    applied after the `def` (`f = functools.lru_cache(maxsize=None)(f)`), which Python treats the same, so its
    body is mutated too. Returns the new source and the functions rewritten."""
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    edits: list[tuple[int, int, int, str]] = []  # (first decorator line, def line, end line, assignment)
    done = []

    def visit(body: list[ast.stmt], prefix: str) -> None:
        for node in body:
            if isinstance(node, ast.ClassDef):
                visit(node.body, f"{prefix}{node.name}.")
            elif isinstance(node, ast.FunctionDef) and node.decorator_list:
                decos = [ast.get_source_segment(source, d) or "" for d in node.decorator_list]
                if all(d.split("(")[0] in UNWRAP for d in decos):
                    indent = " " * node.col_offset
                    wrapped = node.name
                    for d in reversed(decos):
                        wrapped = f"{d}({wrapped})"
                    edits.append(
                        (
                            node.decorator_list[0].lineno,
                            node.lineno,
                            node.end_lineno or node.lineno,
                            f"{indent}{node.name} = {wrapped}\n",
                        )
                    )
                    done.append(prefix + node.name)

    visit(tree.body, "")
    for first, def_line, end, assign in sorted(edits, reverse=True):
        lines[end:end] = [assign]
        del lines[first - 1 : def_line - 1]
    return "".join(lines), done


def unmutated(source: str) -> list[str]:
    """Functions mutmut leaves alone even after `undecorate`: those with other decorators (e.g. @property)."""
    out = []
    for node in ast.walk(ast.parse(source)):
        body = node.body if isinstance(node, (ast.Module, ast.ClassDef)) else []
        prefix = f"{node.name}." if isinstance(node, ast.ClassDef) else ""
        for f in body:
            if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef)) and f.decorator_list:
                decos = [ast.get_source_segment(source, d) or "" for d in f.decorator_list]
                if not all(d.split("(")[0] in UNWRAP for d in decos) and decos not in (
                    ["staticmethod"],
                    ["classmethod"],
                ):
                    out.append(f"{prefix}{f.name} (@{', @'.join(decos)})")
    return out


def _function_lines(source: str) -> dict[str, int]:
    """'name' and 'Class.name' → the line of its `def`."""
    out: dict[str, int] = {}
    tree = ast.parse(source)
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            out[node.name] = node.lineno
        elif isinstance(node, ast.ClassDef):
            for sub in node.body:
                if isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    out[f"{node.name}.{sub.name}"] = sub.lineno
    return out


def _changed(diff: str) -> tuple[str, str, int | None]:
    """The original and mutated lines of a function-level diff, and the mutated line's offset in the function."""
    minus, plus, offset, line = [], [], None, 0
    for d in diff.splitlines():
        if d.startswith(("---", "+++")):
            continue
        m = re.match(r"@@ -(\d+)", d)
        if m:
            line = int(m.group(1)) - 1
            continue
        if d.startswith("-"):
            minus.append(d[1:].strip())
            offset = line if offset is None else offset
            line += 1
        elif d.startswith("+"):
            plus.append(d[1:].strip())
        else:
            line += 1
    return " ".join(minus), " ".join(plus), offset


def _mutmut(work: Path, *args: str, timeout: float | None = None) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).with_name("mutmut")
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "HF_DATASETS_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "WANDB_MODE": "offline",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    return subprocess.run([str(exe), *args], cwd=work, env=env, capture_output=True, text=True, timeout=timeout)


def _mutant_order(name: str) -> tuple[str, int]:
    head, _, n = name.rpartition("__mutmut_")
    return head, int(n) if n.isdigit() else 0


def _function_of(name: str, module: str) -> str:
    """humanllm.store.xǁArtifactStoreǁbuild__mutmut_3 → ArtifactStore.build; ...x__as_vector__mutmut_1 → _as_vector."""
    tail = name.removeprefix(module.removesuffix(".py").replace("/", ".") + ".").rsplit("__mutmut_", 1)[0]
    if tail.startswith("xǁ"):
        return ".".join(tail[2:].split("ǁ"))
    return tail.removeprefix("x_")


_DIFF_SCRIPT = """
import json, sys
from mutmut.mutation.diff_apply import get_diff_for_mutant
path, names = sys.argv[1], json.loads(sys.stdin.read())
print(json.dumps({n: get_diff_for_mutant(n, path=path) for n in names}))
"""


def _diffs(work: Path, module: str, names: list[str]) -> dict[str, str]:
    """The function-level unified diff of each mutant (mutmut's own `show`, in one process)."""
    if not names:
        return {}
    out = subprocess.run(
        [sys.executable, "-c", _DIFF_SCRIPT, module],
        cwd=work,
        input=json.dumps(names),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {n: "\n".join(d.splitlines()[2:]) for n, d in json.loads(out).items()}  # drop the ---/+++ file lines


def run_module(
    repo: Path, work: Path, module: str, tests: list[str], jobs: int = 1, timeout_multiplier: float = 5.0
) -> dict[str, Any]:
    t0 = time.perf_counter()
    unwrapped = prepare_workdir(repo, work, module, tests, timeout_multiplier)
    run = _mutmut(work, "run", "--max-children", str(jobs))
    (work / "mutmut-run.log").write_text(run.stdout + "\n" + run.stderr)
    meta_path = work / "mutants" / (module + ".meta")
    if not meta_path.is_file():
        raise RuntimeError(f"mutmut wrote no results for {module} (exit {run.returncode}); see {work}/mutmut-run.log")
    exit_codes: dict[str, int | None] = json.loads(meta_path.read_text())["exit_code_by_key"]
    seconds = round(time.perf_counter() - t0, 1)
    defs = _function_lines((repo / module).read_text())  # lines as in the checkout, not the rewritten copy
    counts: dict[str, int] = {}
    kept: list[tuple[str, str]] = []
    for name, code in sorted(exit_codes.items(), key=lambda kv: _mutant_order(kv[0])):
        status = STATUS.get(code, "suspicious") if code is not None else "not checked"
        counts[status] = counts.get(status, 0) + 1
        if status not in ("killed", "timeout"):
            kept.append((name, status))
    diffs = _diffs(work, module, [n for n, _ in kept])
    survivors = []
    for name, status in kept:
        diff = diffs[name]
        orig, new, offset = _changed(diff)
        func = _function_of(name, module)
        line = defs[func] + offset if func in defs and offset is not None else None
        survivors.append(
            {
                "module": module,
                "mutant": name.split(".")[-1],
                "status": status,
                "function": func,
                "line": line,
                "diff": diff,
                "reason": EQUIVALENT.get((module, orig, new)),
            }
        )
    total = sum(counts.values())
    killed = counts.get("killed", 0) + counts.get("timeout", 0)
    return {
        "module": module,
        "tests": tests,
        "killed": killed,
        "total": total,
        "score": round(killed / total, 4) if total else None,
        "by_status": counts,
        "seconds": seconds,
        "decorators_moved_after_def": unwrapped,
        "not_mutated": unmutated((repo / module).read_text()),
        "survivors": survivors,
    }


def run_mutation_bench(
    out_dir: Path, repo: Path | None = None, modules: list[str] | None = None, jobs: int | None = None
) -> dict[str, Any]:
    repo = (repo or Path.cwd()).resolve()
    env_modules = os.environ.get("HUMANLLM_MUTATION_MODULES")
    selected = modules or (
        [m for m in MODULES if _slug(m).split(".")[-1] in env_modules.split(",") or _slug(m) in env_modules.split(",")]
        if env_modules
        else list(MODULES)
    )
    jobs = jobs or int(os.environ.get("HUMANLLM_MUTATION_JOBS", "1"))
    out_path = Path(out_dir) / RESULT_FILE
    previous = json.loads(out_path.read_text()) if out_path.is_file() else {}
    results = {m["module"]: m for m in previous.get("modules", [])}
    git = git_state([*selected, *[t.split("::")[0] for m in selected for t in MODULES[m]]], repo, untracked=True)
    commit, dirty = git if git is not None else ("", False)
    for module in selected:
        print(f"mutation: {module} against {', '.join(MODULES[module])}", flush=True)
        res = run_module(repo, repo / ".mutation" / _slug(module), module, MODULES[module], jobs=jobs)
        res["commit"] = commit
        res["uncommitted_changes"] = dirty
        results[module] = res
        print(f"  killed {res['killed']}/{res['total']} = {res['score']} in {res['seconds']}s", flush=True)
    ordered = [results[m] for m in MODULES if m in results]
    report = {
        "tool": "mutmut",
        "tool_version": metadata.version("mutmut"),
        "goal": GOAL,
        "counting": "killed = failed a test or hit mutmut's per-test timeout; 'no tests' (no selected test "
        "reaches the function) counts as surviving; score = killed / total",
        "modules": ordered,
        "summary": {m["module"]: {"killed": m["killed"], "total": m["total"], "score": m["score"]} for m in ordered},
        "unexplained_survivors": sum(1 for m in ordered for s in m["survivors"] if not s["reason"]),
        "meets_goal": all((m["score"] or 0) >= GOAL or all(s["reason"] for s in m["survivors"]) for m in ordered),
    }
    write_json(out_path, report)
    return report
