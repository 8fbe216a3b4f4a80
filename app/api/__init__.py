"""The HTTP API, mounted on Reflex's backend; thin over the services."""
