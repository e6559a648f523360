"""Test helpers every service's suite uses: real servers, GraphQL clients, query counters."""
