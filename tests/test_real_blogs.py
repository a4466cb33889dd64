"""experiment=real_blogs on Blog Authorship files written here, and `humanllm fetch corpus blogs` (no network)."""

import json
import zipfile

import pytest

from humanllm.cli import main
from humanllm.config import load_config
from humanllm.data import corpus_fetch
from humanllm.data.corpus_fetch import CorpusFetchError, fetch_blogs, folder_pin
from humanllm.schema import ConfigError

WORDS = (
    "garden rain coffee guitar exam summer city train novel kitchen river dog friend school movie "
    "weekend bread letter window market"
).split()


def _post(blogger: int, n: int) -> str:
    """A post over 300 characters, distinct per blogger and post (no dedup), with entities as the corpus has."""
    words = [WORDS[(blogger * 7 + n * 3 + i * i) % len(WORDS)] for i in range(70)]
    return f"Day {n} of blogger {blogger} &amp; friends: " + " ".join(words) + f" caf\xe9 #{blogger}-{n}."


def write_blogs(folder, bloggers=12, posts=6):
    """Files in the official format: id.gender.age.industry.sign.xml, latin-1, <Blog><date/><post/>..."""
    folder.mkdir(parents=True, exist_ok=True)
    for b in range(bloggers):
        body = "".join(
            f"\n<date>{n + 1},May,2004</date>\n<post>\n\n      {_post(b, n)}\n\n    </post>\n" for n in range(posts)
        )
        name = f"{1000 + b * 10}.{'female' if b % 2 else 'male'}.{15 + b}.indUnk.Leo.xml"
        (folder / name).write_bytes(f"<Blog>\n{body}\n</Blog>\n".encode("latin-1"))
    return folder


def test_held_out_bloggers_are_never_trained_on(tmp_path):
    """The experiment's data path (real loader, filters, split, tasks) on real-format files."""
    from humanllm.pipeline import flow
    from humanllm.pipeline.context import RunContext

    blogs = write_blogs(tmp_path / "blogs")
    cfg = load_config(
        [
            "experiment=real_blogs",
            f"data.sources.blogger.files=[{blogs}/*.xml]",
            f"paths.artifacts={tmp_path / 'artifacts'}",
            "progress=false",
        ]
    )
    cfg.preflight(evaluates=False)
    state = flow.run_task_stage(RunContext.from_config(cfg), flow.FlowState())
    task = state.tasks["writing_imitation"].path
    rows = {s: [json.loads(line) for line in (task / f"{s}.jsonl").open()] for s in ("train", "test")}
    train, test = ({r["user_id"] for r in rows[s]} for s in ("train", "test"))
    assert len(train | test) == 12 and len(test) == 3  # every blogger kept, ceil(25 %) of 12 held out
    assert not train & test
    assert all(r["messages"][-1]["content"] for r in rows["test"])
    assert all("&amp;" not in m["content"] for r in rows["train"] for m in r["messages"])  # entities decoded


def test_missing_corpus_folder_names_the_key_and_the_fetch_command(tmp_path, capsys):
    from humanllm.tables.runner import run_table
    from humanllm.tables.spec import load_table_spec

    absent = f"data.sources.blogger.files=[{tmp_path}/no_blogs/*.xml]"
    with pytest.raises(ConfigError) as err:
        run_table(load_table_spec("real_blogs"), tmp_path / "out", fast=True, extra=[absent])
    assert "data.sources.blogger.files" in str(err.value) and "humanllm fetch corpus blogs" in str(err.value)
    assert not (tmp_path / "out").exists()  # refused before anything ran or was written
    assert main(["table", "real_blogs", absent, "--fast", "--out", str(tmp_path / "out")]) == 2
    assert "humanllm fetch corpus blogs" in capsys.readouterr().err


def _zip(folder, path, top="blogs"):
    with zipfile.ZipFile(path, "w") as zf:
        for p in sorted(folder.iterdir()):
            zf.write(p, f"{top}/{p.name}")
        zf.writestr(f"{top}/README.txt", "not a corpus file")
    return path


