"""Wiring for `maild run`: the database, the listener, the sender and recovery, in one event loop.

Start-up goes in order (lock, database, migrations, listener); SIGTERM or SIGINT stops taking new
mail, lets the mail in hand finish (or roll back), and exits cleanly; SIGHUP reloads the config,
keeping the old one if the new one is invalid.
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import os
import signal
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from maild import __version__, defaults, metrics, sdnotify
from maild.alerts import Alerter
from maild.channels.imap import MailboxWatcher
from maild.channels.lmtp import IntakeHandler, ListenerTls, start_server
from maild.channels.parse_ahead import ParseAhead
from maild.config import Config
from maild.errors import ListenerUnavailable, MaildError, TransientError
from maild.intake import Arrival, Batch, Intake, Outcome
from maild.outbound.sender import OutboxSender
from maild.outbound.transports import Transport, transport_for
from maild.runtime import Runtime
from maild.schedule.scheduler import Scheduler
from maild.store.db import open_store
from maild.store.health import outbox_depth, ping_database
from maild.store.migrations import migrate
from maild.store.models import utcnow
from maild.store.tokens import record_token_state
from maild.runtime.tokens import TokenSources

log = logging.getLogger("maild.daemon")


class AlreadyRunning(MaildError):
    """Another `maild run` holds the state directory."""


def lock_state_dir(state_dir: Path) -> IO[str]:
    """One daemon per state directory: a second `maild run` on the same SQLite state is refused."""
    state_dir.mkdir(parents=True, exist_ok=True)
    handle = open(state_dir / "maild.lock", "a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise AlreadyRunning(f"another maild is already running on {state_dir}") from None
    handle.truncate(0)
    handle.write(f"{os.getpid()}\n")
    handle.flush()
    return handle


def daemon_pid(state_dir: Path) -> int | None:
    """The pid of the daemon holding the state directory's lock, or None when none runs."""
    try:
        with open(state_dir / "maild.lock") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                return int(handle.read().strip() or 0) or None
    except (OSError, ValueError):
        pass
    return None


def signal_daemon(state_dir: Path, sig: int) -> int:
    """Send `sig` to the daemon holding the state directory's lock; returns its pid."""
    pid = daemon_pid(state_dir)
    if pid is None:
        raise MaildError(f"no maild is running on {state_dir}")
    os.kill(pid, sig)
    return pid


