"""What every shopgraph subgraph shares, so that a service holds only its domain."""
