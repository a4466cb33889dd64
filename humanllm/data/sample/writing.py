"""Templated but varied English in a persona's voice: posts, titles, comments, reviews, and the quirks."""

from __future__ import annotations

import random
import re

from humanllm.data.sample.banks import TOPICS, Topic
from humanllm.data.sample.personas import Persona


def _a(noun: str) -> str:
    return f"an {noun}" if noun[0].lower() in "aeiou" else f"a {noun}"


def _body_sentences(p: Persona, t: Topic, r: random.Random) -> list[str]:
    act, place, thing = r.choice(t.activities), r.choice(t.places), r.choice(t.things)
    opinion, plan = r.choice(t.opinions), r.choice(t.plans)
    return [
        r.choice(
            [
                f"As {_a(p.job)} in {p.town}, my free time is precious, so most of it goes to {t.name}.",
                f"After {p.years} years working as {_a(p.job)}, {t.name} is what keeps me sane.",
                f"Quick background: I'm {_a(p.job)} from {p.town} and {t.name} has been my thing for a while now.",
            ]
        ),
        r.choice(
            [
                f"Last weekend I {act} near {place}.",
                f"This week I {act} at {place}.",
                f"On my day off I {act}, starting from {place}.",
            ]
        ),
        r.choice(
            [
                f"I brought {thing} along, which turned out to be the best call of the day.",
                f"The star of the trip was {thing}, as usual.",
                f"Of course {thing} came with me.",
            ]
        ),
        r.choice(
            [
                f"Shifts at {p.workplace} have been long lately, so it felt good to switch off.",
                f"Everyone at {p.workplace} has heard about it by now, sorry colleagues.",
                f"It was a nice change from {p.workplace}, where nothing ever goes to plan.",
            ]
        ),
        r.choice(
            [
                f"{p.family.capitalize()} once called me obsessed, and they were probably right.",
                f"{p.family.capitalize()} came along for part of it and only complained a little.",
                f"I told {p.family} all about it over dinner, in far too much detail.",
            ]
        ),
        r.choice(
            [
                f"My unpopular opinion: {opinion}.",
                f"If I've learned one thing, it's that {opinion}.",
                f"I'll keep saying it: {opinion}.",
            ]
        ),
        r.choice(
            [
                f"When I got home, {p.pet} greeted me with total indifference.",
                f"Meanwhile {p.pet} had the whole house to themselves all day.",
            ]
        ),
        r.choice(
            [f"Next I want to {plan}.", f"The big goal for this year is to {plan}.", f"Someday I'll {plan}, I promise."]
        ),
        r.choice(
            [
                f"Back home in {p.town}, people either get it or think I'm mad.",
                f"Being {_a(p.job)} taught me more about {t.name} than any guide did.",
            ]
        ),
    ]


def compose(
    p: Persona, r: random.Random, topic: str | None = None, min_chars: int = 320, max_chars: int = 900, extra: str = ""
) -> str:
    """A post in the persona's voice about one of their topics, at least `min_chars` long (before quirks)."""
    t = TOPICS[topic or r.choice(p.topics[:2] if r.random() < 0.8 else p.topics)]
    sentences = _body_sentences(p, t, r)
    head, middle, tail = sentences[:2], sentences[2:-1], sentences[-1:]
    r.shuffle(middle)
    chosen = head + middle + tail
    text = ""
    for s in chosen:
        if len(text) >= min_chars and (len(text) + len(s) > max_chars or r.random() < 0.3):
            break
        text = f"{text} {s}".strip()
    if extra:
        text += f" {extra}"
    if r.random() < 0.8:
        text += f" As I always say, {p.catchphrase}."
    return apply_quirk(p, text, r)


def title(p: Persona, r: random.Random, topic: str) -> str:
    t = TOPICS[topic]
    act, opinion = r.choice(t.activities), r.choice(t.opinions)
    return r.choice(
        [
            f"Finally {act}: notes from {_a(p.job)}",
            f"Why I think {opinion}",
            f"Weekend report from {r.choice(t.places)}",
            f"{p.years} years of {t.name} in {p.town}",
            f"I {act} and have thoughts",
            f"{_a(p.job).capitalize()}'s take on {t.name}",
        ]
    )


