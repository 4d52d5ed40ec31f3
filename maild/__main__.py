"""Allows `python -m maild`."""

if __name__ == "__main__":  # not when the parse worker (pipeline.ahead) starts: it imports this module too
    from maild.cli import main

    raise SystemExit(main())
