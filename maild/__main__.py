"""Allows `python -m maild`."""

from maild.cli import main

if __name__ == "__main__":  # not when a worker process (pipeline.ahead) imports it
    raise SystemExit(main())
