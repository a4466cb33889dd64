"""Raw user logs → one common per-user corpus: loaders, rule filters, dedup, PII scrubbing, funnel."""
