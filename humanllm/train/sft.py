"""The train stage: SFT of the base model on a weighted mixture of task datasets, with trl.

Features: LoRA (peft) or full fine-tuning; loss on the assistant reply only (prompt/completion
records, `train.assistant_only_loss`) or on the whole conversation; samples over `train.max_length` tokens dropped and counted; seeded; W&B logging through
trl's own callback. The artifact folder is a plain HF model (LoRA merged in) plus `adapter/`.
Raises ValueError when the mixture yields no training examples.
"""

from __future__ import annotations

import json
import logging
import math
import random
import shutil
from contextlib import nullcontext
from pathlib import Path
from typing import Any

from humanllm.model.registry import ModelRef, load_model, load_tokenizer, pick_device
from humanllm.store import Artifact, BuildContext
from humanllm.task.base import TaskExample
from humanllm.task.stage import load_examples
from humanllm.tracker import RunHandle
from humanllm.train.fault_injection import fault_injection_callbacks

log = logging.getLogger(__name__)


def mix_examples(
    task_examples: dict[str, list[TaskExample]], weights: dict[str, float], seed: int, cap: int | None = None
) -> list[TaskExample]:
    """Weight w takes round(w·n) of a task's n examples: whole repeats plus a seeded partial sample."""
    rng = random.Random(seed)
    wanted = {name: round(weights[name] * len(ex)) for name, ex in task_examples.items()}
    total = sum(wanted.values())
    if cap is not None and total > cap:
        wanted = {name: round(n * cap / total) for name, n in wanted.items()}
    mixed: list[TaskExample] = []
    for name, examples in sorted(task_examples.items()):
        n = wanted[name]
        if not examples or n == 0:
            continue
        repeats, rest = divmod(n, len(examples))
        mixed.extend(examples * repeats)
        mixed.extend(rng.sample(examples, rest))
    rng.shuffle(mixed)
    return mixed


def to_prompt_completion(examples: list[TaskExample], template_kwargs: dict[str, Any]) -> list[dict[str, Any]]:
    rows = [{"prompt": e.prompt, "completion": [e.messages[-1]]} for e in examples]
    if template_kwargs:
        for r in rows:
            r["chat_template_kwargs"] = template_kwargs
    return rows


def _token_length(tok: Any, row: dict[str, Any]) -> int:
    kwargs = row.get("chat_template_kwargs", {})
    ids = tok.apply_chat_template(row["prompt"] + row["completion"], tokenize=True, return_dict=True, **kwargs)
    return len(ids["input_ids"])


def cpu_bf16_is_emulated() -> bool:
    """True on a Linux CPU whose flags lack AVX512-BF16 and AMX-BF16 (bf16 matmuls then run emulated)."""
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False  # not Linux: unknown, say nothing
    return "avx512_bf16" not in flags and "amx_bf16" not in flags


def make_trainer(ctx: Any, base: ModelRef, tasks: dict[str, Artifact], bctx: BuildContext) -> Any:
    """The trl SFTTrainer for the mixture of `tasks` (examples over max_length dropped and counted)."""
    import torch
    from datasets import Dataset
    from peft import LoraConfig
    from trl import SFTConfig, SFTTrainer

    cfg, tcfg = ctx.cfg, ctx.cfg.train
    weights = {name: spec.weight for name, spec in cfg.mixture.tasks.items()}
    examples = {name: load_examples(art, "train") for name, art in tasks.items()}
    mixed = mix_examples(examples, weights, tcfg.seed, tcfg.max_train_samples)
    if not mixed:
        raise ValueError(
            f"mixture {cfg.mixture.name}: no training examples (task counts: "
            f"{ {n: len(e) for n, e in examples.items()} })"
        )
    tok = load_tokenizer(base.location, cfg.model)
    rows = to_prompt_completion(mixed, cfg.model.chat_template_kwargs)
    kept = [r for r in rows if _token_length(tok, r) <= tcfg.max_length]
    bctx.counts.update(
        {"mixed_examples": len(rows), "dropped_too_long": len(rows) - len(kept), "train_examples": len(kept)}
    )
    bctx.counts.update({f"examples_{n}": sum(e.task == n for e in mixed) for n in examples})
    if not kept:
        raise ValueError(f"train.max_length={tcfg.max_length}: every training example is longer; raise it")

    device = pick_device("auto")
    if device == "cpu" and tcfg.bf16 and cpu_bf16_is_emulated():
        log.warning(
            "train.bf16=true on a CPU without native bf16 (no avx512_bf16/amx_bf16 in /proc/cpuinfo): "
            "bf16 matmuls are emulated here, tens of times slower than float32; set train.bf16=false"
        )
    torch.manual_seed(tcfg.seed)
    model = load_model(base.location, cfg.model, device=device, dtype="float32" if device == "cpu" else None)
    peft_config = None
    if tcfg.method == "lora":
        peft_config = LoraConfig(
            r=tcfg.lora.r,
            lora_alpha=tcfg.lora.alpha,
            lora_dropout=tcfg.lora.dropout,
            target_modules=tcfg.lora.target_modules,
            task_type="CAUSAL_LM",
        )
    args = SFTConfig(
        output_dir=str(bctx.path / "_trainer"),
        num_train_epochs=tcfg.epochs,
        max_steps=tcfg.max_steps,
        per_device_train_batch_size=tcfg.per_device_batch_size,
        gradient_accumulation_steps=tcfg.gradient_accumulation_steps,
        learning_rate=tcfg.learning_rate,
        lr_scheduler_type=tcfg.lr_scheduler,
        warmup_steps=tcfg.warmup_ratio,
        weight_decay=tcfg.weight_decay,
        max_length=None,
        bf16=tcfg.bf16,
        activation_checkpointing=tcfg.gradient_checkpointing,
        logging_steps=tcfg.logging_steps,
        save_strategy="no",
        report_to=["wandb"] if cfg.tracker.kind == "wandb" else "none",
        run_name=f"sft-{cfg.model.name}-{cfg.mixture.name}",
        use_cpu=device == "cpu",
        seed=tcfg.seed,
        data_seed=tcfg.seed,
        dataloader_num_workers=0,
        disable_tqdm=not cfg.progress,
        completion_only_loss=tcfg.assistant_only_loss,
    )
    steps = optimizer_steps(len(kept), args)
    warmup = args.get_warmup_steps(steps)
    bctx.counts.update({"optimizer_steps": steps, "warmup_steps": warmup})
    if steps <= warmup:
        log.warning(
            "train: %d optimizer step(s), all inside the %d warmup step(s) (train.warmup_ratio=%s): the "
            "learning rate stays at 0 and the weights do not move; train on more examples or lower "
            "train.warmup_ratio",
            steps,
            warmup,
            tcfg.warmup_ratio,
        )
    return SFTTrainer(
        model=model,
        args=args,
        train_dataset=Dataset.from_list(kept),
        processing_class=tok,
        peft_config=peft_config,
        callbacks=fault_injection_callbacks(),
    )


