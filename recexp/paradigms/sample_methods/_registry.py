"""What a sample method is, and the registry its modules declare themselves in.

Light (no data, model or teacher code): config validation reads the declarations."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

from recexp.common.registry import Registry
from recexp.prompts.roles import Role, chain_roles

if TYPE_CHECKING:
    from recexp.prompts.templates import Template

# make(job) -> (examples, counts); job is a SampleJob (._job, which reads this registry: not named here)
Make = Callable[[Any], tuple[list[dict], dict]]


@dataclass(frozen=True)
class SampleMethod:
    """A sample method as declared next to its code: how it makes the student's examples and what
    it asks of the config.

    ``make(job)`` returns ``(examples, counts)``: examples are rows of samples.parquet, counts go to
    metrics under ``<method>/``."""

    name: str
    make: Make
    description: str  # one line: what the teacher is asked and what is kept
    steps: tuple[Role, ...] = ()  # roles the student plays before the rating role (a chain at inference)
    rater: str = "rater"  # the rating role's name (samples.parquet's ``role``)
    needs_teacher: bool = True  # False: the examples are made from the data alone
    template: str | None = None  # the one prompt template its examples fit (None: any)
    why_template: str = ""  # why, in the message when another template is configured
    check: Callable[[Any], None] | None = None  # further checks of the run config (raise ConfigError)

    @property
    def chained(self) -> bool:
        """True when the student plays several roles per interaction (no single prompt: no GRPO)."""
        return bool(self.steps)

    def roles(self, template: Template) -> list[Role]:
        """The roles the student plays, in inference order; the last one rates in ``template``."""
        return chain_roles(self.steps, template, rater=self.rater)


SAMPLE_METHODS: Registry[SampleMethod] = Registry(
    kind="sample method", key="paradigm.samples.method", package="recexp.paradigms.sample_methods")


def sample_method(name: str, *, order: int = 100, **spec: Any) -> Callable[[Make], Make]:
    """Decorator on a method's ``make(job)``: declare sample method ``name`` (``spec``: the other
    fields of :class:`SampleMethod`; ``order`` sorts listings)."""

    def declare(make: Make) -> Make:
        SAMPLE_METHODS.add(name, SampleMethod(name, make, **spec), order=order)
        return make

    return declare


def chain(method: str, template: Template) -> list[Role]:
    """The roles a method's student plays, in inference order (the last one rates), on the
    template's rating scale."""
    return SAMPLE_METHODS.get(method).roles(template)
