"""How a run of a job ends (the job_run table's status column)."""

RUNNING = "running"
PRODUCED = "produced"  # the run made new outputs
SKIPPED = "skipped"  # nothing to do: no change, or the previous run of the job still running
FAILED = "failed"
ABANDONED = "abandoned"  # stopped (SIGTERM) between steps; what it finished is kept
MISSED = "missed"  # the service was down at the fire time and came back after the grace period
UNSUCCESSFUL = (FAILED, ABANDONED)
