"The docs site's staging (docs/build_site.py) and the browser check's own logic (docs/check_site.py), on small fixtures (#17)."
import json, os, shutil, sys
from pathlib import Path
import nbformat, pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT/"docs"))
import build_site, check_site


def _experiment(folder:Path, name="10_demo.ipynb")->Path:
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell('profile = "quick"'); params.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell("# Demo"), params,
                nbformat.v4.new_code_cell("#| hide\nx = 1"), nbformat.v4.new_code_cell("print(2)")]
    folder.mkdir(parents=True, exist_ok=True); nbformat.write(nb, folder/name); return folder/name


def _executed(root:Path, src:Path, profile:str, folder:str, changed:bool=False):
    nb = nbformat.read(src, as_version=4)
    injected = nbformat.v4.new_code_cell(f'profile = "{profile}"'); injected.metadata["tags"] = ["injected-parameters"]
    nb.cells.insert(2, injected)
    nb.cells[-1].outputs = [nbformat.v4.new_output("stream", name="stdout", text=f"2 from {profile}\n")]
    if changed: nb.cells[-1].source = "print(3)"
    nb.metadata["papermill"] = {"parameters": {"profile": profile}, "end_time": "2026-11-26T05:00:00.000000"}
    (root/"build"/folder).mkdir(parents=True, exist_ok=True); nbformat.write(nb, root/"build"/folder/src.name)


def test_experiment_pages_prefer_the_paper_run_and_say_which_run_they_show(tmp_path):
    src = _experiment(tmp_path/"nbs")
    out = tmp_path/"out.ipynb"
    assert build_site.stage_experiment(src, out, tmp_path) is None
    assert "has not been executed" in nbformat.read(out, 4).cells[1].source
    _executed(tmp_path, src, "quick", "executed-quick")
    assert build_site.stage_experiment(src, out, tmp_path) == "quick"
    nb = nbformat.read(out, 4)
    assert "**quick** run" in nb.cells[1].source and "2026-11-26 05:00" in nb.cells[1].source
    assert nb.cells[-1].outputs[0]["text"] == "2 from quick\n"
    assert any(c.source == 'profile = "quick"' and "injected-parameters" in c.metadata.get("tags", []) for c in nb.cells)
    assert all(not c.source.startswith("#|") for c in nb.cells if c.cell_type == "code")
    _executed(tmp_path, src, "paper", "executed")
    assert build_site.stage_experiment(src, out, tmp_path) == "paper"
    assert nbformat.read(out, 4).cells[-1].outputs[0]["text"] == "2 from paper\n"


def test_a_cell_changed_since_the_run_shows_no_stale_output(tmp_path):
    src = _experiment(tmp_path/"nbs")
    _executed(tmp_path, src, "paper", "executed", changed=True)
    out = tmp_path/"out.ipynb"; build_site.stage_experiment(src, out, tmp_path)
    nb = nbformat.read(out, 4)
    assert nb.cells[-1].outputs == [] and "1 code cell changed since that run" in nb.cells[1].source


def test_library_pages_drop_hidden_cells_and_end_with_the_api_reference(tmp_path):
    src = ROOT/"nbs"/"02_gw.ipynb"; out = tmp_path/"02_gw.ipynb"
    build_site.stage_library(src, "gwpaper.gw", out)
    cells = nbformat.read(out, 4).cells
    assert not any("#| hide" in c.source or "default_exp" in c.source for c in cells)
    assert ".. automodule:: gwpaper.gw" in cells[-1].source
    libs = [(p.relative_to(ROOT).as_posix(), m) for p, m in build_site.library_notebooks(ROOT/"nbs")]
    assert ("nbs/02_gw.ipynb", "gwpaper.gw") in libs and ("nbs/paper/07_models.ipynb", "gwpaper.paper.models") in libs


def test_library_pages_show_the_outputs_of_the_last_nbtest_run(tmp_path):
    src = ROOT/"nbs"/"02_gw.ipynb"; out = tmp_path/"02_gw.ipynb"
    assert build_site.stage_library(src, "gwpaper.gw", out, tmp_path) is False
    assert "has not been executed" in nbformat.read(out, 4).cells[1].source
    # an executed copy as docs/nbtest.py writes it: nbdev drops the `#|` lines; one cell has changed since
    ran = nbformat.read(src, 4)
    code = [c for c in ran.cells if c.cell_type == "code" and build_site.shown_on_library_page(c)]
    for c in code: c.source = build_site._cell_text(c)
    code[0].outputs = [nbformat.v4.new_output("stream", name="stdout", text="first cell ran\n")]
    code[-1].source += "\nprint('edited since')"
    (tmp_path/"build"/"executed-lib").mkdir(parents=True); nbformat.write(ran, tmp_path/"build"/"executed-lib"/src.name)
    assert build_site.stage_library(src, "gwpaper.gw", out, tmp_path) is True
    cells = nbformat.read(out, 4).cells
    note = next(c.source for c in cells if c.cell_type == "markdown" and "make nbtest" in c.source)
    assert "last test run" in note and "1 code cell changed since that run" in note
    shown = [c for c in cells if c.cell_type == "code"]
    assert shown[0].outputs[0]["text"] == "first cell ran\n" and shown[-1].outputs == []
    assert not any(c.source.lstrip().startswith("#|") for c in shown)


