"""The complaint gateway: intake, storage, pipeline, outbox and HTTP API."""
