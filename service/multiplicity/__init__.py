"""Families of hypotheses declared in trial.toml ([[multiplicity]]) and their adjusted p-values."""
