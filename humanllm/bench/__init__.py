"""Benchmarks: synthesis throughput (more to come)."""
