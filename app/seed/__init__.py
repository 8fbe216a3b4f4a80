"""Data to start from: the demo tenants, and a large tenant for measuring."""
