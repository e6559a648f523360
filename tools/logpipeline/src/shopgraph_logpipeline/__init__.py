"""The log pipeline's setup: search templates, lifecycle, ingest pipeline; Kibana import."""
