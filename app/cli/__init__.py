"""`beacon`: the command line (the entry point is `main`, pyproject's [project.scripts]).

Every failure ends with one readable line on stderr and a non-zero exit (base.py)."""

from app.cli.main import main

__all__ = ["main"]
