"Every results table in an experiment notebook is what its committed CSV renders, and the check catches one changed number."
import shutil
from pathlib import Path
import nbformat, pandas as pd, pytest
from gwpaper.paper.tables import TABLE_RE, parse_spec, stale_tables

ROOT = Path(__file__).parents[1]
EXPERIMENTS = sorted((ROOT/"nbs").glob("[1-9]*.ipynb"))

def _specs(path):
    nb = nbformat.read(path, as_version=4)
    return [parse_spec(m.group("spec")) for c in nb.cells if c.cell_type == "markdown" for m in TABLE_RE.finditer(c.source)]

@pytest.mark.parametrize("path", EXPERIMENTS, ids=lambda p: p.stem)
def test_committed_tables_match_their_csvs(path):
    stale = stale_tables(path, ROOT/"figures")
    assert not stale, f"{path.name}: tables {stale} differ from what figures/ renders; a paper run fills them (gwpaper notebooks --profile paper --only {path.stem[:2]})"

def test_changing_one_csv_number_is_caught(tmp_path):
    with_tables = [(p, s) for p in EXPERIMENTS for s in _specs(p)]
    assert with_tables, "no experiment notebook has a rendered table"
    path, spec = with_tables[0]
    figures = tmp_path/"figures"; shutil.copytree(ROOT/"figures", figures, ignore=shutil.ignore_patterns("*.png", "*.pdf"))
    assert stale_tables(path, figures) == []
    df = pd.read_csv(figures/f"{spec.name}.csv")
    col = next(c for c in (spec.cols or df.columns) if c not in (spec.by or []) and pd.api.types.is_float_dtype(df[c]) and df[c].notna().any())
    i = df[col].first_valid_index(); df.loc[i, col] = df.loc[i, col] + 0.5
    df.to_csv(figures/f"{spec.name}.csv", index=False)
    assert spec.name in stale_tables(path, figures)

RUN_HISTORY = r"earlier engine|previous engine|the run before|a rerun of the committed|cache of (?:an|the) earlier|earlier paper run|engine of 20\d\d|in an earlier version"

@pytest.mark.parametrize("path", EXPERIMENTS + [ROOT/"README.md"], ids=lambda p: p.stem)
def test_no_run_history(path):
    import re
    text = path.read_text() if path.suffix == ".md" else "\n".join(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "markdown")
    hits = sorted({m.group(0) for m in re.finditer(RUN_HISTORY, text, re.I)})
    assert not hits, f"{path.name} tells a run history ({hits}); one generated provenance line says where its numbers come from"
