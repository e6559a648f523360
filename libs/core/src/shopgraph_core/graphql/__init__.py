"""The GraphQL layer every subgraph shares: schema hardening, request context, shared types."""
