"""jira-sync: the command line and the per-process composition roots."""
