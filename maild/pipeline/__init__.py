"""The pipeline: small steps over one MailContext (see `steps` for their list and order).

It knows nothing of channels or SMTP: it gets bytes and envelope facts, and leaves rows behind.
"""
