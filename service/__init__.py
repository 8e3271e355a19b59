"""regsync: regulatory reporting and registry sync for clinical trials."""

__version__ = "0.1.0"
