"""`train.assistant_only_loss`: the loss covers the assistant reply only, or the prompt too."""

from __future__ import annotations

import pytest

from humanllm.config import load_config
from humanllm.pipeline.context import RunContext
from humanllm.pipeline.flow import FlowState, run_task_stage
from humanllm.models.registry import resolve_base_model
from humanllm.store import BuildContext
from humanllm.train.sft import make_trainer


@pytest.fixture(scope="module")
def flow(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("mask")
    cfg = load_config(["experiment=tiny", f"paths.artifacts={tmp / 'a'}", f"paths.results={tmp / 'r'}",
                       "progress=false", "tracker=none"])
    ctx = RunContext.from_config(cfg)
    state = run_task_stage(ctx, FlowState())
    return tmp, ctx, state, resolve_base_model(ctx, cfg.model)


@pytest.mark.parametrize("assistant_only", [True, False])
def test_prompt_tokens_are_masked_only_when_asked(flow, assistant_only):
    tmp, ctx, state, base = flow
    ctx.cfg = ctx.cfg.model_copy(update={"train": ctx.cfg.train.model_copy(update={"assistant_only_loss": assistant_only})})
    bctx = BuildContext(path=tmp / f"trainer-{assistant_only}")
    bctx.path.mkdir()
    trainer = make_trainer(ctx, base, state.tasks, bctx)
    batch = trainer.data_collator([trainer.train_dataset[i] for i in range(4)])
    labels, attention = batch["labels"], batch["attention_mask"]
    trained = (labels != -100) & (attention == 1)
    assert trained.any(dim=1).all()  # every example trains on its reply
    masked_prompt = ((labels == -100) & (attention == 1)).sum().item()
    if assistant_only:
        assert masked_prompt > 0.3 * attention.sum().item()  # the prompt is most of each example here
    else:
        assert masked_prompt == 0
