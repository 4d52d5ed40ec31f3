"""Service reports: priority 1-3 incidents against their targets, feature requests, escalations
(`maild report`), and the account review pack the monthly and annual reminders carry.

`compute.build_report` is a pure function of the tickets' facts, the targets and the calendar;
`load` reads those facts from the store; `render` and `view` turn a report into md/csv/json/html.
"""