def optimizer_steps(n_examples: int, args: Any) -> int:
    """How many optimizer steps the trainer will take (`max_steps` when set); every process of a
    distributed run takes one batch per step, so the global batch is the per-process one × world size."""
    if args.max_steps > 0:
        return args.max_steps
    batches = math.ceil(n_examples / (args.train_batch_size * args.world_size))
    return math.ceil(max(1, math.ceil(batches / args.gradient_accumulation_steps)) * args.num_train_epochs)


def train_sft(ctx: Any, base: ModelRef, tasks: dict[str, Artifact], bctx: BuildContext) -> None:
    """Fine-tune `base` on the mixture of `tasks` and save the result into `bctx.path`."""
    import torch

    cfg, tcfg = ctx.cfg, ctx.cfg.train
    trainer = make_trainer(ctx, base, tasks, bctx)
    kept = trainer.train_dataset
    device = "cpu" if trainer.args.use_cpu else pick_device("auto")
    tok = trainer.processing_class
    tracked = trainer.is_world_process_zero()  # one W&B run per training, however many ranks
    tracker_run = (
        ctx.tracker.run(f"train-{cfg.experiment_name}", "train", cfg.model_dump(mode="json"))
        if tracked
        else nullcontext(RunHandle(None))
    )
    with tracker_run as run:
        with bctx.timed("train"):
            result = trainer.train()
        run.summary({"train_loss": result.training_loss, "train_examples": len(kept)})
    history = [h for h in trainer.state.log_history if "loss" in h]
    (bctx.path / "training_log.json").write_text(json.dumps(trainer.state.log_history, indent=1))
    bctx.counts.update(
        {
            "device": device,
            "processes": trainer.args.world_size,
            "train_samples_per_s": result.metrics.get("train_samples_per_second"),
            "train_tokens": int(trainer.state.num_input_tokens_seen or 0) or None,
        }
    )
    if device.startswith("cuda"):
        bctx.counts["cuda_max_memory_gb"] = round(torch.cuda.max_memory_allocated() / 2**30, 2)
    bctx.counts.update(
        {
            "steps": trainer.state.global_step,
            "train_loss": round(result.training_loss, 4),
            "first_logged_loss": history[0]["loss"] if history else None,
            "last_logged_loss": history[-1]["loss"] if history else None,
        }
    )
    if trainer.args.world_size > 1 and tcfg.method == "full":  # FSDP / ZeRO-3 shards: gathered, rank 0 writes
        trainer.save_model(str(bctx.path))
        tok.save_pretrained(bctx.path)
        shutil.rmtree(bctx.path / "_trainer", ignore_errors=True)
        return
    final = trainer.model
    if tcfg.method == "lora":
        final.save_pretrained(bctx.path / "adapter")
        final = final.merge_and_unload()
    final = final.to("cpu")
    final.save_pretrained(bctx.path)
    tok.save_pretrained(bctx.path)
    shutil.rmtree(bctx.path / "_trainer", ignore_errors=True)