class Daemon:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.intake = Intake(runtime)
        self.tokens = TokenSources(record_token_state)  # OAuth2 tokens, kept across reloads
        self.sender = OutboxSender(self._transport, runtime.settings.config.main.outbound.retry)
        self.intake_pool = ThreadPoolExecutor(1, thread_name_prefix="intake")
        self.send_pool = ThreadPoolExecutor(1, thread_name_prefix="sender")
        self.stopping = asyncio.Event()
        self.outbox_ready = asyncio.Event()
        self.imap_stop = threading.Event()
        # the setting as started: a reload does not start or stop the worker
        self.parse_ahead = ParseAhead(lambda: self.runtime.settings.config.main.limits) if \
            runtime.settings.config.main.inbound.parse_ahead else None
        self.listener_tls = ListenerTls()
        self.watchers: list[tuple[MailboxWatcher, threading.Thread]] = []
        self.scheduler = Scheduler(runtime, self._in_database_thread, self.outbox_ready.set)

    def _transport(self) -> Transport:
        return transport_for(self.runtime.settings.config, self.tokens)

    async def run(self) -> None:
        config = self.runtime.settings.config
        lock = lock_state_dir(config.state_dir)
        try:
            await self._serve()
        finally:
            lock.close()

    async def _serve(self) -> None:
        config = self.runtime.settings.config
        loop = asyncio.get_running_loop()
        open_store(config.database)
        await loop.run_in_executor(self.intake_pool, migrate)
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.stopping.set)
        loop.add_signal_handler(signal.SIGHUP, self._reload)
        handler, server = await self._start_listener()
        self.watchers = self._start_watchers(loop)
        tasks = [asyncio.create_task(self._send_loop()), asyncio.create_task(self._recovery_loop())]
        self.scheduler.start()
        log.info("%s", startup_line(config, server))
        sdnotify.notify("READY=1", f"STATUS={(await self._status())[0]}")
        tasks.append(asyncio.create_task(self._health_loop()))
        if config.main.alerts is not None:
            tasks.append(asyncio.create_task(self._alert_loop()))
        if config.main.metrics is not None:
            metrics.serve(config.main.metrics.listen)
        await self.stopping.wait()
        sdnotify.notify("STOPPING=1", "STATUS=stopping: finishing the mail in hand")
        log.info("stopping: no new mail taken, finishing the mail in hand")
        await self._stop_listener(handler, server)
        await self._stop_watchers([thread for _, thread in self.watchers])
        if self.parse_ahead:
            self.parse_ahead.close()
        self.scheduler.shutdown()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self.intake_pool.shutdown(wait=True)
        self.send_pool.shutdown(wait=True)
        log.info("stopped")

    async def _start_listener(self) -> tuple[IntakeHandler | None, asyncio.Server | None]:
        settings = self.runtime.settings
        smtp = settings.config.main.inbound.smtp
        if smtp is None:
            return None, None
        handler = IntakeHandler(self._accept, smtp.protocol)
        self.listener_tls.load(smtp, settings.config.path.parent)
        server = await start_server(
            handler,
            smtp.host,
            smtp.port,
            settings.config.main.limits.max_message_bytes,
            self.listener_tls,
        )
        return handler, server

    async def _stop_listener(self, handler: IntakeHandler | None,
                             server: asyncio.Server | None) -> None:
        if handler is None or server is None:
            return
        handler.closing = True
        server.close()
        try:
            await asyncio.wait_for(handler.drained(), defaults.STOP_TIMEOUT_SECONDS)
        except asyncio.TimeoutError:
            log.error(
                "mail still in hand after %.0fs; its transaction rolls back and the client retries",
                      defaults.STOP_TIMEOUT_SECONDS)

    async def _status(self) -> tuple[str, int]:
        """The STATUS= line for systemd, and the outbox depth it reports."""
        loop = asyncio.get_running_loop()
        # Not on the sender's thread: a slow relay may hold that one for minutes.
        queued = await loop.run_in_executor(None, outbox_depth)
        connected = sum(w.connected for w, _ in self.watchers)
        mailboxes = (f"{connected}/{len(self.watchers)} mailboxes connected, "
                     if self.watchers else "")
        return f"{mailboxes}outbox {queued} queued", queued

    async def _health_loop(self) -> None:
        """STATUS= every few seconds, and WATCHDOG=1 only while a database round trip through the
        intake thread answers in time: a hung IMAP, SMTP or database call gets us restarted."""
        loop = asyncio.get_running_loop()
        interval = sdnotify.watchdog_interval()
        while True:
            await asyncio.sleep(min(interval or defaults.STATUS_INTERVAL_SECONDS,
                                    defaults.STATUS_INTERVAL_SECONDS))
            try:
                await asyncio.wait_for(loop.run_in_executor(self.intake_pool, ping_database),
                                       interval or defaults.STATUS_INTERVAL_SECONDS)
                status, queued = await asyncio.wait_for(self._status(),
                                                        defaults.STATUS_INTERVAL_SECONDS)
            except Exception as exc:  # noqa: BLE001 - unhealthy: say so, and let the watchdog fire
                log.error("health check failed, not telling the watchdog we are alive: %s",
                          exc or type(exc).__name__)
                sdnotify.notify(f"STATUS=unhealthy: {exc or type(exc).__name__}")
                continue
            sdnotify.notify(*(["WATCHDOG=1"] if interval else []), f"STATUS={status}")
            metrics.OUTBOX_DEPTH.set(queued)

    async def _alert_loop(self) -> None:
        loop = asyncio.get_running_loop()
        alerter = Alerter()
        while True:
            settings = self.runtime.settings
            if settings.config.main.alerts is None:
                return
            try:
                if await loop.run_in_executor(self.intake_pool, alerter.check, settings,
                                              utcnow()):
                    self.outbox_ready.set()
            except Exception:  # noqa: BLE001 - alerting must not take the daemon down
                log.exception("alert check failed")
            await asyncio.sleep(settings.config.main.alerts.check_seconds)

    def _start_watchers(self, loop: asyncio.AbstractEventLoop) -> list[tuple[MailboxWatcher,
                                                                             threading.Thread]]:
        """One thread per IMAP mailbox: imapclient blocks, and a slow server must not stall the
        rest."""
        config = self.runtime.settings.config

        @contextmanager
        def group() -> Iterator[Batch]:
            with self.intake.group() as batch:
                yield batch
            loop.call_soon_threadsafe(self.outbox_ready.set)  # committed: the sender may go

        threads = []
        for mailbox in config.main.inbound.imap:
            tokens = (
                self.tokens.source(config, mailbox.oauth2_command)
                if mailbox.oauth2_command
                else None
            )
            watcher = MailboxWatcher(
                mailbox,
                config.path.parent,
                self.intake.accept,
                config.main.limits.max_message_bytes,
                self.imap_stop,
                group,
                tokens,
                self.parse_ahead,
            )
            thread = threading.Thread(target=watcher.run_forever, name=f"imap-{mailbox.name}",
                                      daemon=True)
            thread.start()
            threads.append((watcher, thread))
        return threads

    async def _stop_watchers(self, threads: list[threading.Thread]) -> None:
        self.imap_stop.set()
        loop = asyncio.get_running_loop()
        for thread in threads:
            await loop.run_in_executor(None, thread.join, defaults.STOP_TIMEOUT_SECONDS)
            if thread.is_alive():
                log.error("%s did not stop in time; its uncommitted mail stays on the server",
                          thread.name)

    async def _accept(self, arrival: Arrival) -> Outcome:
        loop = asyncio.get_running_loop()
        outcome = await loop.run_in_executor(self.intake_pool, self.intake.accept, arrival)
        self.outbox_ready.set()
        return outcome

    async def _in_database_thread(self, function: Callable[..., Any], *args: Any) -> Any:
        """Scheduler jobs write on the intake thread, as the alert checks do: one writer at a
        time."""
        return await asyncio.get_running_loop().run_in_executor(self.intake_pool, function, *args)

    async def _send_loop(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            # before the pass: mail committed during it wakes the next one at once
            self.outbox_ready.clear()
            try:
                await loop.run_in_executor(self.send_pool, self.sender.send_due)
            except TransientError as exc:
                log.warning("sender: %s", exc)
            except Exception:  # noqa: BLE001 - the sender must keep running
                log.exception("sender pass failed")
            interval = self.runtime.settings.config.main.outbound.send_interval_seconds
            try:
                await asyncio.wait_for(self.outbox_ready.wait(), interval)
            except asyncio.TimeoutError:
                pass

    async def _recovery_loop(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            try:
                if await loop.run_in_executor(self.intake_pool, self.intake.recover):
                    self.outbox_ready.set()
            except Exception:  # noqa: BLE001
                log.exception("recovery pass failed")
            await asyncio.sleep(defaults.RECOVERY_INTERVAL_SECONDS)

    def _reload(self) -> None:
        log.info("SIGHUP: reloading config")
        sdnotify.reloading()
        try:
            if self.runtime.reload():
                self.scheduler.rebuild()
            self._reload_listener_tls()
        finally:  # whatever happened, systemd must not be left in "reloading"
            sdnotify.notify("READY=1")


    def _reload_listener_tls(self) -> None:
        """Read the listener's certificate again (renewed, or newly configured); keep the old one
        if the new files cannot be used."""
        config = self.runtime.settings.config
        if config.main.inbound.smtp is None:
            return
        try:
            self.listener_tls.load(config.main.inbound.smtp, config.path.parent)
        except ListenerUnavailable as exc:
            log.error("reload: %s; the listener keeps its old certificate", exc)
            return
        if self.listener_tls.context is not None:
            log.info("listener TLS certificate loaded again")


def startup_line(config: Config, server: asyncio.Server | None) -> str:
    """Where mail is taken and kept, and how to stop: the one line an operator looks for."""
    smtp = config.main.inbound.smtp
    starttls = (" (STARTTLS required)" if smtp.starttls_required else " (STARTTLS)") \
        if smtp and smtp.tls_cert_file else ""
    taken = [f"{smtp.protocol.upper()} on {_bound(server)}{starttls}"] if smtp and server else []
    taken += [f"IMAP {m.name} ({m.host}:{m.port} {m.folder})" for m in config.main.inbound.imap]
    relay = config.main.outbound.relay
    outbox = f"relay {relay.host}:{relay.port}" if relay else f"maildir {config.maildir}"
    return (f"maild {__version__} running, pid {os.getpid()}: "
            f"mail from {', '.join(taken) or 'nowhere'}; database {config.database.describe()}; "
            f"outgoing mail to {outbox}; "
            f"stop with SIGTERM (systemctl stop maild), reload with SIGHUP")


def _bound(server: asyncio.Server) -> str:
    host, port = server.sockets[0].getsockname()[:2]
    return f"{host}:{port}"


def run_daemon(runtime: Runtime) -> None:
    asyncio.run(Daemon(runtime).run())
