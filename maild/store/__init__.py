"""Persistence: peewee models, the database connection, migrations and the raw-mail store.

The store knows nothing of mail parsing: it keeps bytes, rows and their states.
"""
