"""Merge-ratio sweeps without a checkpoint per ratio: θ(α) formed in memory from base and fine-tuned weights.

Base and fine-tuned tensors are loaded once per process; each ratio overwrites the parameters of one
loaded model in place. The arithmetic mirrors mergekit's kernels operation for operation, so the
weights equal those `mergekit-yaml` writes at the same α:

- linear:           θ = α·θ_ft + (1 − α)·θ_base   (mergekit: zeros, then addcmul per model, fp32)
- task_arithmetic:  θ = θ_base + α·(θ_ft − θ_base)

TIES, DARE and SLERP stay on the mergekit path (and mergekit exports the chosen model).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

IN_MEMORY_METHODS = ("linear", "task_arithmetic")
IDENTITY_FILES = ("config.json", "tokenizer.json", "tokenizer_config.json", "chat_template.jinja")


def _load_tensors(folder: Path) -> dict[str, Any]:
    from safetensors.torch import load_file

    files = sorted(folder.glob("*.safetensors"))
    if not files:
        raise FileNotFoundError(f"no *.safetensors weights in {folder}")
    tensors: dict[str, Any] = {}
    for f in files:
        tensors.update(load_file(f))
    return tensors


def merged_tensor(method: str, alpha: float, base: Any, tuned: Any) -> Any:
    """One merged tensor, computed exactly as mergekit computes it (float32 accumulation)."""
    import torch

    if method == "linear":
        dtype = torch.float64 if base.dtype == torch.float64 else torch.float32
        out = torch.zeros_like(tuned, dtype=dtype)
        out.addcmul_(tuned, torch.tensor(alpha, dtype=dtype))
        out.addcmul_(base, torch.tensor(1.0 - alpha, dtype=dtype))
        return out.to(base.dtype)
    if method == "task_arithmetic":
        delta = tuned - base
        delta.mul_(torch.tensor(alpha, dtype=delta.dtype))
        return (base + delta).to(base.dtype)
    raise ValueError(f"merge.method: '{method}' has no in-memory path (use one of {', '.join(IN_MEMORY_METHODS)})")


class InMemoryMerger:
    """Holds base and fine-tuned weights and one model whose parameters are set to θ(α) on demand."""

    def __init__(self, base_dir: str | Path, tuned_dir: str | Path, model_cfg: Any, device: str = "cpu"):
        from humanllm.models.registry import load_model, load_tokenizer

        self.base_dir, self.tuned_dir = Path(base_dir), Path(tuned_dir)
        self.base = _load_tensors(self.base_dir)
        self.tuned = _load_tensors(self.tuned_dir)
        missing = sorted(set(self.base) ^ set(self.tuned))
        if missing:
            raise ValueError(f"base {self.base_dir} and fine-tuned {self.tuned_dir} differ in tensors: {missing[:5]}")
        self.model = load_model(str(self.base_dir), model_cfg, device=device,
                                dtype="float32" if device == "cpu" else None)
        self.tokenizer = load_tokenizer(str(self.base_dir), model_cfg)
        self._identity = self._identity_digest()

    def _identity_digest(self) -> str:
        h = hashlib.sha256()
        for name in IDENTITY_FILES:
            p = self.base_dir / name
            if p.is_file():
                h.update(f"{name}:".encode() + hashlib.sha256(p.read_bytes()).hexdigest().encode() + b"\n")
        return h.hexdigest()

    def merged_state(self, method: str, alpha: float) -> dict[str, Any]:
        return {k: merged_tensor(method, alpha, self.base[k], self.tuned[k]) for k in sorted(self.base)}

    def apply(self, method: str, alpha: float) -> str:
        """Set the model's weights to θ(α); returns their fingerprint (tensor contents + tokenizer/config)."""
        import torch

        state = self.merged_state(method, alpha)
        params = self.model.state_dict()
        unknown = sorted(set(state) - set(params))
        if unknown:
            raise ValueError(f"weights {unknown[:5]} are not parameters of the loaded model")
        with torch.no_grad():
            for name, value in state.items():
                params[name].copy_(value)
        return state_fingerprint(state, self._identity)


def state_fingerprint(state: dict[str, Any], identity: str = "") -> str:
    """sha256 over every tensor's name, dtype, shape and bytes: equal weights give equal fingerprints."""
    import torch

    h = hashlib.sha256(identity.encode())
    for name in sorted(state):
        t = state[name].detach().contiguous().cpu()
        h.update(f"{name}|{t.dtype}|{tuple(t.shape)}\n".encode())
        h.update(t.view(-1).view(dtype=torch.uint8).numpy().tobytes())
    return "mem-" + h.hexdigest()[:20]
