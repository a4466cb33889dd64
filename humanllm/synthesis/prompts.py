"""Our prompts for the clean pass, each synthesized kind, and the judge: short, so small models cope.

The JSON schema itself is added by the backend (llm.schema_in_prompt) or enforced by the server.
"""

from __future__ import annotations

from collections.abc import Sequence

from humanllm.llm.types import Message
from humanllm.synthesis.config import JUDGE_METRICS
from humanllm.task.base import clip


def posts_block(texts: Sequence[str], max_chars: int) -> str:
    return "\n\n".join(f"[{i + 1}] {clip(t, max_chars)}" for i, t in enumerate(texts))


def _chat(system: str, user: str) -> list[Message]:
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def clean_messages(text: str, rewrite: bool, max_chars: int) -> list[Message]:
    ask = (
        "Tag this post: usable (a real personal post, not spam), unsafe (hateful, sexual or violent), "
        "social_event (it describes an event with other people)."
    )
    if rewrite:
        ask += " Also give text: the post rewritten cleanly, same voice and facts, without names, links or contact details."
    return _chat(
        "You check social media posts before they are used for research.", f"Post:\n{clip(text, max_chars)}\n\n{ask}"
    )


def profile_messages(texts: Sequence[str], max_chars: int) -> list[Message]:
    return _chat(
        "You describe a person from the posts they wrote. Use only what the posts say.",
        f"Posts:\n{posts_block(texts, max_chars)}\n\n"
        "Describe the writer in the third person: summary (who they are), traits (personality, values), interests.",
    )


def style_messages(texts: Sequence[str], max_chars: int) -> list[Message]:
    return _chat(
        "You describe how a person writes.",
        f"Posts:\n{posts_block(texts, max_chars)}\n\n"
        "Describe the writer's style in one or two sentences: tone, sentence length, vocabulary, habits.",
    )


def scenario_messages(text: str, max_chars: int) -> list[Message]:
    return _chat(
        "You turn a person's post into a short scenario about them, in the third person.",
        f"Post:\n{clip(text, max_chars)}\n\n"
        "Give theme (a few words), situation (what happened around the person, not their reaction) "
        "and behavior (what the person did, thought or felt).",
    )


QA_FOCUS = {
    "plain": "about how the person responded",
    "reason": "about why the person acted as they did",
    "action": "about what the person did",
    "thought": "about what the person thought or felt",
}


def qa_messages(situation: str, post: str, variant: str, max_chars: int) -> list[Message]:
    return _chat(
        "You write questions that test whether someone can predict a person's behaviour.",
        f"Situation:\n{situation}\n\nThe person's own post:\n{clip(post, max_chars)}\n\n"
        f"Write one question {QA_FOCUS[variant]} in this situation, and the answer taken from the post. "
        "The situation alone must not give the answer away.",
    )


METRIC_MEANING = {
    "hallucination": "10 = nothing is invented beyond the posts, 1 = mostly invented",
    "coverage": "10 = uses the important facts of the posts",
    "fidelity": "10 = true to what the person actually did and said",
    "novelty": "10 = insightful, not a copy of the text",
    "leakage": "10 = the situation does not give the answer away, 1 = it states the answer",
    "conciseness": "10 = short and to the point",
    "relevance": "10 = everything said is relevant to the person",
    "fluency": "10 = fluent, natural language",
    "informativeness": "10 = tells a lot about the person",
    "overall": "10 = excellent overall",
}

WHAT = {
    "profile": "a profile of a person",
    "style": "a description of a person's writing style",
    "scenario": "a scenario about a person",
    "social_qa": "a question and answer about a person's behaviour",
}


def judge_messages(kind: str, source: str, record: str) -> list[Message]:
    metrics = "\n".join(f"- {m}: {METRIC_MEANING[m]}" for m in JUDGE_METRICS[kind])
    return _chat(
        f"You are a strict judge of {WHAT[kind]}, written from their posts. Score each metric as an integer "
        f"from 1 to 10. Higher is always better:\n{metrics}",
        f"Posts:\n{source}\n\nTo judge:\n{record}",
    )
