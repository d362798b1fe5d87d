"""``python -m weightcli``."""

from weightcli.cli import main

main(prog_name="weightcli")