def comment(p: Persona, r: random.Random, topic: str | None = None) -> str:
    t = TOPICS[topic or p.topics[0]]
    parts = [
        r.choice(
            [
                f"As {_a(p.job)}, I'd say {r.choice(t.opinions)}.",
                f"This reminds me of when I {r.choice(t.activities)}.",
                f"Great write-up. Over here in {p.town} it's much the same.",
                f"Honestly {r.choice(t.opinions)}.",
            ]
        ),
        r.choice(
            [
                f"{p.family.capitalize()} would say the same.",
                f"Not bad for someone who works at {p.workplace} all week.",
                f"Even {p.pet} would approve.",
                f"Back in {p.town} we do it a bit differently though.",
                "",
            ]
        ),
        r.choice(
            [
                f"{p.catchphrase.capitalize()}.",
                f"My advice: try {r.choice(t.places)} next time.",
                f"Glad you enjoyed it, and say hi to everyone from a fellow {t.name} fan.",
            ]
        ),
    ]
    return apply_quirk(p, " ".join(x for x in parts if x), r)


def review(p: Persona, r: random.Random, item_title: str, rating: int, topic: str | None = None) -> str:
    verdict = {
        5: "It is easily the best thing I've bought this year.",
        4: "A solid buy with one or two small niggles.",
        3: "It does the job, but I expected a bit more for the price.",
        2: "Disappointing, and it started to wear out within weeks.",
        1: "It broke almost immediately. Avoid.",
    }
    t = TOPICS[topic or p.topics[0]]
    text = (
        " ".join(
            [
                r.choice(
                    [f"I bought the {item_title} for {t.name}.", f"Picked up the {item_title} before a busy month."]
                ),
                r.choice(
                    [
                        f"As {_a(p.job)} in {p.town}, I don't have time for gear that fails.",
                        f"I used it for a few weeks alongside {r.choice(t.things)}.",
                    ]
                ),
                verdict[rating],
                r.choice([f"{p.family.capitalize()} borrowed it too.", f"Even {p.pet} seemed interested.", ""]),
            ]
        )
        .replace("  ", " ")
        .strip()
    )
    return apply_quirk(p, text, r)


_BRITISH = {
    "color": "colour",
    "favorite": "favourite",
    "realize": "realise",
    "vacation": "holiday",
    "mom": "mum",
    "great": "brilliant",
    "apartment": "flat",
    "trash": "rubbish",
}
_CONTRACTIONS = {
    "I'm": "I am",
    "don't": "do not",
    "it's": "it is",
    "I've": "I have",
    "they're": "they are",
    "I'd": "I would",
    "can't": "cannot",
    "I'll": "I will",
    "didn't": "did not",
}


def apply_quirk(p: Persona, text: str, r: random.Random) -> str:
    """The persona's recognisable writing habit."""
    q = p.quirk
    if q == "signoff":
        return f"{text}\n\n- {p.first}"
    if q == "lowercase":
        return text.lower()
    if q == "ellipsis":
        return re.sub(r"\. ", lambda m: "... " if r.random() < 0.6 else ". ", text)
    if q == "exclaim":
        return "Honestly! " + re.sub(
            r"\.(\s|$)", lambda m: "!" + m.group(1) if r.random() < 0.5 else "." + m.group(1), text
        )
    if q == "british":
        for a, b in _BRITISH.items():
            text = re.sub(rf"\b{a}\b", b, text)
        return text + " Cheers."
    if q == "asides":
        return re.sub(r"\. ", lambda m: r.choice([" (long story). ", " (don't ask). ", ". "]), text, count=2)
    if q == "tldr":
        return f"{text}\n\nTL;DR: {p.catchphrase}."
    if q == "question":
        return f"Anyone else feel the same way about {p.topics[0]}? {text}"
    if q == "smiley":
        return re.sub(r"\.(\s|$)", lambda m: " :)" + m.group(1) if r.random() < 0.4 else "." + m.group(1), text)
    if q == "formal":
        for a, b in _CONTRACTIONS.items():
            text = text.replace(a, b)
        return f"In my experience, {text[0].lower()}{text[1:]}"
    if q == "dashes":
        return text.replace(", ", " -- ")
    if q == "lists":
        parts = [s for s in re.split(r"(?<=\.) ", text) if s]
        if len(parts) >= 4:
            return " ".join(parts[:-3]) + "\n" + "\n".join(f"{i}) {s}" for i, s in enumerate(parts[-3:], 1))
    return text