def test_nbtest_keeps_what_it_executed(tmp_path, monkeypatch):
    import nbtest
    monkeypatch.setattr(nbtest, "EXECUTED", tmp_path/"executed-lib")
    nb = nbformat.v4.new_notebook(); nb.cells = [nbformat.v4.new_code_cell("print(6*7)")]
    nbformat.write(nb, tmp_path/"demo.ipynb")
    from execnb.nbio import read_nb
    ran = read_nb(tmp_path/"demo.ipynb")
    nbtest.KeepingShell(tmp_path/"demo.ipynb").run_all(ran)
    kept_path = tmp_path/"executed-lib"/"demo.ipynb"; os.utime(kept_path, (0, 0))
    nbtest.KeepingShell(tmp_path/"demo.ipynb").run_all(read_nb(tmp_path/"demo.ipynb"))
    assert kept_path.stat().st_mtime > 0          # a rerun with the same outputs still dates the copy
    kept = nbformat.read(kept_path, 4)
    nbformat.validate(kept)
    assert "".join(kept.cells[0].outputs[0]["text"]) == "42\n"


def _site(tmp_path:Path, body:str)->Path:
    site = tmp_path/"site"; (site/"sub").mkdir(parents=True)
    (site/"index.html").write_text(f'<html><body><h1 id="top">x</h1>{body}</body></html>')
    (site/"sub"/"page.html").write_text('<html><body><p id="here">y</p><a href="../index.html#top">up</a></body></html>')
    return site


def test_link_check_passes_good_links_and_names_each_broken_one(tmp_path):
    good = _site(tmp_path/"a", '<a href="sub/page.html#here">p</a><a href="#top">t</a><a href="https://example.org/x">ext</a>')
    assert check_site.broken_links(good) == []
    bad = _site(tmp_path/"b", '<a href="sub/missing.html">m</a><a href="sub/page.html#nowhere">n</a>')
    problems = check_site.broken_links(bad)
    assert len(problems) == 2 and "no such file" in problems[0] and "no #nowhere" in problems[1]


def test_browser_check_must_run_under_ci_and_skips_elsewhere_saying_why(monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(check_site.shutil, "which", lambda name: None)
    monkeypatch.setenv("CI", "true")
    assert check_site.main(["--site", str(tmp_path)]) == 1
    assert "must run under CI=true" in capsys.readouterr().out
    monkeypatch.delenv("CI")
    assert check_site.main(["--site", str(tmp_path)]) == 0
    assert "SKIPPED" in capsys.readouterr().out


@pytest.mark.skipif(not (shutil.which("chromium") and shutil.which("chromedriver")), reason="needs Debian's chromium and chromium-driver")
def test_browser_check_catches_a_missing_image_and_a_console_error(tmp_path):
    site = _site(tmp_path, '<img src="nope.png"><script>console.error("boom")</script>')
    srv, base = check_site.serve(site); driver = check_site.browser()
    try: problems, n = check_site.check_page(driver, base + "index.html")
    finally: driver.quit(); srv.shutdown()
    assert n == 1
    assert any("nope.png" in p and "naturalWidth 0" in p for p in problems)
    assert any("boom" in p for p in problems)


def test_docs_execute_the_library_notebooks_that_have_no_executed_copy(tmp_path, monkeypatch):
    "#27: a fresh `make docs` runs nbtest's runner on exactly the library notebooks with no executed copy, and none when all have one."
    for name in ("00_alpha.ipynb", "01_beta.ipynb"):
        nb = nbformat.v4.new_notebook(); nb.cells = [nbformat.v4.new_code_cell(f"#| default_exp {name[3:-6]}")]
        (tmp_path/"nbs").mkdir(exist_ok=True); nbformat.write(nb, tmp_path/"nbs"/name)
    (tmp_path/"build"/"executed-lib").mkdir(parents=True); (tmp_path/"build"/"executed-lib"/"01_beta.ipynb").touch()
    runs = []
    monkeypatch.setattr(build_site.subprocess, "run", lambda cmd, **kw: runs.append(cmd))
    assert build_site.execute_missing_library_notebooks(tmp_path) == ["00_alpha.ipynb"]
    assert len(runs) == 1 and runs[0][1].endswith("nbtest.py") and runs[0][-2:] == ["--file_re", r"^(00_alpha\.ipynb)$"]
    (tmp_path/"build"/"executed-lib"/"00_alpha.ipynb").touch()
    assert build_site.execute_missing_library_notebooks(tmp_path) == [] and len(runs) == 1


def test_the_readme_renderer_keeps_what_the_index_shows(tmp_path):
    "docs/readme.py: markdown with repo-relative links, code without `#|` lines, text outputs; `#| hide` cells left out."
    import readme
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# T\n![x](../figures/a.png)"),
        nbformat.v4.new_code_cell("#| hide\nsecret = 1"), nbformat.v4.new_code_cell("#| eval: false\nprint(2)",
        outputs=[nbformat.v4.new_output("stream", name="stdout", text="2\n")])])
    nbformat.write(nb, tmp_path/"i.ipynb")
    assert readme.render_readme(tmp_path/"i.ipynb", tmp_path/"R.md").read_text() == "# T\n![x](figures/a.png)\n\n```python\nprint(2)\n```\n\n```\n2\n```\n"
