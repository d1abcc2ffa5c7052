"""One module of routes per resource, each beside its handlers."""
