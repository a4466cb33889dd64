"""Base models: the embedded SmolLM2 (GGUF → HF), tiny random models for tests, hub models."""
