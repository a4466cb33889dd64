"""`train.assistant_only_loss`: the loss covers the assistant reply only, or the prompt too; and a run that
ends inside its warmup (learning rate 0 throughout) is called out."""

from __future__ import annotations

import pytest

from humanllm.config import load_config
from humanllm.model.stage import resolve_base_model
from humanllm.pipeline.context import RunContext
from humanllm.pipeline.flow import FlowState, run_task_stage
from humanllm.store import BuildContext
from humanllm.train.sft import make_trainer


@pytest.fixture(scope="module")
def flow(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("mask")
    cfg = load_config(
        [
            "experiment=tiny",
            f"paths.artifacts={tmp / 'a'}",
            f"paths.results={tmp / 'r'}",
            "progress=false",
            "tracker=none",
        ]
    )
    ctx = RunContext.from_config(cfg)
    state = run_task_stage(ctx, FlowState())
    return tmp, ctx, state, resolve_base_model(ctx, cfg.model)


@pytest.mark.parametrize("assistant_only", [True, False])
def test_prompt_tokens_are_masked_only_when_asked(flow, assistant_only):
    tmp, ctx, state, base = flow
    ctx.cfg = ctx.cfg.model_copy(
        update={"train": ctx.cfg.train.model_copy(update={"assistant_only_loss": assistant_only})}
    )
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


@pytest.mark.parametrize("samples, warned", [(8, True), (32, False)])
def test_a_run_that_ends_inside_its_warmup_is_called_out(flow, caplog, samples, warned):
    tmp, ctx, state, base = flow
    train = ctx.cfg.train.model_copy(
        update={
            "max_train_samples": samples,
            "per_device_batch_size": 8,
            "gradient_accumulation_steps": 1,
            "epochs": 1,
            "max_steps": -1,
            "warmup_ratio": 0.05,
        }
    )
    ctx.cfg = ctx.cfg.model_copy(update={"train": train})
    bctx = BuildContext(path=tmp / f"warmup-{samples}")
    bctx.path.mkdir()
    with caplog.at_level("WARNING", logger="humanllm.train.sft"):
        trainer = make_trainer(ctx, base, state.tasks, bctx)
    steps = bctx.counts["optimizer_steps"]
    assert steps == len(trainer.get_train_dataloader()) and bctx.counts["warmup_steps"] == 1
    assert ("inside the 1 warmup step" in caplog.text) is warned, (steps, caplog.text)


def test_optimizer_steps_count_the_global_batch():
    from types import SimpleNamespace

    from humanllm.train.sft import optimizer_steps

    args = SimpleNamespace(
        max_steps=-1, train_batch_size=8, world_size=1, gradient_accumulation_steps=1, num_train_epochs=1
    )
    assert optimizer_steps(97, args) == 13
    assert optimizer_steps(97, SimpleNamespace(**{**vars(args), "world_size": 2})) == 7  # two processes
    assert optimizer_steps(97, SimpleNamespace(**{**vars(args), "gradient_accumulation_steps": 4})) == 4
    assert optimizer_steps(97, SimpleNamespace(**{**vars(args), "max_steps": 5})) == 5
