"""Registry writers: ClinicalTrials.gov PRS results XML (registry.ctgov) and the WHO ICTRP / IRCT record
(registry.irct), built from the same analysis as every other output."""
