"""JWTs: verifying them (every service) and issuing them (the users service, tests)."""
