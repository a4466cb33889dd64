"""Item selection (Amazon): from a shopper's past items (and/or persona), pick the next item among candidates.

Per user and category (the official code builds each category on its own): the target is one of the
user's last first-time purchases; the history is up to `max_history` items bought before it in the
same category; the negatives are `candidates - 1` items of the target's category that the user never
reviewed (in any category), with titles distinct from each other and from the target's; the true
item sits at a seeded random position.

Formats:
  paper    the official prompt shape: a persona, the history or both (mix 50/15/35 %), a shopping
           scenario naming the category, "Candidate i: title" lines; no system message
  compact  our short prompt for CPU demos (history + numbered candidates, a system message)
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterator
from typing import Literal

from pydantic import Field, model_validator

from humanllm.data.records import Item, Post, UserRecord
from humanllm.schema import StrictModel, at
from humanllm.task.base import Skipped, TaskExample, TaskFamily, TaskInputs
from humanllm.task.paper import cap_per_group
from humanllm.task.registry import register

SYSTEM = "You predict which product a specific shopper buys next, from their purchase history."
Context = Literal["history", "persona", "persona_history"]

PAPER_PROMPT = """You will get a description of a shopper, a list of the items they bought before, or both.
First work out what they like, what they care about and how they usually shop.
Then pick the item they would most likely buy next in the situation below; the pick should fit their past purchases and their personality.
{persona}{history}
The situation:
{scenario}

Give your pick. Reply with the item's name only, without explanations."""

SCENARIOS = (
    "You are shopping on Amazon and the site suggests some items in the {domain} category for you. "
    "Choose the one you like most.\n\nThe suggested items:\n{candidates}",
    "While you browse Amazon, it recommends a few {domain} products.\n\nLook at them and pick your "
    "favourite.\n\nThe recommendations:\n{candidates}",
    "Amazon has picked out some {domain} items that match your taste.\n\nSelect the one that appeals to "
    "you most.\n\nThe options:\n{candidates}",
    "Browsing Amazon, you come across personalised suggestions in {domain}.\n\nGo through them and choose "
    "the one you would buy.\n\nThe candidate items:\n{candidates}",
)


class Params(StrictModel):
    format: Literal["paper", "compact"] = "paper"
    candidates: int = Field(20, ge=2)  # the true item + candidates - 1 negatives
    max_history: int = Field(30, ge=1)  # most recent items shown before the target
    min_history: int = Field(7, ge=1)  # items before a target (official: users with >= 8 reviews per category)
    per_user_max: int = Field(1, ge=1)  # targets per user and category: their last N purchases (official: 1)
    context_mix: dict[Context, float] = Field(
        default_factory=lambda: {"history": 0.5, "persona": 0.15, "persona_history": 0.35}
    )  # paper format only
    cap_per_category: int | None = Field(15000, gt=0)  # official per-category cap (before the split)

    @model_validator(mode="after")
    def _mix(self) -> Params:
        if not self.context_mix or sum(self.context_mix.values()) <= 0 or min(self.context_mix.values()) < 0:
            raise at("context_mix", "give non-negative shares that sum to more than 0")
        return self


def _first_purchases(user: UserRecord, catalog: dict[str, Item]) -> dict[str, list[Post]]:
    """The user's first review of each catalog item, by item category, in time order."""
    seen: set[str] = set()
    out: dict[str, list[Post]] = defaultdict(list)
    for r in user.posts:
        asin = r.meta.get("parent_asin")
        if r.kind == "review" and asin in catalog and asin not in seen:
            seen.add(asin)
            out[catalog[asin].category or "unknown"].append(r)
    return out


def _draw_order(size: int, want: int, rng: random.Random) -> Iterator[int]:
    """Random distinct indices into a pool: a small sample first (cheap on a large catalogue), then the
    rest in random order if collisions used it up."""
    first = rng.sample(range(size), min(size, 2 * want + 8))
    yield from first
    if len(first) < size:
        chosen = set(first)
        rest = [i for i in range(size) if i not in chosen]
        yield from rng.sample(rest, len(rest))


def draw_candidates(
    truth: Item, pool: list[Item], touched: set[str], n: int, rng: random.Random
) -> tuple[list[Item], int] | None:
    """`n - 1` negatives from `pool` (the truth's category) that are not in `touched` and whose titles
    differ from the truth's and each other's, with the truth inserted at a random position;
    (candidates, true index) or None when the pool is too small."""
    taken = {truth.title.strip().casefold()}
    negatives: list[Item] = []
    for i in _draw_order(len(pool), n - 1, rng):
        item = pool[i]
        key = item.title.strip().casefold()
        if item.item_id not in touched and key not in taken:
            taken.add(key)
            negatives.append(item)
            if len(negatives) == n - 1:
                break
    if len(negatives) < n - 1:
        return None
    index = rng.randint(0, len(negatives))
    return negatives[:index] + [truth] + negatives[index:], index


