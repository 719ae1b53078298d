"""The JIRA adapter: webhook model and signatures, ADF helpers, the async REST client."""
