"""``python -m tcphw``: the tcphw command line."""

from tcphw.host.cli import main

main(prog_name="tcphw")
