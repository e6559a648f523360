"""The orders subgraph: orders placed against stock that products reserves for them."""
