"""Merge-ratio sweeps without a checkpoint per ratio: θ(α) formed in memory from base and fine-tuned weights.

Base and fine-tuned tensors are loaded once per process; each ratio overwrites the parameters of one
loaded model in place. The arithmetic mirrors mergekit's kernels operation for operation, so the
weights equal those `mergekit-yaml` writes at the same α:

- linear:           θ = α·θ_ft + (1 − α)·θ_base   (mergekit: zeros, then addcmul per model, fp32)
- task_arithmetic:  θ = θ_base + α·(θ_ft − θ_base)

A method is merged in memory when its entry in humanllm.merge.methods names one of these two kernels
(`in_memory`); TIES, DARE and SLERP stay on the mergekit path (and mergekit exports the chosen model).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Set
from pathlib import Path
from typing import Any

from humanllm.merge.methods import IN_MEMORY_KERNELS, methods
from humanllm.model.registry import load_model, load_tokenizer


class _InMemoryMethods(Set):
    """The methods whose table entry names an in-memory kernel (read from the table, plug-ins included)."""

    def _names(self) -> list[str]:
        return [name for name, entry in methods().items() if entry.in_memory is not None]

    def __contains__(self, name: object) -> bool:
        return name in self._names()

    def __iter__(self) -> Iterator[str]:
        return iter(self._names())

    def __len__(self) -> int:
        return len(self._names())

    def __repr__(self) -> str:
        return f"IN_MEMORY_METHODS{tuple(self._names())}"


IN_MEMORY_METHODS = _InMemoryMethods()
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


def merged_tensor(method: str, alpha: float, base: Any, tuned: Any, out: Any = None) -> Any:
    """One merged tensor, computed exactly as mergekit computes it (float32 accumulation).

    With `out` (a tensor of base's shape) the result is written there, in place when dtype and device allow."""
    import torch

    entry = methods().get(method)
    kernel = entry.in_memory if entry is not None else None
    if kernel not in IN_MEMORY_KERNELS:
        raise ValueError(f"merge.method: '{method}' has no in-memory path (use one of {', '.join(IN_MEMORY_METHODS)})")
    dtype = torch.float64 if base.dtype == torch.float64 else torch.float32
    in_place = (
        out is not None
        and out.dtype == base.dtype == tuned.dtype == dtype
        and out.device == base.device == tuned.device
    )
    if kernel == "linear":
        acc = out.zero_() if in_place else torch.zeros_like(tuned, dtype=dtype)
        acc.addcmul_(tuned, torch.tensor(alpha, dtype=dtype))
        acc.addcmul_(base, torch.tensor(1.0 - alpha, dtype=dtype))
        value = acc if in_place else acc.to(base.dtype)
    else:  # task_arithmetic
        delta = tuned - base
        delta.mul_(torch.tensor(alpha, dtype=delta.dtype))
        value = torch.add(base, delta, out=out) if in_place else (base + delta).to(base.dtype)
    if out is not None and not in_place:
        out.copy_(value)
    return value


class InMemoryMerger:
    """Holds base and fine-tuned weights and one model whose parameters are set to θ(α) on demand."""

    def __init__(self, base_dir: str | Path, tuned_dir: str | Path, model_cfg: Any, device: str = "cpu"):
        self.base_dir, self.tuned_dir = Path(base_dir), Path(tuned_dir)
        self.base = _load_tensors(self.base_dir)
        self.tuned = _load_tensors(self.tuned_dir)
        missing = sorted(set(self.base) ^ set(self.tuned))
        if missing:
            raise ValueError(f"base {self.base_dir} and fine-tuned {self.tuned_dir} differ in tensors: {missing[:5]}")
        self.model = load_model(
            str(self.base_dir), model_cfg, device=device, dtype="float32" if device == "cpu" else None
        )
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

    def _params(self) -> dict[str, Any]:
        params = self.model.state_dict()
        unknown = sorted(set(self.base) - set(params))
        if unknown:
            raise ValueError(f"weights {unknown[:5]} are not parameters of the loaded model")
        return params

    def apply(self, method: str, alpha: float) -> str:
        """Set the model's weights to θ(α), one tensor at a time; returns the fingerprint `state_fingerprint`
        gives `merged_state(method, alpha)` (tensor contents + tokenizer/config)."""
        import torch

        params = self._params()
        h = _hasher(self._identity)
        with torch.no_grad():
            for name in sorted(self.base):
                _hash_tensor(h, name, merged_tensor(method, alpha, self.base[name], self.tuned[name], out=params[name]))
        return _digest(h)

    def restore_base(self) -> None:
        """Set the model's weights back to the base weights, bit for bit (the model `load_model` gives)."""
        import torch

        params = self._params()
        with torch.no_grad():
            for name, value in self.base.items():
                params[name].copy_(value)


def _hasher(identity: str) -> Any:
    return hashlib.sha256(identity.encode())


def _hash_tensor(h: Any, name: str, tensor: Any) -> None:
    import torch

    t = tensor.detach().contiguous().cpu()
    h.update(f"{name}|{t.dtype}|{tuple(t.shape)}\n".encode())
    h.update(t.view(-1).view(dtype=torch.uint8).numpy())  # the buffer itself, not a copy


def _digest(h: Any) -> str:
    return "mem-" + h.hexdigest()[:20]


def state_fingerprint(state: dict[str, Any], identity: str = "") -> str:
    """sha256 over every tensor's name, dtype, shape and bytes: equal weights give equal fingerprints."""
    h = _hasher(identity)
    for name in sorted(state):
        _hash_tensor(h, name, state[name])
    return _digest(h)
