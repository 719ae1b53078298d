"""Edge: verified JIRA webhooks onto Kafka. Imports from ``streams``, never ``projections``."""
