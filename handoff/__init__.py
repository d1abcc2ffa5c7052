"""The complaint-handling policy: tickets, SLA, routing, handoff to agents, surveys, figures.

`handoff.app.setup` adds the staff routes and the background work to the application; the
pipeline reaches the desk through `gateway.ports.Desk` only: one call, `desk.handle`.
`handoff.schema` holds its tables, on the gateway's one `MetaData`.
"""
