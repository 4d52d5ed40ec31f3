"""Outgoing mail: templates rendered into the outbox, and the sender that delivers the outbox."""
