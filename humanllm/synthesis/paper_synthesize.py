"""Synthesis mode=paper: plan the official code's records from each user's kept (cleaned) posts.

Per user with at least `paper.min_posts` kept source posts: a persona, a profile paragraph and a story list
from all of them (oldest first), a long scenario from each of the first `long_scenario_posts` posts, and
one scenario QA per variant (`qa_variants`) from each of the first `qa_posts[variant]` posts. Users with fewer kept posts
get the same records planned and rejected as `too_few_posts`, so the funnel shows what they lost.
Writing style (per user) and post summaries (per post, the topic of writing imitation) are written too,
as the official code does for its writing-imitation data; neither is judged there.
"""

from __future__ import annotations

from humanllm.synthesis import paper_prompts
from humanllm.synthesis.config import SynthesisConfig
from humanllm.synthesis.records import CleanedPost
from humanllm.synthesis.synthesize import Plan

USER_PROMPTS = {
    "persona": paper_prompts.persona_messages,
    "profile_paragraph": paper_prompts.profile_messages,
    "stories": paper_prompts.stories_messages,
    "style": paper_prompts.style_messages,
}


def plan_paper_records(posts: dict[str, list[CleanedPost]], cfg: SynthesisConfig) -> Plan:
    plan, pc, chars = Plan(), cfg.paper, cfg.posts.max_chars
    for uid, user_posts in posts.items():
        sources = [p for p in user_posts if p.kind in pc.source_kinds]
        enough = len(sources) >= pc.min_posts and bool(sources)

        # called only within this iteration, so the loop variables it reads are this user's
        def add(record_id: str, kind: str, chosen: list[CleanedPost], messages: list, **extra: object) -> None:
            if enough:  # noqa: B023
                plan.draft(record_id, kind, chosen, messages, pc.max_tokens[kind], **extra)
            else:
                plan.impossible(record_id, kind, uid, reason="too_few_posts" if sources else "no_source_posts")  # noqa: B023

        in_prompt = sources if pc.user_posts_in_prompt is None else sources[-pc.user_posts_in_prompt :]
        for kind, make in USER_PROMPTS.items():
            if kind in pc.kinds:
                add(f"{kind}:{uid}", kind, in_prompt, make([p.text for p in in_prompt], chars))
        if "long_scenario" in pc.kinds:
            for p in sources[: pc.long_scenario_posts]:
                add(
                    f"long_scenario:{p.post_id}",
                    "long_scenario",
                    [p],
                    paper_prompts.long_scenario_messages(p.text, chars),
                )
        if "post_summary" in pc.kinds:
            for p in sources if pc.post_summary_posts is None else sources[: pc.post_summary_posts]:
                add(
                    f"post_summary:{p.post_id}", "post_summary", [p], paper_prompts.post_summary_messages(p.text, chars)
                )
        if "scenario_qa" in pc.kinds:
            for variant in pc.qa_variants:
                for p in sources[: pc.qa_posts[variant]]:
                    add(
                        f"scenario_qa:{variant}:{p.post_id}",
                        "scenario_qa",
                        [p],
                        paper_prompts.scenario_qa_messages(p.text, variant, chars),
                        variant=variant,
                    )
    return plan
