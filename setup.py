"""The wheel carries the top-level ``conf/`` and ``sweeps/`` inside the package, as
``recexp/shipped/conf`` and ``recexp/shipped/sweeps`` (``recexp.common.layout`` finds them there),
so an installed recexp runs from any directory. Everything else is in pyproject.toml."""

from setuptools import find_namespace_packages, setup

SHIPPED = {"recexp.shipped.conf": "conf", "recexp.shipped.sweeps": "sweeps"}

CODE = find_namespace_packages(include=["recexp*", "hydra_plugins*"], exclude=["*__pycache__*"])  # hydra_plugins: a namespace

setup(packages=[*CODE, *SHIPPED], package_dir=SHIPPED)
