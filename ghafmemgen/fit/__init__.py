"""`ghafmemgen fit`: the search, its explanations, and writing a patch into the fleet file."""
