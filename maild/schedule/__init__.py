"""Time: the business calendar (office hours, bank holidays); later SLA targets and reminders."""
