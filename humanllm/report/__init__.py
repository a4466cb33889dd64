"""Results as tables in the paper's layout (markdown, CSV, LaTeX) and plots against the merge ratio."""
