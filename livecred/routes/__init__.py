"""One module of routes per area."""
