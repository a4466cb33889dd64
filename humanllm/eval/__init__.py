"""Evaluation harness: in-domain held-out tasks, MotiveBench, ToMBench, general suites, forgetting."""
