"""The LLM clean/tag pass: per post, tag (usable, unsafe, social event), maybe rewrite, then apply the rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from humanllm.data.records import Post
from humanllm.funnel import CurationFunnel
from humanllm.llm.types import LLMRequest, LLMResult
from humanllm.synthesis import paper_prompts
from humanllm.synthesis.config import CleanConfig, SynthesisConfig
from humanllm.synthesis.paper_schemas import PaperClean
from humanllm.synthesis.prompts import clean_messages
from humanllm.synthesis.records import CleanedPost, RejectedRecord, raw_snippet
from humanllm.synthesis.schemas import PostRewrite, PostTags

if TYPE_CHECKING:
    from humanllm.llm.base import LLMBackend

Tags = PostTags | PostRewrite | PaperClean

TAG_MAX_TOKENS = 64


@dataclass
class CleanOutcome:
    kept: dict[str, list[CleanedPost]] = field(default_factory=dict)  # user_id → posts, time order
    rejected: list[RejectedRecord] = field(default_factory=list)


def _cleaned(user_id: str, post: Post, tags: Tags | None) -> CleanedPost:
    rewritten = isinstance(tags, (PostRewrite, PaperClean))
    return CleanedPost(
        post_id=post.post_id,
        user_id=user_id,
        platform=post.platform,
        kind=post.kind,
        text=tags.text if rewritten else post.text,
        title=post.title,
        rewritten=rewritten,
        usable=getattr(tags, "usable", None),
        unsafe=tags.unsafe if tags else None,
        social_event=tags.social_event if tags else None,
    )


def rule_reason(tags: Tags, cfg: CleanConfig) -> str | None:
    """Why the clean rules drop a tagged post, or None to keep it (the paper's tags have no `usable`)."""
    if cfg.reject_unsafe and tags.unsafe:
        return "clean_unsafe"
    if cfg.reject_unusable and not getattr(tags, "usable", True):
        return "clean_unusable"
    if cfg.require_social_event and not tags.social_event:
        return "clean_no_social_event"
    return None


def clean_requests(posts: dict[str, list[Post]], cfg: SynthesisConfig, default_max_tokens: int) -> list[LLMRequest]:
    c, chars = cfg.clean, cfg.posts.max_chars
    schema = PaperClean if c.prompt == "paper" else PostRewrite if c.rewrite else PostTags
    max_tokens = c.max_tokens or (default_max_tokens if c.rewrite else TAG_MAX_TOKENS)

    def messages(text: str) -> list:
        return (
            paper_prompts.clean_messages(text, chars) if c.prompt == "paper" else clean_messages(text, c.rewrite, chars)
        )

    return [
        LLMRequest(
            f"clean:{p.post_id}", messages(p.text), schema=schema, max_tokens=max_tokens, metadata={"user_id": uid}
        )
        for uid, user_posts in posts.items()
        for p in user_posts
    ]


def apply_clean(posts: dict[str, list[Post]], results: dict[str, LLMResult], cfg: CleanConfig) -> CleanOutcome:
    out = CleanOutcome()
    for uid, user_posts in posts.items():
        kept = out.kept.setdefault(uid, [])
        for p in user_posts:
            res = results[f"clean:{p.post_id}"]
            if not res.ok:
                if cfg.on_failure == "keep":
                    kept.append(_cleaned(uid, p, None))
                else:
                    out.rejected.append(
                        RejectedRecord(
                            record_id=p.post_id,
                            kind="post",
                            user_id=uid,
                            stage="clean",
                            reason=f"clean_failed:{res.reason}",
                            detail=res.error,
                            raw=raw_snippet(res.raw),
                        )
                    )
                continue
            tags = res.value
            assert isinstance(tags, (PostTags, PostRewrite, PaperClean))
            reason = rule_reason(tags, cfg)
            if reason is None:
                kept.append(_cleaned(uid, p, tags))
            else:
                out.rejected.append(
                    RejectedRecord(
                        record_id=p.post_id,
                        kind="post",
                        user_id=uid,
                        stage="clean",
                        reason=reason,
                        content=tags.model_dump(),
                    )
                )
    return out


def run_clean(
    backend: LLMBackend, posts: dict[str, list[Post]], cfg: SynthesisConfig, funnel: CurationFunnel, progress: bool
) -> CleanOutcome:
    """Clean every selected post (or pass them through untagged when clean.enabled is false)."""
    if not cfg.clean.enabled:
        return CleanOutcome(kept={uid: [_cleaned(uid, p, None) for p in ps] for uid, ps in posts.items()})
    requests = clean_requests(posts, cfg, backend.cfg.max_tokens)
    results = {r.request_id: r for r in backend.run(requests, progress=progress, stage="clean")}
    out = apply_clean(posts, results, cfg.clean)
    funnel.add("clean", "post", len(requests), sum(map(len, out.kept.values())), [r.reason for r in out.rejected])
    return out
