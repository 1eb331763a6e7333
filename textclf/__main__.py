"""``python -m textclf`` runs the command line, like the ``textclf`` script."""

from textclf.cli import app

app(prog_name="textclf")
