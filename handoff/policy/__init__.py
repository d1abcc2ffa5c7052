"""The handling rules: lifecycle, SLA calendar, deadlines, routing, surveys, figures, spikes."""
