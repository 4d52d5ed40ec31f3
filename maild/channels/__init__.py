"""Channels bring raw bytes in and confirm them to their source only after intake committed them."""
