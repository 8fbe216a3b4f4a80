"""`python -m app.cli`: the same as `beacon`."""

from app.cli.main import main

main()
