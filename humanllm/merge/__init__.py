"""Merging the fine-tuned model back with its base (LM-Cocktail style) through mergekit."""
