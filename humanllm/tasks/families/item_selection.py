"""Item selection (Amazon): from up to 30 past item titles, pick the next item among 20 candidates.

Candidates are the true next item plus 19 catalog items the user never reviewed, shuffled per example.
Scored as a hit when the true title appears (case-insensitive) in the answer, as the authors score it.
"""

from __future__ import annotations

import random
from typing import Iterator

from pydantic import Field

from humanllm.schema import StrictModel
from humanllm.tasks.base import TaskExample, TaskFamily, TaskInputs
from humanllm.tasks.registry import register

SYSTEM = "You predict which product a specific shopper buys next, from their purchase history."


class Params(StrictModel):
    max_history: int = Field(30, ge=1)
    min_history: int = Field(3, ge=1)
    candidates: int = Field(20, ge=2)
    per_user_max: int = Field(3, ge=1)


@register
class ItemSelection(TaskFamily):
    name = "item_selection"
    description = "past item titles + 20 candidates (1 true, 19 unseen) → the chosen item's title"
    Params = Params
    metrics = ("hit_rate",)
    version = 2

    def examples(self, inputs: TaskInputs, params: Params, rng: random.Random) -> Iterator[TaskExample]:
        catalog = inputs.corpus.items
        for user in inputs.corpus.users_of("amazon"):
            reviews, seen = [], set()
            for r in user.posts:  # first purchase of each item: a repeat purchase is not a "next item"
                asin = r.meta.get("parent_asin")
                if r.kind == "review" and asin in catalog and asin not in seen:
                    seen.add(asin)
                    reviews.append(r)
            bought = [r.meta["parent_asin"] for r in reviews]
            unseen = sorted(set(catalog) - set(bought))
            if len(unseen) < params.candidates - 1:
                raise ValueError(
                    f"item_selection: the catalog has {len(unseen)} items {user.user_id} never reviewed; "
                    f"{params.candidates - 1} negatives are needed (lower mixture.tasks.item_selection.params.candidates)"
                )
            for idx in range(params.min_history, len(bought))[-params.per_user_max:]:
                truth = bought[idx]
                history = [catalog[a].title for a in bought[max(0, idx - params.max_history): idx]]
                options = [truth] + rng.sample(unseen, params.candidates - 1)
                rng.shuffle(options)
                titles = [catalog[a].title for a in options]
                ask = (
                    "Items this shopper bought, oldest first:\n" + "\n".join(f"- {t}" for t in history)
                    + "\n\nCandidates:\n" + "\n".join(f"{i + 1}. {t}" for i, t in enumerate(titles))
                    + "\n\nWhich candidate do they buy next? Answer with its exact title only."
                )
                yield self.chat(
                    f"{reviews[idx].post_id}", user.user_id, SYSTEM, ask, catalog[truth].title,
                    answer_title=catalog[truth].title, candidate_titles=titles, source_posts=[reviews[idx].post_id],
                )
