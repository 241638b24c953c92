"""``python -m reconciler`` runs the privcall command line."""

from reconciler.cli import main

main()
