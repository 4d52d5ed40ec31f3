"""maild: an email-driven ticketing daemon for a software vendor's customer service."""

__version__ = "0.1.0"
