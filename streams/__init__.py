"""The log's vocabulary: records, topics, the pure sync model, the JIRA adapter, settings."""
