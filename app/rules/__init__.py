"""Pure domain rules: plain functions and types, no database, no I/O (unit-tested alone)."""
