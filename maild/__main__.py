"""`python -m maild`, and the `maild` command."""


def run() -> None:
    from maild.cli import main

    raise SystemExit(main())


if __name__ == "__main__":
    run()
