"""Business rules: plain async functions taking a session; no GraphQL, no HTTP."""
