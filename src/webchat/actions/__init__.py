"""State changes. Every write of the system happens here, and events leave through
`events.publish_*` only after the database has committed."""
