"Every experiment notebook shows the committed paper figures it makes in its own markdown, so a reader sees them without running anything."
import re
from pathlib import Path
import nbformat, pytest

ROOT = Path(__file__).parents[1]
EXPERIMENTS = sorted((ROOT/"nbs").glob("[1-9]*.ipynb"))

def _saved_and_embedded(path):
    nb = nbformat.read(path, as_version=4)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    md = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    saved = set(re.findall(r'save_figure\([^,]+,\s*"([^"]+)"', code))
    embedded = set(re.findall(r"\]\(\.\./figures/([^)]+)\.png\)", md))
    return saved, embedded

@pytest.mark.parametrize("path", EXPERIMENTS, ids=lambda p: p.stem)
def test_figures_in_the_narrative(path):
    saved, embedded = _saved_and_embedded(path)
    assert saved, f"{path.name} saves no figure by name"
    assert saved <= embedded, f"{path.name} does not show {sorted(saved - embedded)} in its markdown"
    missing = [e for e in embedded if not (ROOT/"figures"/f"{e}.png").exists()]
    assert not missing, f"{path.name} embeds figures that are not committed: {missing}"
