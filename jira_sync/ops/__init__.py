"""Operator commands: short-lived ``jira-sync`` commands against a running deployment
(manual sync and resolve, resync, status, transitions, replay)."""
