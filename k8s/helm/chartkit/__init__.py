"""Tooling around the shopgraph Helm chart: rendering, reading manifests, the values table."""
