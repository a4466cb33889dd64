"""The model under evaluation, loaded once: chat generation for in-domain tasks and an lm-eval LM.

`hf` (default) loads a transformers model; `vllm` (GPU users, needs the `vllm` package) builds lm-eval's
vLLM backend and generates through the same vLLM engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from humanllm.eval.generate import Truncation, generate_replies
from humanllm.model.registry import load_model, load_tokenizer, pick_device


@dataclass(frozen=True)
class LoadedModel:
    """A model already in memory (e.g. an in-memory merge at ratio α), evaluated as is, never reloaded."""

    name: str
    model: Any
    tokenizer: Any

    def __str__(self) -> str:
        return self.name


class HFEvalModel:
    def __init__(self, location: str | LoadedModel, ctx: Any):
        cfg = ctx.cfg
        self.ctx = ctx
        self.device = pick_device(cfg.eval.device)
        self.generation_cuts, self.loglikelihood_cuts = Truncation(), Truncation()
        if isinstance(location, LoadedModel):
            self.tok, self.model = location.tokenizer, location.model.to(self.device).eval()
            return
        self.tok = load_tokenizer(location, cfg.model)
        self.model = load_model(
            location, cfg.model, device=self.device, dtype="float32" if self.device == "cpu" else None
        )

    def generate(
        self,
        prompts: list[list[dict[str, str]]],
        *,
        max_new_tokens: int,
        temperature: float,
        batch_size: int,
        desc: str,
    ) -> list[str]:
        cfg = self.ctx.cfg
        return generate_replies(
            self.model,
            self.tok,
            prompts,
            max_new_tokens=max_new_tokens,
            temperature=temperature,
            batch_size=batch_size,
            seed=cfg.seed,
            template_kwargs=cfg.model.chat_template_kwargs,
            progress=cfg.progress,
            desc=desc,
            max_length=cfg.model.max_length,
            truncation=self.generation_cuts,
        )

    def truncation_notes(self) -> list[str]:
        """What was cut to fit `model.max_length` (in-domain generation, log-likelihood requests)."""
        window = f"model.max_length={self.ctx.cfg.model.max_length}"
        notes = [
            self.generation_cuts.note("generation", f"{window} minus the new tokens"),
            self.loglikelihood_cuts.note("log-likelihood", window),
        ]
        return [n for n in notes if n]

    @cached_property
    def lm(self) -> Any:
        from humanllm.eval.shared_prefix import SharedPrefixHFLM

        cfg = self.ctx.cfg
        lm = SharedPrefixHFLM(
            pretrained=self.model,
            tokenizer=self.tok,
            batch_size=cfg.eval.batch_size,
            device=self.device,
            max_length=cfg.model.max_length,
        )
        lm.window_cuts = self.loglikelihood_cuts
        return lm


class VLLMEvalModel:
    def __init__(self, location: str, ctx: Any):
        try:
            from lm_eval.models.vllm_causallms import VLLM
        except ImportError as e:  # pragma: no cover - depends on the optional vllm install
            raise ImportError("eval.backend=vllm needs the vllm package (pip install vllm) and a GPU") from e
        cfg = ctx.cfg
        self.ctx = ctx
        self.lm = VLLM(
            pretrained=location,
            dtype=cfg.model.dtype,
            batch_size=cfg.eval.batch_size,
            max_length=cfg.model.max_length,
            trust_remote_code=cfg.model.trust_remote_code,
            seed=cfg.seed,
        )

    def generate(
        self,
        prompts: list[list[dict[str, str]]],
        *,
        max_new_tokens: int,
        temperature: float,
        batch_size: int,
        desc: str,
    ) -> list[str]:
        from vllm import SamplingParams

        params = SamplingParams(max_tokens=max_new_tokens, temperature=temperature, seed=self.ctx.cfg.seed)
        outputs = self.lm.model.chat(
            prompts,
            params,
            use_tqdm=self.ctx.cfg.progress,
            chat_template_kwargs=self.ctx.cfg.model.chat_template_kwargs or None,
        )
        return [o.outputs[0].text.strip() for o in outputs]

    def truncation_notes(self) -> list[str]:
        return []  # not counted: vLLM refuses a prompt longer than its window; lm-eval's VLLM cuts log-likelihood inputs itself


def load_eval_model(location: str | LoadedModel, ctx: Any) -> HFEvalModel | VLLMEvalModel:
    """A folder goes to the configured backend; an in-memory model is scored with the hf backend."""
    if isinstance(location, LoadedModel) or ctx.cfg.eval.backend != "vllm":
        return HFEvalModel(location, ctx)
    return VLLMEvalModel(location, ctx)
