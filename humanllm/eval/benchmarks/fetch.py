"""Download MotiveBench (HF dataset) and ToMBench (GitHub) into their official layouts (online only).
`humanllm fetch benchmarks` runs each registered benchmark's `fetch` whose fetch_command is "benchmarks".

    fetch_benchmarks(Path("data/benchmarks"))  # -> {"motivebench": .../motivebench, "tombench": .../tombench}

Then set eval.data.motivebench / eval.data.tombench to the returned folders. A folder that exists
is complete (downloads go to a temporary folder, renamed at the end).
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path

from humanllm.eval.benchmarks.evals_module import evals_module
from humanllm.eval.benchmarks.registry import benchmarks, fetchable

HF_DATASET = "chicosirius/MotiveBench"

TOMBENCH_REPO = "zhchen18/ToMBench"
TOMBENCH_FILES = (
    "Ambiguous Story Task", "Completion of Failed Actions", "Discrepant Desires", "Discrepant Emotions",
    "Discrepant Intentions", "Emotion Regulation", "False Belief Task", "Faux-pas Recognition Test",
    "Hidden Emotions", "Hinting Task Test", "Knowledge-Attention Links", "Knowledge-Pretend Play Links",
    "Moral Emotions", "Multiple Desires", "Percepts-Knowledge Links", "Persuasion Story Task",
    "Prediction of Actions", "Scalar Implicature Test", "Strange Story Task", "Unexpected Outcome Test",
)  # fmt: skip
TOMBENCH_PROMPTS = "prompts.py"  # the official prompt strings; `humanllm bench parity` reads them (never runs them)
TIMEOUT_S = 60


def subset_file(root: Path, subset: str) -> Path:
    return evals_module("motivebench").subset_file(root, subset)


SUBSETS = ("Persona", "Amazon", "Blog")


class BenchmarkFetchError(RuntimeError):
    """A benchmark could not be downloaded (offline, blocked, or the source changed); the CLI prints the
    message and exits 1."""

    exit_code = 1


def _offline_hint(benchmark: str, source: str, err: BaseException) -> BenchmarkFetchError:
    return BenchmarkFetchError(
        f"could not download {benchmark} from {source} ({type(err).__name__}: {err}). This needs internet access "
        "(and HF_HUB_OFFLINE unset for the Hub). Offline, copy the official files by hand and set "
        f"eval.data.{benchmark} to their folder."
    )


def download_motivebench_snapshot(repo_id: str = HF_DATASET, local_dir: str | Path | None = None) -> Path:
    """The `<Subset>/<Subset>_questions.json` files of the HF dataset repo (HF cache unless local_dir)."""
    from huggingface_hub import snapshot_download

    try:
        path = snapshot_download(
            repo_id, repo_type="dataset", allow_patterns=["*/*_questions.json"],
            local_dir=str(local_dir) if local_dir else None,
        )  # fmt: skip
    except Exception as err:  # offline mode, network, auth: all end the same way for the user
        raise _offline_hint("motivebench", f"https://huggingface.co/datasets/{repo_id}", err) from err
    root = Path(path)
    missing = [s for s in SUBSETS if not subset_file(root, s).is_file()]
    if missing:
        lacking = ", ".join(f"{s}/{s}_questions.json" for s in missing)
        raise BenchmarkFetchError(f"{repo_id} snapshot at {root} lacks {lacking}")
    return root


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=TIMEOUT_S) as resp:
        return resp.read()


def _tombench_from_zip(ref: str) -> dict[str, bytes]:
    blob = _get(f"https://github.com/{TOMBENCH_REPO}/archive/refs/heads/{ref}.zip")
    with zipfile.ZipFile(io.BytesIO(blob)) as zf:
        files = {
            Path(n).name: zf.read(n) for n in zf.namelist() if Path(n).parent.name == "data" and n.endswith(".jsonl")
        }
        prompts = [n for n in zf.namelist() if n.count("/") == 1 and n.endswith("/" + TOMBENCH_PROMPTS)]
        return {**files, **({TOMBENCH_PROMPTS: zf.read(prompts[0])} if prompts else {})}


def _tombench_from_raw(ref: str) -> dict[str, bytes]:
    base = f"https://raw.githubusercontent.com/{TOMBENCH_REPO}/{ref}/"
    files = {f"{n}.jsonl": _get(base + "data/" + urllib.parse.quote(f"{n}.jsonl")) for n in TOMBENCH_FILES}
    return {**files, TOMBENCH_PROMPTS: _get(base + TOMBENCH_PROMPTS)}


def fetch_tombench(dest: str | Path, ref: str = "main") -> Path:
    """`dest`/data/*.jsonl and `dest`/prompts.py from GitHub (repo zip first, raw files as a fallback)."""
    dest = Path(dest)
    if (dest / "data").is_dir():
        return dest
    files: dict[str, bytes] = {}
    errors: list[BaseException] = []
    for getter in (_tombench_from_zip, _tombench_from_raw):
        try:
            files = getter(ref)
            break
        except (urllib.error.URLError, OSError, zipfile.BadZipFile) as err:
            errors.append(err)
    if not files:
        raise _offline_hint("tombench", f"https://github.com/{TOMBENCH_REPO}", errors[-1]) from errors[-1]
    absent = sorted(set(f"{n}.jsonl" for n in TOMBENCH_FILES) - set(files))
    if absent:
        raise BenchmarkFetchError(f"ToMBench download lacks {len(absent)} expected files, e.g. {absent[0]}")
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=dest.parent, prefix=f".{dest.name}."))
    try:
        (tmp / "data").mkdir()
        for name, blob in files.items():
            (tmp / ("" if name == TOMBENCH_PROMPTS else "data") / name).write_bytes(blob)
        os.replace(tmp, dest)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return dest


def fetch_motivebench(dest: str | Path) -> Path:
    """`dest`/{Persona,Amazon,Blog}/<Subset>_questions.json from the HF dataset."""
    dest = Path(dest)
    if all(subset_file(dest, s).is_file() for s in SUBSETS):
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=dest.parent, prefix=f".{dest.name}."))
    try:
        download_motivebench_snapshot(local_dir=tmp)
        shutil.rmtree(tmp / ".cache", ignore_errors=True)  # huggingface_hub's local_dir bookkeeping
        os.replace(tmp, dest)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return dest


def fetch_benchmarks(dest: str | Path, which: tuple[str, ...] | None = None) -> dict[str, Path]:
    """Download each registered benchmark in `which` (None: those `humanllm fetch benchmarks` gets, i.e. whose
    fetch_command is "benchmarks") into `dest`/<name>; returns the folders for eval.data."""
    known = benchmarks()
    which = fetchable("benchmarks") if which is None else which
    unknown = set(which) - set(known)
    if unknown:
        raise ValueError(f"unknown benchmarks {sorted(unknown)} (choose from {sorted(known)})")
    return {name: known[name].fetch(Path(dest) / name) for name in which}
