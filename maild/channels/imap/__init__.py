"""The IMAP channel: `connection` reaches and logs in to a mailbox, `watcher` takes its mail."""

from maild.channels.imap.connection import MailboxUnavailable, connect
from maild.channels.imap.watcher import MailboxWatcher, PassReport

__all__ = ["MailboxUnavailable", "MailboxWatcher", "PassReport", "connect"]
