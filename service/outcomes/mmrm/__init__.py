"""A mixed model for repeated measures written on NumPy and SciPy (issue #28)."""
