"""The complaint-handling policy: tickets, their numbers, grading, routing and the ledger."""
