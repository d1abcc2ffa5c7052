"""Staff-facing HTTP: ticket, admin and stats routes, the console page and the staff socket."""
