"""The one error `recexp compare` reports as a single line with exit code 2."""

USAGE_EXIT_CODE = 2


class CompareError(ValueError):
    """A bad path, key or filter, or runs on different data: one line for the user."""