def test_fetch_corpus_checks_the_pin(tmp_path):
    blogs = write_blogs(tmp_path / "src", bloggers=4)
    pin = folder_pin(blogs)
    archive = _zip(blogs, tmp_path / "blogs.zip")
    got = fetch_blogs(tmp_path / "a", source=archive, pin=pin)
    assert sorted(p.name for p in got.iterdir()) == sorted(p.name for p in blogs.iterdir())
    assert fetch_blogs(tmp_path / "b", pin=pin, urls=(archive.as_uri(),)) == tmp_path / "b"  # the download path
    assert fetch_blogs(tmp_path / "c", source=blogs, pin=pin).is_dir()  # an unpacked folder
    changed = next(iter(sorted(blogs.iterdir())))
    changed.write_bytes(changed.read_bytes().replace(b"garden", b"Garden", 1))
    with pytest.raises(CorpusFetchError, match="sha256"):
        fetch_blogs(tmp_path / "d", source=_zip(blogs, tmp_path / "changed.zip"), pin=pin)
    with pytest.raises(CorpusFetchError, match="sha256"):
        fetch_blogs(tmp_path / "a", pin=corpus_fetch.Pin(pin.files, "0" * 64))  # an existing folder is checked
    assert not (tmp_path / "d").exists()


def test_fetch_corpus_offline_is_one_message_and_exit_1(tmp_path, monkeypatch, capsys):
    missing = (tmp_path / "nowhere" / "blogs.zip").as_uri()  # a source that cannot be read, like a dead network
    monkeypatch.setattr(corpus_fetch, "BLOGS_URLS", (missing, missing.replace("blogs.zip", "mirror.zip")))
    with pytest.raises(CorpusFetchError, match="could not download the Blog Authorship Corpus") as err:
        fetch_blogs(tmp_path / "dest")
    assert "--from" in str(err.value) and "mirror.zip" in str(err.value)
    assert main(["fetch", "corpus", "blogs", str(tmp_path / "dest")]) == 1
    out = capsys.readouterr()
    assert "could not download" in out.err and "Traceback" not in out.err
    assert not (tmp_path / "dest").exists()


def test_run_records_name_paths_relative_to_the_working_folder(tmp_path, monkeypatch):
    """Run from the checkout (here a stand-in), a run's results folder and its evaluations' folders are
    written relative to it, so committed records name no machine's paths; paths outside stay whole."""
    from humanllm.io import write_json
    from humanllm.tables.runner import _show_paths, full_overrides
    from humanllm.tables.spec import load_table_spec

    monkeypatch.chdir(tmp_path)
    spec = load_table_spec("real_blogs")
    overrides = full_overrides(spec, spec.runs[0], "results", False, [])
    assert "paths.results=results/real_blogs/runs/sft" in overrides
    assert load_config(overrides).results_dir == tmp_path / "results" / "real_blogs" / "runs" / "sft"
    index = tmp_path / "evaluations.json"
    write_json(
        index,
        {
            "evaluations": [
                {
                    "model_path": str(tmp_path / "artifacts" / "base_model" / "k"),
                    "eval_path": str(tmp_path / "artifacts" / "eval" / "e"),
                    "judge_path": None,
                },
                {"model_path": "/elsewhere/model"},
            ]
        },
    )
    _show_paths(index)
    written = json.loads(index.read_text())["evaluations"]
    assert written[0] == {"model_path": "artifacts/base_model/k", "eval_path": "artifacts/eval/e", "judge_path": None}
    assert written[1] == {"model_path": "/elsewhere/model"}


def test_records_written_with_absolute_paths_are_not_stale(tmp_path, monkeypatch):
    """A run recorded before paths were shown relative still counts as finished; a changed override does not."""
    from pathlib import Path

    from humanllm.io import write_json
    from humanllm.report.table_runs import _status
    from humanllm.tables.runner import full_overrides, run_dir
    from humanllm.tables.spec import load_table_spec

    monkeypatch.chdir(tmp_path)
    spec, out = load_table_spec("real_blogs"), Path("results")
    run = spec.runs[0]
    folder = run_dir(out, spec.name, run.name)
    old = [
        f"paths.results={folder}" if o.startswith("paths.results=") else o
        for o in full_overrides(spec, run, out, False, [])
    ]
    assert f"paths.results={tmp_path}/results/real_blogs/runs/sft" in old
    write_json(folder / "evaluations.json", {"evaluations": []})
    write_json(folder / "run.json", {"status": "done", "overrides": old})
    assert _status(spec, run, out, False, []) is None
    write_json(folder / "run.json", {"status": "done", "overrides": [*old[:-1], "eval.targets=[base]"]})
    assert _status(spec, run, out, False, []).startswith("stale")
