"""Reading a fleet: YAML events -> data plus source positions, the schema, the fast validator."""
