"""``jira-sync doctor``: the configuration, both JIRA sites, Kafka and DynamoDB checked, one
finding per line with a fix under every problem."""
