"""The rule registry (one entry per rule), the checks it points at, and check's reporters."""
