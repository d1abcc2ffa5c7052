"""Background work: the handoff monitor, escalation and spike checks."""
