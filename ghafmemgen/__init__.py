"""ghafmemgen: compile a YAML fleet description into Ghaf's memory configuration."""

__version__ = "0.1.0"
GENERATOR = f"ghafmemgen {__version__}"
