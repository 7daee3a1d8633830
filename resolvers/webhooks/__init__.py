"""Outbound webhooks (contract §9): subscriptions (`subscriptions`), contract signatures
(`signing`, shared with the inbound Courses API) and the delivery worker (`delivery`)."""
