"""humanllm: reproduce HumanLLM (KDD '26) — curate, build tasks, SFT, merge, evaluate, report."""

__version__ = "0.1.0"
