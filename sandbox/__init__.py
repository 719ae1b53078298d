"""The JIRA Cloud sandbox: an emulator held to the official REST v3 description."""
