"""Channel adapters: one folder per channel, each with an inbound and an outbound side."""
