"""One module per task family; each registers itself with humanllm.tasks.registry.register."""
