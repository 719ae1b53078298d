"""``jira-sync up``: every process of a working sync on one machine, until Ctrl-C (the plan,
the supervisor of the children, their readiness, the sandbox's demo issues)."""
