"""jira-sync: the command line (``cli``) and the per-process composition roots.

``run/`` holds the long-running processes (ingress, worker, projections, an emulated site,
the local stack), ``up/`` runs them all on one machine, ``ops/`` holds the operator commands
(manual sync and resolve, resync, status, transitions, replay), ``doctor/`` the checks;
``config_cmd`` loads the settings every command starts from.
"""
