"""Setup checks: is this setup ready to serve? Each check answers a `Check` (check.py);
`beacon doctor` prints them all (doctor.py), the start refuses on a failed one (preflight.py:
the database and Redis, before any command, the worker or the server; startup_guard.py: no demo
password on a network address)."""
