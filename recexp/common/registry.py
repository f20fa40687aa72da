"""Named extension points, each declared once, next to its code.

A :class:`Registry` belongs to one package (``recexp.teachers``, ...). Each implementation module in
that package declares itself with ``@REGISTRY.register("name")`` on its class or function; the
registry finds the declarations by importing every module of its package on the first lookup
(``pkgutil``). Adding an implementation is therefore one new module, plus the yaml that selects it.

Implementation modules keep heavy imports (torch, transformers, trl, vllm) inside functions, so
listing or validating names stays fast and a bad config fails before anything heavy is loaded.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from typing import Callable, Generic, TypeVar

from recexp.common.errors import ConfigError, close_matches

T = TypeVar("T")


@dataclass
class Registry(Generic[T]):
    """Name -> implementation for one kind of extension (``kind``), selected by config key ``key``."""

    kind: str  # what an entry is, for messages: "teacher backend"
    key: str  # the config key that names an entry: "teacher.backend"
    package: str  # the package whose modules declare the entries: "recexp.teachers"
    reserved: tuple[str, ...] = ()  # allowed names with no entry (e.g. "none": no teacher)
    _entries: dict[str, tuple[int, T]] = field(default_factory=dict, repr=False)
    _discovered: bool = field(default=False, repr=False)
    _discovering: bool = field(default=False, repr=False)

    def register(self, name: str, *, order: int = 100) -> Callable[[T], T]:
        """Decorator: declare the decorated object as entry ``name``. ``order`` sorts listings
        (lower first; ties by name), so messages list the common choices first."""

        def declare(obj: T) -> T:
            self.add(name, obj, order=order)
            return obj

        return declare

    def add(self, name: str, obj: T, *, order: int = 100) -> None:
        """Declare ``obj`` as entry ``name`` (twice is an error: two modules claim one name)."""
        if name in self._entries and self._entries[name][1] is not obj:
            raise ValueError(f"{self.kind} {name!r} is declared twice ({self._entries[name][1]!r} and {obj!r})")
        if name in self.reserved:
            raise ValueError(f"{self.kind} {name!r} is reserved")
        self._entries[name] = (order, obj)

    def names(self) -> list[str]:
        """Every allowed name: the reserved ones, then the entries by (order, name)."""
        self._discover()
        entries = sorted(self._entries.items(), key=lambda item: (item[1][0], item[0]))
        return [*self.reserved, *(name for name, _ in entries)]

    def get(self, name: str) -> T:
        """The entry called ``name``; a ConfigError naming the key and the allowed values otherwise."""
        self.check(name)
        return self._entries[name][1]

    def check(self, name: str) -> None:
        """Raise ConfigError unless ``name`` is allowed (an entry or a reserved name)."""
        if name in self.reserved:  # no module to import: default configs (no teacher, synthetic data) stay fast
            return
        self._discover()
        if name in self._entries:
            return
        allowed = self.names()
        hint = close_matches(str(name), allowed)
        did_you_mean = f" (did you mean {' or '.join(hint)}?)" if hint else ""
        raise ConfigError(f"{self.key}: unknown {self.kind} {name!r}{did_you_mean}; allowed values: {', '.join(allowed)}")

    def items(self) -> list[tuple[str, T]]:
        """(name, entry) pairs in listing order."""
        return [(name, self._entries[name][1]) for name in self.names() if name in self._entries]

    def _discover(self) -> None:
        """Import every module of the package once. A module that fails to import raises here, and
        again on the next lookup: a partly filled registry is never taken for the whole."""
        if self._discovered or self._discovering:  # _discovering: a module that looks names up while imported
            return
        self._discovering = True
        try:
            package = importlib.import_module(self.package)
            for module in pkgutil.iter_modules(package.__path__):
                if not module.name.startswith("_"):
                    importlib.import_module(f"{self.package}.{module.name}")
        finally:
            self._discovering = False
        self._discovered = True
