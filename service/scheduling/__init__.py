"""The scheduled service: jobs from config.toml fired by APScheduler, each fire claimed once in the database,
run (import, change check, outputs), recorded and announced."""
