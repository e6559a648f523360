"""Logs, metrics, traces and the middleware that records every request in all three."""
