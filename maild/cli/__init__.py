"""The command line: parse arguments, call the app, print. No business logic lives here.

`commands` holds the argparse commands, `output` the formatting of what they print; `main` turns
the errors they raise into exit codes.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from maild.cli.commands import EX_TEMPFAIL, parser
from maild.config import resolve_config_path
from maild.errors import ConfigError, MaildError, TransientError
from maild.logs import setup_logging

__all__ = ["main", "parser"]


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    setup_logging(logging.DEBUG if args.verbose else logging.INFO)
    # aiosmtpd logs every protocol line at INFO under "mail.log"; keep that for -v.
    logging.getLogger("mail.log").setLevel(logging.DEBUG if args.verbose else logging.WARNING)
    # APScheduler logs each job run at INFO, thousands of lines a day; -v shows them.
    logging.getLogger("apscheduler").setLevel(logging.DEBUG if args.verbose else logging.WARNING)
    path = resolve_config_path(args.config)
    try:
        return args.handler(args, path)
    except BrokenPipeError:  # `maild tickets | head`: the reader left, which is fine
        sys.stderr.close()
        return 0
    except ConfigError as exc:
        for message in exc.messages:
            print(message, file=sys.stderr)
        return _failed(args)
    except TransientError as exc:
        print(f"maild: temporary failure: {exc}", file=sys.stderr)
        return EX_TEMPFAIL
    except (MaildError, OSError) as exc:  # OSError: a missing FILE, a folder not ours to write
        print(f"maild: {_one_line(exc)}", file=sys.stderr)
        return _failed(args)
    except Exception as exc:
        if args.command != "deliver":
            raise  # a bug: its traceback is what gets it fixed
        # An MTA would bounce the mail with a traceback in it on any other code; 75 keeps it queued.
        if args.verbose:
            logging.getLogger("maild.pipe").exception("unexpected error")
        print(f"maild: not stored, the MTA will retry: {type(exc).__name__}: {_one_line(exc)}",
              file=sys.stderr)
        return EX_TEMPFAIL


def _failed(args: argparse.Namespace) -> int:
    """The exit code of a command that could not do its work: `deliver` never says 1 to an MTA."""
    return EX_TEMPFAIL if args.command == "deliver" else 1


def _one_line(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.filename}: {exc.strerror}" if exc.filename else exc.strerror
    return " ".join(str(exc).split()) or type(exc).__name__
