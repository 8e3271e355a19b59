"""Efficacy outcomes: summaries per arm and visit, and the between-arm comparison the definition names."""
