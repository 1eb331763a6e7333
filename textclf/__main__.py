"""``python -m textclf`` runs the command line, like the ``textclf`` script."""

from textclf.cli import main

main()
