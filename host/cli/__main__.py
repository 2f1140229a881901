"""``python -m tcphw.host.cli``: the same command line as ``python -m tcphw``."""

from tcphw.host.cli import main

main(prog_name="tcphw")
