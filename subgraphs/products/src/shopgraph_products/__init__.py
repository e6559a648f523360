"""The products subgraph: the catalogue and its stock reservations."""
