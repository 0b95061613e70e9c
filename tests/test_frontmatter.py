"Experiment notebooks are run by the pipeline (papermill), never by nbdev_test: each must carry a frontmatter that nbdev reads as skip_exec."
from pathlib import Path
import pytest
from nbdev.process import NBProcessor
from nbdev.frontmatter import FrontmatterProc

NBS = Path(__file__).parents[1]/"nbs"
EXPERIMENTS = sorted(p for p in NBS.glob("[1-9]*.ipynb"))

def test_there_are_experiment_notebooks(): assert len(EXPERIMENTS) >= 4

@pytest.mark.parametrize("path", EXPERIMENTS, ids=lambda p: p.name)
def test_experiment_notebook_is_skipped_by_nbdev_test(path):
    fm = getattr(NBProcessor(path, procs=FrontmatterProc, process=True).nb, "frontmatter_", {})
    assert fm.get("skip_exec") is True, f"{path.name}: nbdev reads frontmatter {fm}; a '- key: value' line elsewhere in the first markdown cell breaks it"
