"""recexp.common.registry: entries declared in their own modules, found by importing the package."""

import sys
import textwrap

import pytest

from recexp.common.errors import ConfigError
from recexp.common.registry import Registry


@pytest.fixture
def plugins(tmp_path, monkeypatch):
    """A package `fakeplugins` whose two modules declare entries in `fakeplugins._registry.REG`."""
    package = tmp_path / "fakeplugins"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "_registry.py").write_text(textwrap.dedent("""
        from recexp.common.registry import Registry
        REG = Registry(kind="widget", key="thing.widget", package="fakeplugins", reserved=("none",))
    """))
    (package / "alpha.py").write_text("from fakeplugins._registry import REG\n@REG.register('alpha')\nclass Alpha: pass\n")
    (package / "beta.py").write_text("from fakeplugins._registry import REG\n@REG.register('beta', order=1)\nclass Beta: pass\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield __import__("fakeplugins._registry", fromlist=["REG"]).REG
    for name in [m for m in sys.modules if m.startswith("fakeplugins")]:
        del sys.modules[name]


def test_entries_are_found_in_their_modules_and_listed_by_order(plugins):
    assert plugins.names() == ["none", "beta", "alpha"]
    assert plugins.get("alpha").__name__ == "Alpha"
    plugins.check("none")


def test_unknown_name_names_the_key_and_the_allowed_values(plugins):
    with pytest.raises(ConfigError, match=r"thing.widget: unknown widget 'alpah' \(did you mean alpha\?\); allowed values: none, beta, alpha"):
        plugins.get("alpah")


def test_a_name_declared_twice_is_an_error():
    registry = Registry(kind="widget", key="thing.widget", package="recexp")
    registry.add("x", object())
    with pytest.raises(ValueError, match="declared twice"):
        registry.add("x", object())


def test_a_module_that_fails_to_import_fails_every_lookup(plugins, tmp_path):
    (tmp_path / "fakeplugins" / "gamma.py").write_text("raise ImportError('gamma needs a missing extra')\n")
    for _ in range(2):  # the second lookup must not answer from the half-discovered registry
        with pytest.raises(ImportError, match="gamma needs a missing extra"):
            plugins.names()
