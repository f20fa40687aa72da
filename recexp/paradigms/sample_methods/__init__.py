"""How the teacher_samples stage turns teacher answers into SFT examples: one module per sample
method in this package, each declaring itself with ``@sample_method("name", ...)`` on its
``make(job)`` (its roles, whether it needs a teacher or a template: :class:`SampleMethod`).

Adding a method is one module here plus the paradigm yaml that names it
(``paradigm.samples.method``). Light: config validation reads the declarations without loading
data, model or teacher code."""

from recexp.paradigms.sample_methods._job import Interaction, SampleJob
from recexp.paradigms.sample_methods._registry import (
    SAMPLE_METHODS,
    SampleMethod,
    chain,
    sample_method,
)

__all__ = ["SAMPLE_METHODS", "Interaction", "SampleJob", "SampleMethod", "chain", "sample_method"]
