"""The process roots: one long-running ``jira-sync`` process each (ingress, worker,
projections, an emulated JIRA site, the local Kafka + DynamoDB Local stack). Each builds its
own settings and wires its own parts."""
