"""What `render` writes: Nix through templates and nixlit, JSON, and the atomic output set."""
