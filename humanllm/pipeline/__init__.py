"""Stage orchestration: each stage reads artifacts, writes one artifact, and is skipped when done."""
