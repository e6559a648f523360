"""Runs the whole shopgraph system on one machine, for people and for end-to-end tests."""
