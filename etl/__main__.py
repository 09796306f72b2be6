"""`python -m etl`: see etl/cli.py."""

from .cli import main

raise SystemExit(main())
