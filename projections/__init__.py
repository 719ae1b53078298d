"""Edge: sync state into DynamoDB and the status endpoint. Imports from ``streams`` only."""
