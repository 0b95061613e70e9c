"The papermill pipeline: parameters injected, figures + CSV written, first failure named, empty case."
import subprocess, sys
from pathlib import Path
import nbformat, pandas as pd

FIX = Path(__file__).parent/"fixtures"

def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "gwpaper", "notebooks", *args], capture_output=True, text=True, cwd=cwd, timeout=600)

def test_parameters_injected_and_figure_written(tmp_path):
    r = run("--profile", "paper", "--nbs-dir", str(FIX/"nbs"), "--out-dir", str(tmp_path/"exec"), "--figures", str(tmp_path/"fig"))
    assert r.returncode == 0, r.stdout + r.stderr
    for ext in ("png", "pdf", "csv"): assert (tmp_path/"fig"/f"10_fixture_paper.{ext}").stat().st_size > 0
    data = pd.read_csv(tmp_path/"fig"/"10_fixture_paper.csv")
    assert list(data.profile.unique()) == ["paper"] and len(data) == 5
    nb = nbformat.read(tmp_path/"exec"/"10_fixture.ipynb", as_version=4)
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1 and 'profile = "paper"' in injected[0].source
    assert not list((tmp_path/"fig").glob("*quick*"))

def test_first_failure_is_named_and_stops(tmp_path):
    r = run("--profile", "quick", "--nbs-dir", str(FIX/"failing"), "--out-dir", str(tmp_path/"exec"), "--figures", str(tmp_path/"fig"))
    assert r.returncode == 1
    assert "10_boom.ipynb failed in cell" in r.stderr and "ZeroDivisionError" in r.stderr and "planted failure in quick" in r.stderr
    assert not (tmp_path/"fig"/"20_should_not_exist.csv").exists()
    assert not (tmp_path/"exec"/"20_after.ipynb").exists()

def test_no_notebooks_or_unknown_only_is_an_error(tmp_path):
    r = run("--profile", "quick", "--nbs-dir", str(tmp_path), "--out-dir", str(tmp_path/"e"), "--figures", str(tmp_path/"f"))
    assert r.returncode == 2 and "no experiment notebooks" in r.stderr
    r = run("--profile", "quick", "--nbs-dir", str(tmp_path/"nope"))
    assert r.returncode == 2 and "does not exist" in r.stderr
    r = run("--profile", "quick", "--nbs-dir", str(FIX/"nbs"), "--only", "99", "--out-dir", str(tmp_path/"e"))
    assert r.returncode == 2 and "--only 99 matches no notebook" in r.stderr

def test_experiment_notebooks_have_one_parameters_cell_defaulting_to_quick():
    from gwpaper.paper.pipeline import experiment_notebooks, check_parameters_cell
    root = Path(__file__).parents[1]
    for p in experiment_notebooks(root/"nbs") + experiment_notebooks(FIX/"nbs"):
        check_parameters_cell(p)
        nb = nbformat.read(p, as_version=4)
        params = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
        assert 'profile = "quick"' in params.source, p
        assert not any(c.get("outputs") for c in nb.cells if c.cell_type == "code"), f"{p} is committed with outputs"
        assert "- skip_exec: true" in nb.cells[0].source, f"{p}: nbdev_test must skip it (skip_exec front matter); the pipeline runs it"

def test_executed_notebooks_keep_their_figures_whatever_mplbackend(tmp_path):
    import os
    env = {**os.environ, "MPLBACKEND": "Agg"}          # what the Makefile exports; the kernels must still show plots
    r = subprocess.run([sys.executable, "-m", "gwpaper", "notebooks", "--profile", "quick", "--nbs-dir", str(FIX/"nbs"), "--out-dir", str(tmp_path/"exec"),
                        "--figures", str(tmp_path/"fig")], capture_output=True, text=True, env=env, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    nb = nbformat.read(tmp_path/"exec"/"10_fixture.ipynb", as_version=4)
    assert any("image/png" in o.get("data", {}) for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))


def test_old_entry_points_are_gone_and_say_what_replaced_them():
    "#28: one command line; `python -m gwpaper.pipeline` and `python -m gwpaper.data` stop with the command that replaced them."
    for module, instead in (("gwpaper.pipeline", "use `gwpaper notebooks --profile"), ("gwpaper.data", "use `gwpaper data fetch`")):
        r = subprocess.run([sys.executable, "-m", module, "fetch"], capture_output=True, text=True, timeout=120)
        assert r.returncode == 1 and f"python -m {module} is gone: {instead}" in r.stderr, r.stderr

def test_the_kit_keeps_its_old_module_names():
    "#28: the paper kit moved to gwpaper.paper; `import gwpaper.models` and `from gwpaper.data import ...` give the same modules."
    import gwpaper.models, gwpaper.paper.models, gwpaper.paper.data
    from gwpaper.data import load_sentiment
    from gwpaper.pipeline import run_pipeline
    import gwpaper.paper.pipeline
    assert gwpaper.models is gwpaper.paper.models and load_sentiment is gwpaper.paper.data.load_sentiment
    assert run_pipeline is gwpaper.paper.pipeline.run_pipeline

def test_notebooks_needs_a_profile():
    r = run("--only", "10")
    assert r.returncode == 2 and "the following arguments are required: --profile" in r.stderr