def _context(inputs: TaskInputs, user_id: str, personas: list[str], p: Params, rng: random.Random) -> Context | None:
    """Which of persona / history the paper prompt shows; None: curation kept no persona for the user."""
    if inputs.persona_required(user_id):
        return None
    if not personas:
        return "history"  # no curation for this user, so no persona: history only (documented fallback)
    names, weights = zip(*sorted(p.context_mix.items()))
    return rng.choices(names, weights)[0]


@register
class ItemSelection(TaskFamily):
    name = "item_selection"
    description = "past item titles (and/or persona) + candidates from the same category → the chosen item's title"
    Params = Params
    metrics = ("hit_rate",)
    rubric = None  # a pick among candidates, scored by hit rate: not judged

    def examples(self, inputs: TaskInputs, params: Params, rng: random.Random) -> Iterator[TaskExample | Skipped]:
        made: list[TaskExample] = []
        by_category: dict[str, list[Item]] = defaultdict(list)
        for item_id in sorted(inputs.corpus.items):
            item = inputs.corpus.items[item_id]
            by_category[item.category or "unknown"].append(item)
        for user in inputs.corpus.users_of("amazon"):
            for item in self._user_examples(user, inputs, by_category, params, rng):
                if isinstance(item, Skipped):
                    yield item
                else:
                    made.append(item)
        kept, capped = cap_per_group(made, lambda e: e.meta["category"], params.cap_per_category, rng)
        yield from kept
        yield from (self.skip(e.example_id.split(":", 1)[1], e.user_id, "cap_per_category") for e in capped)

    def _user_examples(
        self, user: UserRecord, inputs: TaskInputs, by_category: dict[str, list[Item]], p: Params, rng: random.Random
    ) -> Iterator[TaskExample | Skipped]:
        catalog = inputs.corpus.items
        touched = {str(r.meta["parent_asin"]) for r in user.posts if r.meta.get("parent_asin")}
        personas = inputs.personas(user.user_id)
        for category, reviews in sorted(_first_purchases(user, catalog).items()):
            for idx in range(p.min_history, len(reviews))[-p.per_user_max :]:
                key = reviews[idx].post_id
                truth = catalog[reviews[idx].meta["parent_asin"]]
                drawn = draw_candidates(truth, by_category[category], touched, p.candidates, rng)
                if drawn is None:
                    yield self.skip(key, user.user_id, "category_too_small")
                    continue
                cands, true_index = drawn
                history = [catalog[r.meta["parent_asin"]].title for r in reviews[max(0, idx - p.max_history) : idx]]
                context: Context | None = "history"
                if p.format == "paper":
                    context = _context(inputs, user.user_id, personas, p, rng)
                    if context is None:
                        yield self.skip(key, user.user_id, "no_persona")
                        continue
                    persona = rng.choice(personas) if context != "history" else None
                    ask, system = self._paper_prompt(history, cands, category, persona, context, rng), None
                else:
                    ask, system = self._compact_prompt(history, cands), SYSTEM
                yield self.chat(
                    key,
                    user.user_id,
                    system,
                    ask,
                    truth.title,
                    answer_title=truth.title,
                    candidate_titles=[c.title for c in cands],
                    candidate_ids=[c.item_id for c in cands],
                    true_index=true_index,
                    category=category,
                    context=context,
                    history_titles=history,
                    format=p.format,
                    platform="amazon",
                    source_posts=[reviews[idx].post_id],
                )

    @staticmethod
    def _paper_prompt(
        history: list[str], cands: list[Item], category: str, persona: str | None, context: Context, rng: random.Random
    ) -> str:
        listing = "".join(f"Candidate {i + 1}: {c.title}\n" for i, c in enumerate(cands))
        scenario = rng.choice(SCENARIOS).format(domain=category.replace("_", " "), candidates=listing)
        who = f"\nThe shopper's description:\n{persona}\n" if persona else ""
        past = "".join(f"History {i + 1}: {t}\n" for i, t in enumerate(history))
        bought = f"\nItems the shopper bought before:\n{past}" if context != "persona" else ""
        return PAPER_PROMPT.format(persona=who, history=bought, scenario=scenario)

    @staticmethod
    def _compact_prompt(history: list[str], cands: list[Item]) -> str:
        return (
            "Items this shopper bought, oldest first:\n"
            + "\n".join(f"- {t}" for t in history)
            + "\n\nCandidates:\n"
            + "\n".join(f"{i + 1}. {c.title}" for i, c in enumerate(cands))
            + "\n\nWhich candidate do they buy next? Answer with its exact title only."
        )
