"""Our prompts for synthesis mode=paper, written to ask for what the official HumanLLM prompts ask for
(reddit_prompt.py and its twins, judger_prompts.py): same fields, same length limits, same rubrics.

Posts are shown oldest first, numbered. The JSON schema is added by the backend or enforced by the server.
"""

from __future__ import annotations

from collections.abc import Sequence

from humanllm.llm.types import Message
from humanllm.synthesis.config import JUDGE_METRICS
from humanllm.synthesis.prompts import posts_block
from humanllm.task.base import clip

SYSTEM = "You turn people's real posts into research data about human behaviour. Stay true to what they wrote."


def _ask(user: str) -> list[Message]:
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": user}]


def clean_messages(text: str, max_chars: int) -> list[Message]:
    return _ask(
        "Clean this post and tag it.\n"
        "text: the post with formatting and grammar fixed, told as a coherent narrative, meaning and tone unchanged "
        "(leave well-written sentences as they are); replace private data such as addresses or ID numbers with "
        "invented ones.\n"
        "unsafe: true only if the post's main theme promotes or endorses erotic content, hatred of people, "
        "terrorism, harassment or other dangerous behaviour; merely mentioning such topics is not unsafe.\n"
        "social_event: true if the post tells a concrete, specific story of the author's social behaviour or inner "
        "thoughts as an ordinary person; false for ads, news, poems, vague or trivial complaints.\n\n"
        f"Post:\n{clip(text, max_chars)}"
    )


def persona_messages(texts: Sequence[str], max_chars: int) -> list[Message]:
    return _ask(
        "Write a vivid persona of this user as one third-person paragraph of at most 100 words ('The user is a ...'). "
        "Weave in demographics, personality, values, interests and emotional tone only where the posts support them. "
        "Ignore ads, schedules and reposted knowledge; no lists.\n\n"
        f"Posts:\n{posts_block(texts, max_chars)}"
    )


def profile_messages(texts: Sequence[str], max_chars: int) -> list[Message]:
    return _ask(
        "Write a profile of this user as one cohesive third-person paragraph of 100 to 400 words ('The user is a ...'). "
        "Weave together what the posts state about demographics, personality, values, interests and emotional tone, and "
        "blend in a few salient experiences (career shifts, challenges, milestones), one short sentence each. No lists, "
        "headings or closing summary ('Overall ...'); invent nothing the posts do not support.\n\n"
        f"Posts:\n{posts_block(texts, max_chars)}"
    )


def stories_messages(texts: Sequence[str], max_chars: int) -> list[Message]:
    return _ask(
        "Extract this user's salient life stories (at most 20, in time order). Each story has summary (one short "
        "sentence without commas) and content (a detailed first-person account of a concrete situation and the "
        "user's behaviour, feelings or thoughts in it, with utterances and actions the posts mention). Ground each "
        "story in the posts; skip noise and trivial posts; do not merge a lifetime into one story.\n\n"
        f"Posts:\n{posts_block(texts, max_chars)}"
    )


def style_messages(texts: Sequence[str], max_chars: int) -> list[Message]:
    return _ask(
        "Describe this user's writing style in the third person ('The user ...'): tone, structure, "
        f"vocabulary, habits.\n\nPosts:\n{posts_block(texts, max_chars)}"
    )


def post_summary_messages(text: str, max_chars: int) -> list[Message]:
    return _ask(
        "Summarise the main content of this post objectively in one or two sentences: only the facts, "
        f"events or views the author states, no interpretation.\n\nPost:\n{clip(text, max_chars)}"
    )


def long_scenario_messages(text: str, max_chars: int) -> list[Message]:
    return _ask(
        "From this post, write one cohesive life scenario about its author (give them a pseudonym). "
        "characters: every character, the author first, as 'Name: one or two sentences of persona'. "
        "summary: one very short sentence without commas naming the scenario's topic. "
        "scenario: a vivid third-person narrative of 150 to 300 words about one specific incident, with setting, "
        "actions, dialogue and feelings; true to the post, no concluding moral.\n\n"
        f"Post:\n{clip(text, max_chars)}"
    )


QA_FOCUS = {
    "plain": "the author's next actions, emotions, thoughts, or what happened next",
    "action": "the author's next actions, their consequences, or what happened next",
    "thought": "the author's inner state: feelings, opinions, beliefs or thoughts",
    "reason": "why the author acted or felt as they did (a 'why' question)",
}
QA_SCENARIO_RULE = {
    "plain": "The question must be related to, but not answered by, the scenario.",
    "action": "The question must be related to, but not answered by, the scenario.",
    "thought": "The question must go beyond what the scenario states.",
    "reason": "The scenario describes only what happened, never why: no motive, intention or explanation in it.",
}


def scenario_qa_messages(text: str, variant: str, max_chars: int) -> list[Message]:
    return _ask(
        "From this post, write one question-answer sample about its author, in the third person ('the author'). "
        "scenario: a concrete, detailed account of the situation drawn from the post (time, place, people, what was "
        f"said and done). question: one question about {QA_FOCUS[variant]}. answer: a full, natural answer grounded "
        f"in the post, phrased as a forecast from the scenario. {QA_SCENARIO_RULE[variant]}\n\n"
        f"Post:\n{clip(text, max_chars)}"
    )


RUBRIC = {
    "hallucination": "grounded in the posts: 10 nothing invented about the main story, 8 one or two confident "
    "inferences, 5 several unsupported details, 1 the main story is changed or invented",
    "coverage": "10 nearly all salient points of the posts are represented, 8 most, 5 about half, 1 little",
    "fidelity": "the sample on its own: 10 vivid, concrete, coherent and deep, 8 solid, 5 generic, 1 weak or trivial",
    "novelty": "the sample on its own: 10 distinctive and resonant, 8 mostly distinctive, 5 routine, 1 generic",
    "leakage": "10 the scenario does not reveal the answer (it takes inference), 5 partly restated, 1 the answer "
    "is stated in the scenario",
    "conciseness": "10 concise with just enough detail and within its length limit, 5 wordy, 1 rambling",
    "relevance": "10 only specific, user-relevant content, 5 noticeable generic or promotional content, 1 off-topic",
    "fluency": "10 natural, seamless prose, 5 choppy or ungrammatical, 1 hard to follow",
    "informativeness": "the text on its own: 10 detailed and substantial, 5 vague in places, 1 superficial",
    "overall": "your holistic quality score",
}
WHAT = {
    "persona": "a persona paragraph (at most 100 words) written from a user's posts",
    "profile_paragraph": "a profile paragraph (100-400 words) written from a user's posts",
    "stories": "a list of life stories extracted from a user's posts",
    "long_scenario": "a life scenario (characters, summary, scenario) extracted from one post",
    "scenario_qa": "a social question-answer sample (scenario, question, answer) extracted from one post",
}


def judge_messages(kind: str, source: str, record: str) -> list[Message]:
    metrics = "\n".join(f"- {m}: {RUBRIC[m]}" for m in JUDGE_METRICS[kind])
    return [
        {
            "role": "system",
            "content": f"You are a strict, fair reviewer of {WHAT[kind]}. Score each metric as an "
            f"integer from 1 to 10 (10 = best); reserve high scores for truly strong "
            f"samples:\n{metrics}",
        },
        {"role": "user", "content": f"Original posts:\n{source}\n\nGenerated content:\n{record}"},
    ]
