"""Repositories: the SQL for each kind of record, kept out of the pipeline and the routes."""
