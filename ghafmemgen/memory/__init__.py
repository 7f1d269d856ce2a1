"""The memory arithmetic: model (typed fleet), plan, S3-resume simulation. No I/O, no formatting."""
