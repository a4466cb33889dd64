"""Same name, same meaning: `general/english/bits_per_byte` is lm-eval's corpus-level bits_per_byte
(sum of -log-likelihoods over sum of bytes, / ln 2), computed by lm-eval's own HFLM on the same model and
documents; the per-document mean has its own name; the report's interval is a ratio bootstrap over documents."""

import math
from types import SimpleNamespace

import numpy as np
import pytest

from humanllm.config import load_config
from humanllm.eval.backends import HFEvalModel
from humanllm.eval.lmeval_suites import run_general_suites
from humanllm.eval.stats import bootstrap_ci, bootstrap_means, paired_bootstrap_diff
from humanllm.paths import evals_dir

DOCS = 6


@pytest.fixture(scope="module")
def ours(tiny_model_dir, tmp_path_factory):
    cfg = load_config(
        [
            "experiment=tiny",
            f"eval.perplexity.max_docs={DOCS}",
            "eval.perplexity.max_chars=1500",
            "progress=false",
            "eval.device=cpu",
        ]
    )  # documents of unequal length
    scores, items, failures = run_general_suites(
        SimpleNamespace(cfg=cfg),
        HFEvalModel(str(tiny_model_dir), SimpleNamespace(cfg=cfg)),
        tmp_path_factory.mktemp("ppl"),
    )
    assert not failures
    return cfg, scores, items


def test_bits_per_byte_equals_lm_evals_hflm_on_the_same_model_and_documents(ours, tiny_model_dir):
    import lm_eval
    from lm_eval.tasks import TaskManager

    cfg, scores, _ = ours
    p = cfg.eval.perplexity
    tm = TaskManager(
        include_path=str(evals_dir() / "general_english"),
        include_defaults=False,
        metadata={"max_docs": p.max_docs, "max_chars": p.max_chars},
    )
    res = lm_eval.simple_evaluate(
        model="hf",
        model_args={"pretrained": str(tiny_model_dir), "dtype": "float32"},
        tasks=["general_english_ppl"],
        task_manager=tm,
        device="cpu",
        batch_size=1,
        log_samples=True,
        bootstrap_iters=0,
    )
    theirs = res["results"]["general_english_ppl"]
    for metric in ("bits_per_byte", "byte_perplexity", "word_perplexity"):
        assert scores[f"general/english/{metric}"] == pytest.approx(theirs[f"{metric},none"], rel=1e-6), metric
    # lm-eval's number is the corpus-level ratio of its own per-document log-likelihoods and byte counts
    pairs = [s["bits_per_byte"] for s in res["samples"]["general_english_ppl"]]
    assert len(pairs) == DOCS
    corpus = -sum(ll for ll, _ in pairs) / sum(b for _, b in pairs) / math.log(2)
    assert theirs["bits_per_byte,none"] == pytest.approx(corpus, rel=1e-12)
    assert scores["general/english/bits_per_byte"] == pytest.approx(math.log2(theirs["byte_perplexity,none"]), rel=1e-9)


def test_items_rebuild_the_corpus_value_and_the_document_mean_keeps_its_own_name(ours):
    _, scores, items = ours
    bpb = [i for i in items if i["metric"] == "bits_per_byte"]
    doc = [i for i in items if i["metric"] == "doc_mean_bits_per_byte"]
    assert len(bpb) == len(doc) == DOCS and all(i["weight"] > 0 for i in bpb)
    values, weights = np.array([i["value"] for i in bpb]), np.array([i["weight"] for i in bpb])
    ci = bootstrap_ci(values, 500, 0.95, 0, weights=weights)
    assert ci.estimate == pytest.approx(scores["general/english/bits_per_byte"], rel=1e-9)
    assert ci.low <= ci.estimate <= ci.high
    assert scores["general/english/doc_mean_bits_per_byte"] == pytest.approx(values.mean(), rel=1e-12)
    assert scores["general/english/doc_mean_bits_per_byte"] != pytest.approx(ci.estimate, rel=1e-9)


def test_ratio_bootstrap_resamples_documents():
    """Each resample is sum(w·v) / sum(w) of the drawn documents: a long document weighs its bytes."""
    v, w = np.array([1.0, 3.0]), np.array([3.0, 1.0])  # 3 bytes at 1 bit, 1 byte at 3 bits: 6 bits / 4 bytes
    ci = bootstrap_ci(v, 2000, 0.95, 0, weights=w)
    assert ci.estimate == pytest.approx(1.5) and ci.low == pytest.approx(1.0) and ci.high == pytest.approx(3.0)
    # two documents drawn: both short (1 bit/byte), both long (3), or one of each: (3 + 3) / 4 bytes
    assert set(np.unique(bootstrap_means(v, 500, 0, weights=w))) == {1.0, 1.5, 3.0}
    assert bootstrap_ci(v, 2000, 0.95, 0).estimate == pytest.approx(2.0)  # the document mean differs
    d = paired_bootstrap_diff(v, v + np.array([0.0, 2.0]), 500, 0.95, 0, weights=w)
    assert d.estimate == pytest.approx(0.5)  # (6 + 2) / 4 − 6 / 4
    with pytest.raises(ValueError, match="weights must be > 0"):
        bootstrap_ci(v, 10, weights=[1.0, 0.0])
