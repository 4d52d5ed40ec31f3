"""Prometheus metrics (prometheus-client). Counted always (it is cheap); served only when
`metrics.listen` is configured, on a loopback port by default."""

from __future__ import annotations

import logging

from prometheus_client import Counter, Gauge, Histogram, start_http_server

log = logging.getLogger("maild.daemon")

MAILS_RECEIVED = Counter("maild_mails_received_total", "Inbound mails handed to intake", [
    "channel"])
MAILS_PROCESSED = Counter("maild_mails_processed_total", "Inbound mails by outcome", ["channel",
                                                                                      "outcome"])
PROCESSING_SECONDS = Histogram("maild_processing_seconds",
                               "Time to store and process one inbound mail",
                               buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5))
MAILS_SENT = Counter("maild_mails_sent_total", "Outgoing mails delivered", ["purpose"])
SEND_FAILURES = Counter("maild_send_failures_total", "Outgoing delivery attempts that failed", [
    "permanent"])
FETCH_ERRORS = Counter("maild_fetch_errors_total", "IMAP connection or fetch failures", ["mailbox"])
OUTBOX_DEPTH = Gauge("maild_outbox_depth", "Outgoing mails queued")
QUARANTINED = Gauge("maild_quarantine_size", "Inbound mails held in quarantine")


def channel_of(source: str) -> str:
    """`imap:helpdesk:INBOX:...` -> imap; `smtp:127.0.0.1` -> smtp; `pipe` -> pipe."""
    return source.split(":", 1)[0] or "unknown"


def serve(listen: str) -> None:
    host, _, port = listen.rpartition(":")
    start_http_server(int(port), addr=host.strip("[]"))
    log.info("metrics on http://%s/metrics", listen)
