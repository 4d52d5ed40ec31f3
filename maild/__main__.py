"""`python -m maild`, and the `maild` command."""


def run() -> None:
    from maild import memory

    memory.start()  # before the CLI's imports
    from maild.cli import main

    raise SystemExit(main())


if __name__ == "__main__":  # not when the parse worker (pipeline.ahead) starts: it imports this module too
    run()
