"""Every default value in one place, so the config, the docs and the code agree."""

from __future__ import annotations

from pathlib import Path

CONFIG_ENV = "MAILD_CONFIG"
CONFIG_PATH = "config/maild.yaml"
PACKAGE_DIR = Path(__file__).resolve().parent
TEMPLATES_DIR = PACKAGE_DIR / "templates"  # used when the config names no `templates` folder
EXAMPLE_CONFIG_DIR = PACKAGE_DIR / "example"  # what `maild init` starts from
# *_credential secrets outside systemd (relative to maild.yaml when relative).
CREDENTIALS_DIR = "/etc/maild/credentials"

SMTP_LISTEN = "127.0.0.1:2525"
DATABASE_URL = "sqlite:///../var/maild.db"
DATABASE_CONNECT_TIMEOUT_SECONDS = 10
SQLITE_BUSY_TIMEOUT_MS = 10_000
# Holds a batch's dirty pages until its commit; grows only as used.
SQLITE_CACHE_KIB = 16_384
# WAL pages between checkpoints, ten times SQLite's default: a backlog's index pages are copied
# back less often (docs/benchmarks.md). The WAL file keeps that size.
SQLITE_WAL_AUTOCHECKPOINT_PAGES = 10_000
# a row or advisory lock held longer than this is a fault: fail, retry later
PG_LOCK_TIMEOUT_MS = 30_000
# a frozen host's open transaction is ended, releasing its locks
PG_IDLE_IN_TRANSACTION_MS = 120_000

MAX_MESSAGE_BYTES = 10_240_000  # Postfix's message_size_limit
MAX_HEADER_BYTES = 102_400  # Postfix's header_size_limit
MAX_DEPTH = 100  # Postfix's mime_nesting_limit
MAX_ATTACHMENT_BYTES = 5_000_000
MAX_ATTACHMENTS = 50
# Base64 makes these 9.3 MB: with the text, still under Postfix's 10,240,000-byte
# message_size_limit and Exchange's 10 MB default, the smallest limits a server is likely to have.
ATTACHMENTS_PER_MAIL_BYTES = 7_000_000
MAX_PARTS = 1000  # no real mail comes near; a mail bomb of tiny parts does
MAX_LINE_BYTES = 2048  # Postfix's line_length_limit; longer lines are wrapped in the stored text
AUTO_REPLIES_PER_HOUR = 5
AUTO_REPLIES_PER_DAY = 10
# acknowledgement, resolved, reopened... to one ticket's customers
AUTO_REPLIES_PER_TICKET_PER_DAY = 5
# A designated contact may open many tickets in a burst (one per finding after a test session,
# or after an outage); each gets its acknowledgement. Robot-looking addresses get one a day
# (RFC 5230's minimum period). Staff notifications are never capped. See docs/admins.md.
CONTACT_AUTO_REPLIES_PER_HOUR = 30
CONTACT_AUTO_REPLIES_PER_DAY = 100
ROBOT_AUTO_REPLIES_PER_HOUR = 1
ROBOT_AUTO_REPLIES_PER_DAY = 1
# more customer mail that day is stored on the ticket, which stays as it is
REOPENS_PER_TICKET_PER_DAY = 3
TAG_PREFIX = "#"
REOPEN_DAYS = 30  # a customer reply within this many days of resolution reopens the ticket
PENDING_REMINDER_DAYS = 5  # working days waiting on the customer before one reminder to them
PENDING_RESOLVE_DAYS = 5  # working days after the reminder without an answer: then resolved
NOTIFICATION_HISTORY = 5  # earlier messages of the ticket below the new text in a notification

OFFICE_TIMEZONE = "Europe/London"
OFFICE_DAYS = ("mon", "tue", "wed", "thu", "fri")
OFFICE_START = "09:00"
OFFICE_END = "17:30"
OFFICE_HOLIDAYS = "GB-ENG"

# Outbox retry policy: exponential backoff with jitter, then give up.
RETRY_INITIAL_SECONDS = 60
RETRY_MAX_SECONDS = 3600
RETRY_GIVE_UP_HOURS = 120  # five days, as Mailman's retry queue
SEND_INTERVAL_SECONDS = 5.0
SEND_BATCH = 50
SEND_LEASE_SECONDS = 300
RECORD_SENT_TRIES = 3
SMTP_TIMEOUT_SECONDS = 60.0

# A raw mail left `received` (its processing died with the process) is picked up again after this.
RECOVERY_AGE_SECONDS = 60
RECOVERY_INTERVAL_SECONDS = 30.0
MAX_PROCESSING_ATTEMPTS = 3
RECOVERY_BATCH = 20  # per pass, so recovery never holds the intake thread for long

STOP_TIMEOUT_SECONDS = 30.0

# IMAP: re-issue IDLE well inside RFC 2177's 29 minutes; a socket timeout notices dead links.
# Each renewal also looks at the folder, so a mail the server never announced waits no longer
# than this. The cost is a few commands a minute.
IMAP_IDLE_RENEW_SECONDS = 60
IMAP_POLL_SECONDS = 60
IMAP_TIMEOUT_SECONDS = 60
IMAP_BATCH = 100
IMAP_RETRY_SECONDS = 2
IMAP_RETRY_MAX_SECONDS = 300
IMAP_AUTH_RETRY_SECONDS = 120  # a wrong password is not fixed in seconds; do not hammer the server

# OAuth2 tokens from oauth2_command: given up this long before they expire (a login takes a while),
# a bare token (no expires_in) kept this long, the command given this long to answer.
TOKEN_EXPIRY_MARGIN_SECONDS = 60
TOKEN_BARE_SECONDS = 300
TOKEN_COMMAND_TIMEOUT_SECONDS = 60

STATUS_INTERVAL_SECONDS = 10.0  # STATUS= to systemd, and the health check behind WATCHDOG=1

# Service targets (the charter): priority -> (clock, response, resolution). `office` counts only
# office hours, `always` every hour; "d" is working days on the office clock.
SERVICE_TARGETS = {
    1: ("always", "15m", None),   # an engineer assigned immediately, day or night
    2: ("office", "4h", "3d"),    # an interim answer fast, a permanent proposal in 3 working days
    3: ("office", "1d", "10d"),   # a proposal reflecting the impact
    4: ("office", None, None),    # recorded, no target
}
SLA_WARN_AT = 0.75  # warn the assignee when this share of a target's time has gone
SLA_SWEEP_SECONDS = 60

# Account-management reminders.
REMINDER_SEND_AT = "09:00"  # local time of day for date-based reminders
CHECKIN_DAY = "mon"
CHECKIN_TIME = "09:30"
ANNUAL_NOTICE_WEEKS = 6
CONTACT_VERIFICATION_MONTHS = 6
MEETING_NOTES_HOURS = 24
MISFIRE_GRACE_MINUTES = 24 * 60  # later than this, a missed reminder is skipped and reported
# How far back a pass looks for reminders it has not handled (after downtime); older ones are
# neither sent nor reported.
REMINDER_LOOKBACK_DAYS = 60
REMINDER_CATCH_UP_MINUTES = 15  # a pass over every reminder, besides each one's own trigger
