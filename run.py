"""Entry point in a checkout: `python run.py [group=option ...] [key=value ...]` (add `-m` for
multirun); the same as `recexp run ...` (recexp/run/app.py)."""

from recexp.run.app import main

if __name__ == "__main__":
    main()
