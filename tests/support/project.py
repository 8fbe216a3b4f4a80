"""Where the checkout under test is: the folder the servers, the CLI and the frontend build run in."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent  # tests/support/project.py -> the checkout
