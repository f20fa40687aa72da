"""The wheel carries the top-level ``conf/`` and ``sweeps/`` inside the package, as
``recexp/shipped/conf`` and ``recexp/shipped/sweeps`` (``recexp.common.layout`` finds them there),
so an installed recexp runs from any directory. Everything else is in pyproject.toml."""

from setuptools import find_namespace_packages, setup

SHIPPED = {"recexp.shipped.conf": "conf", "recexp.shipped.sweeps": "sweeps"}
# hydra_plugins is a namespace package; each folder of conf/ is listed too (its yaml files are package data)
CODE = find_namespace_packages(include=["recexp*", "hydra_plugins*"], exclude=["*__pycache__*"])
GROUPS = [f"recexp.shipped.conf.{name}" for name in find_namespace_packages(where="conf", exclude=["*__pycache__*"])]

setup(packages=[*CODE, *SHIPPED, *GROUPS], package_dir=SHIPPED)
