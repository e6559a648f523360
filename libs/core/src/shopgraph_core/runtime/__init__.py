"""The service process: the app factory, the command line, probes and periodic housekeeping."""
