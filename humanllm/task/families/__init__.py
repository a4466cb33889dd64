"""One module per task family; each registers itself with humanllm.task.registry.register."""
