"""HTTP in front of the routes: ASGI guards, and the internal service-to-service API."""
