"""``python -m subsidy`` runs the command line."""

from subsidy.cli import app

app()
