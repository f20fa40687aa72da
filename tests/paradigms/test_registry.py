"""recexp.paradigms.registry: every stage declares its function, needs, gives and checks in one entry."""

import subprocess
import sys

from recexp.paradigms.registry import STAGES, get_stage, resolve


def test_every_entry_names_callables():
    for name, stage in STAGES.items():
        assert callable(get_stage(name)), name
        for path in filter(None, (stage.check, stage.precheck)):
            assert callable(resolve(path)), path


def test_every_need_is_given_by_some_stage():
    given = {slot for stage in STAGES.values() for slot in stage.gives}
    assert {need for stage in STAGES.values() for need in stage.needs} <= given


def test_listing_and_checking_stages_imports_nothing_heavy():
    code = ("import sys\n"
            "from hydra import compose, initialize_config_dir\n"
            "from recexp.common.layout import CONF_DIR\n"
            "import recexp.config\n"
            "from recexp.paradigms.registry import STAGES\n"
            "from recexp.paradigms.stage_list import check_stage_list\n"
            "assert sorted(STAGES)\n"
            "for paradigm in ('mf', 'recone', 'reczero', 'distill_exp3rt'):\n"
            "    with initialize_config_dir(config_dir=str(CONF_DIR), version_base='1.3'):\n"
            "        check_stage_list(compose('config', overrides=[f'paradigm={paradigm}']))\n"
            "heavy = [m for m in ('torch', 'transformers', 'trl', 'pandas') if m in sys.modules]\n"
            "assert not heavy, heavy\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
