"""Entry point of ``python -m admin``."""

from admin.cli import main

raise SystemExit(main())
