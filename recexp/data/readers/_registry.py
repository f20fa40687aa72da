"""The data formats: each reader module declares its format with ``@reader("name")`` on its read
function (or ``reader("name")(FORMAT.read)``); ``dataset.format`` names one of them, or
``synthetic`` (the built-in generator, ``recexp.data.synthetic``: nothing to read)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from recexp.common.registry import Registry

SYNTHETIC = "synthetic"


@dataclass(frozen=True)
class Reader:
    """One declared format: how its files are read, and what they hold."""

    # read(reviews_path, meta_path, *, strict, max_review_chars, progress, scale, spill, sampler=None) -> RawData;
    # a timed format always gets ``spill`` (review texts go to spill(table) ... spill.finish(), see
    # readers/base.py, which does it for JSON-lines formats) and ``sampler`` when dataset.sample_users is set
    read: Callable
    timed: bool = True  # the files carry timestamps; False: they can only be split as given (split.strategy=given)


DATA_FORMATS: Registry[Reader] = Registry(kind="data format", key="dataset.format", package="recexp.data.readers",
                                          reserved=(SYNTHETIC,))


def reader(name: str, *, order: int = 100, timed: bool = True) -> Callable[[Callable], Callable]:
    """Decorator: declare the decorated read function as format ``name`` (see ``Reader``)."""

    def declare(read: Callable) -> Callable:
        DATA_FORMATS.add(name, Reader(read, timed=timed), order=order)
        return read

    return declare


def reader_of(fmt: str) -> Reader:
    """The declared reader of ``fmt``; a ConfigError for an unknown one, a ValueError for synthetic."""
    if fmt == SYNTHETIC:
        raise ValueError("dataset.format=synthetic: the data are generated (recexp.data.synthetic), there is no file to read")
    return DATA_FORMATS.get(fmt)
