"""Supervised fine-tuning with trl on a mixture of task datasets."""
