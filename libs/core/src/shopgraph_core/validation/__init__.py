"""Checks of what clients send, free of GraphQL, so that domain modules can use them."""
