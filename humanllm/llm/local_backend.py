"""Backend for a local HF model folder: batched transformers generation (chat template, left padding).

Structured output is prompt-only here (the schema goes into the system prompt); replies are parsed,
validated and repaired by the shared logic in `base`. With temperature > 0 a batch is seeded by its
first call's seed, so sampled replies depend on batch composition; greedy replies (temperature 0) do not.
"""

from __future__ import annotations

import logging
from itertools import groupby
from pathlib import Path
from typing import Any

from humanllm.llm.accounting import StageStats
from humanllm.llm.base import LLMBackend, OnReply
from humanllm.llm.cache import ResponseCache
from humanllm.llm.config import LLMConfig
from humanllm.llm.types import Call, Completion
from humanllm.schema import ConfigError

log = logging.getLogger(__name__)


class LocalBackend(LLMBackend):
    """transformers `generate` on `model_path` (or `cfg.model_path`), loaded on first use."""

    kind = "local"

    def __init__(self, cfg: LLMConfig, cache: ResponseCache | None, model_path: str | Path | None = None):
        super().__init__(cfg, cache)
        path = model_path or cfg.model_path
        if not path:
            raise ConfigError("llm.model_path: backend=local needs a local HF model folder (none given)")
        if not (Path(path) / "config.json").is_file():
            raise ConfigError(f"llm.model_path: {path} is not a HF model folder (no config.json)")
        self.model_path = str(Path(path).resolve())
        self._model: Any = None
        self._tokenizer: Any = None

    @property
    def model_id(self) -> str:
        return self.model_path

    @property
    def endpoint(self) -> str:
        return self.model_path

    @property
    def output_mode(self) -> str:
        return "prompt"

    def _load(self) -> None:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        tok = AutoTokenizer.from_pretrained(self.model_path)
        tok.padding_side = "left"
        if tok.pad_token is None:
            tok.pad_token = tok.eos_token
        if not tok.chat_template:
            raise ConfigError(f"llm.model_path: the tokenizer in {self.model_path} has no chat template")
        device = self.cfg.device
        if device == "auto":
            device = "cuda" if torch.cuda.is_available() else "cpu"
        model = AutoModelForCausalLM.from_pretrained(self.model_path, dtype=getattr(torch, self.cfg.dtype))
        self._model, self._tokenizer = model.to(device).eval(), tok
        log.info("local LLM %s loaded on %s", self.model_path, device)

    def _generate(self, calls: list[tuple[str, Call]], on_reply: OnReply, stats: StageStats) -> None:
        if self._model is None:
            self._load()

        def settings(item: tuple[str, Call]) -> tuple:
            return item[1].max_tokens, item[1].temperature

        ordered = sorted(calls, key=lambda kc: (settings(kc), sum(len(c) for _, c in kc[1].messages)))
        for _, group in groupby(ordered, key=settings):
            items = list(group)
            for i in range(0, len(items), self.cfg.batch_size):
                batch = items[i : i + self.cfg.batch_size]
                for (key, _), reply in zip(batch, self._generate_batch([c for _, c in batch])):
                    on_reply(key, reply)

    def _generate_batch(self, calls: list[Call]) -> list[Completion]:
        import torch

        tok, model = self._tokenizer, self._model
        texts = [tok.apply_chat_template(c.message_dicts(), tokenize=False, add_generation_prompt=True) for c in calls]
        enc = tok(texts, return_tensors="pt", padding=True, add_special_tokens=False).to(model.device)
        first = calls[0]
        kwargs: dict[str, Any] = {"max_new_tokens": first.max_tokens, "pad_token_id": tok.pad_token_id}
        if first.temperature > 0:
            torch.manual_seed(first.seed or 0)
            kwargs.update(do_sample=True, temperature=first.temperature)
        else:
            kwargs.update(do_sample=False, temperature=None, top_p=None, top_k=None)
        with torch.no_grad():
            out = model.generate(**enc, **kwargs)
        new_tokens = out[:, enc["input_ids"].shape[1] :].tolist()
        eos = self._eos_ids()
        replies = []
        for row, mask in zip(new_tokens, enc["attention_mask"]):
            stop = next((j for j, t in enumerate(row) if t in eos), None)
            kept = row if stop is None else row[:stop]
            replies.append(
                Completion(
                    text=tok.decode(kept, skip_special_tokens=True),
                    finish_reason="stop" if stop is not None else "length",
                    prompt_tokens=int(mask.sum()),
                    completion_tokens=len(kept) + (stop is not None),
                )
            )
        return replies

    def _eos_ids(self) -> set[int]:
        ids = self._model.generation_config.eos_token_id
        ids = set(ids if isinstance(ids, list) else [ids] if ids is not None else [])
        return ids | {self._tokenizer.eos_token_id}

    def close(self) -> None:
        self._model = self._tokenizer = None
        super().close()
