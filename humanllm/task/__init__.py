"""Task families: corpus → chat `messages` records, split disjoint by user, capped per task."""
