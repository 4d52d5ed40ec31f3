"""Small helpers shipped with maild that its config can call (not imported by the daemon)."""
