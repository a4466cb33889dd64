"""Curation with LLMs: clean/tag posts, synthesize person/environment/behaviour records, judge QC."""
