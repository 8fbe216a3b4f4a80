"""Leader jobs: lifespan tasks every backend worker starts and only the leading one runs
(leader.py: `run_as_leader`), one module per job."""
