"""Time: the business calendar, working-time arithmetic, service targets and reminders."""
