"""`python -m ghafmemgen`: the same entry point as the `ghafmemgen` command."""

from ghafmemgen.cli import main

main()
