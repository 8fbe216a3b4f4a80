"""Service operations: the only code that writes. Entry points (UI, API, CLI, worker) call these."""
