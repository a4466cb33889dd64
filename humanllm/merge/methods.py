"""Every merge method, one entry each: the only place a method is declared.

An entry names the method (the value of `merge.method`, and `conf/merge/<name>.yaml`), the mergekit method
that runs it, how the two models enter mergekit's config (`layout`), which `merge.*` config fields it passes
to mergekit, and which in-memory kernel (if any) computes the same weights. Everything else is derived:

- the values `merge.method` accepts (`method_names`, checked by `MergeConfig` with the choices named),
- the mergekit YAML (`humanllm.merge.stage.mergekit_config`),
- the fields in the merge stage key (`MergeMethod.key_fields`: exactly the config fields the method passes
  to mergekit, so two densities can never share a key),
- the methods a sweep merges in memory (`humanllm.merge.inmemory.IN_MEMORY_METHODS`).

Adding a method: one entry in `BUILTIN` below and one `conf/merge/<name>.yaml`. Outside this package, a plug-in
module (humanllm.plugins: an entry point in the group `humanllm.plugins`, or HUMANLLM_PLUGINS) calls
`register_method(MergeMethod(...))` when imported; its YAML goes in a config folder added with
`hydra.searchpath=[file:///path/to/conf]`. The plug-in module counts in the merge stage's code identity, so
editing its entry rebuilds its merges.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Any, Literal

from humanllm.plugins import is_plugin, load_plugins, note_plugin_module

# The `merge.*` config fields an entry may pass to mergekit (besides α, which every layout uses).
CONFIG_PARAMS = ("density", "normalize")
# Weights computed in memory (humanllm.merge.inmemory), and the mergekit method and layout each reproduces.
IN_MEMORY_KERNELS = {"linear": ("linear", "weighted"), "task_arithmetic": ("task_arithmetic", "task_vector")}

Layout = Literal["weighted", "task_vector", "interpolate"]
LAYOUTS = ("weighted", "task_vector", "interpolate")


@dataclass(frozen=True)
class MergeMethod:
    """One merge method.

    layout: how base and fine-tuned enter mergekit's config at ratio α (α = weight of the fine-tuned model):
      weighted     both models, weights α (fine-tuned) and 1 − α (base); no base_model
      task_vector  base_model = base, the fine-tuned model with weight α: θ_base + α·f(θ_ft − θ_base)
      interpolate  base_model = base, models [base, fine-tuned], method parameter t = α
    method_params / model_params: `merge.*` fields passed as method-level parameters / as parameters of the
      fine-tuned model (task_vector and weighted layouts); each enters the stage key.
    fixed: constant method-level parameters (not config, not in the key: the entry is the code).
    in_memory: the in-memory kernel that gives the same weights as this mergekit merge, or None.
    """

    name: str
    mergekit: str
    layout: Layout
    method_params: tuple[str, ...] = ()
    model_params: tuple[str, ...] = ()
    fixed: dict[str, Any] = field(default_factory=dict, hash=False)
    in_memory: Literal["linear", "task_arithmetic"] | None = None
    description: str = ""

    @property
    def key_fields(self) -> tuple[str, ...]:
        """The `merge.*` fields this method reads, hence in its stage key (method, α and dtype always are)."""
        return (*self.method_params, *self.model_params)


BUILTIN: tuple[MergeMethod, ...] = (
    MergeMethod(
        "linear",
        "linear",
        "weighted",
        fixed={"normalize": False},
        in_memory="linear",
        description="LM-Cocktail style: θ = α·θ_ft + (1 − α)·θ_base",
    ),
    MergeMethod(
        "task_arithmetic",
        "task_arithmetic",
        "task_vector",
        in_memory="task_arithmetic",
        description="θ = θ_base + α·(θ_ft − θ_base)",
    ),
    MergeMethod(
        "ties",
        "ties",
        "task_vector",
        method_params=("normalize",),
        model_params=("density",),
        description="TIES: keep the top `density` of the task vector, sign-elect, θ_base + α·trimmed",
    ),
    MergeMethod(
        "dare_ties",
        "dare_ties",
        "task_vector",
        method_params=("normalize",),
        model_params=("density",),
        description="DARE-TIES: drop (1 − density) of the task vector at random, rescale, sign-elect",
    ),
    MergeMethod(
        "slerp",
        "slerp",
        "interpolate",
        description="spherical interpolation from base (t = 0) to fine-tuned (t = 1) at t = α",
    ),
)

_TABLE: dict[str, MergeMethod] = {}


def _check(entry: MergeMethod) -> None:
    where = f"merge method '{entry.name}'"
    if not entry.name.isidentifier():
        raise ValueError(f"{where}: the name must be an identifier (it is a config value and a YAML file name)")
    if entry.layout not in LAYOUTS:
        raise ValueError(f"{where}: layout '{entry.layout}' is not one of {', '.join(LAYOUTS)}")
    unknown = [p for p in entry.key_fields if p not in CONFIG_PARAMS]
    if unknown:
        raise ValueError(f"{where}: {unknown} are not merge config fields (known: {', '.join(CONFIG_PARAMS)})")
    if entry.model_params and entry.layout == "interpolate":
        raise ValueError(f"{where}: the interpolate layout passes no per-model parameters")
    if entry.in_memory is not None:
        if entry.in_memory not in IN_MEMORY_KERNELS:
            raise ValueError(
                f"{where}: no in-memory kernel '{entry.in_memory}' (known: {', '.join(IN_MEMORY_KERNELS)})"
            )
        if (entry.mergekit, entry.layout) != IN_MEMORY_KERNELS[entry.in_memory] or entry.key_fields:
            raise ValueError(
                f"{where}: the in-memory kernel '{entry.in_memory}' reproduces only mergekit "
                f"'{IN_MEMORY_KERNELS[entry.in_memory][0]}' in the "
                f"{IN_MEMORY_KERNELS[entry.in_memory][1]} layout without parameters"
            )


def register_method(entry: MergeMethod) -> MergeMethod:
    """Add a method to the table (a plug-in module calls this when imported); returns the entry. The calling
    module, when it is a plug-in, counts in the code identity of the stages that reach this table."""
    _check(entry)
    known = _TABLE.get(entry.name)
    if known is not None and known != entry:
        raise ValueError(f"merge method '{entry.name}' registered twice, differently: {known} and {entry}")
    _TABLE[entry.name] = entry
    caller = sys._getframe(1).f_globals.get("__name__", "")
    if is_plugin(caller):
        note_plugin_module(__name__, caller)
    return entry


for _entry in BUILTIN:
    register_method(_entry)


def methods() -> dict[str, MergeMethod]:
    """The table: name → entry (built-ins first, then plug-ins)."""
    load_plugins()
    return dict(_TABLE)


def method_names() -> list[str]:
    return list(methods())


def get_method(name: str) -> MergeMethod:
    table = methods()
    if name not in table:
        raise ValueError(f"merge.method: unknown merge method '{name}' (choices: {', '.join(table)})")
    return table[name]
