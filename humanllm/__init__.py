"""humanllm: reproduce HumanLLM (KDD '26) — curate, build tasks, SFT, merge, evaluate, report."""

from humanllm import _aliases

__version__ = "0.1.0"

_aliases.install()
