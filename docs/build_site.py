"""`make docs`: build the static site into _site/, offline.

First executes the library notebooks that `make nbtest` has not run on this machine (their pages would have no outputs). Stages, under build/site-src/, the README (the landing page, with the tour and its outputs), every library notebook
as an API page (its narrative and examples, with the outputs of its last `make nbtest` run, build/executed-lib/, then
autodoc of its module: signatures and the Parameters tables that `gwpaper.utils.documented` builds from the docments), every experiment notebook as executed by the last `paper` run
(`make figures`, build/executed/) or else the last `quick` run (build/executed-quick/, what `make test` leaves),
labelled as such (the committed notebook's cells, with the outputs of that run wherever a cell is unchanged), the committed figures, and benchmarks/ and data/ READMEs. Then runs sphinx-build (myst-nb, furo).
"""
from __future__ import annotations
import argparse, datetime, hashlib, io, os, re, shutil, subprocess, sys, tarfile, time, urllib.request
from pathlib import Path
import nbformat
from readme import cell_text as _cell_text   # docs/readme.py: a code cell without its `#|` directives, as the README shows it

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT/"docs"
# MathJax 3 from the npm registry (reachable like PyPI), checksummed; only its self-contained SVG build is served
MATHJAX_URL = "https://registry.npmjs.org/mathjax/-/mathjax-3.2.2.tgz"
MATHJAX_SHA256 = "1b9c0a1c44df864e915690558e72adb9cc5203360daefd385084ced3b6c64c09"
MATHJAX_MEMBER = "package/es5/tex-svg.js"
EXTRA_PAGES = {"benchmarks/README.md": "The GW engine against POT: benchmarks", "data/README.md": "Offline data and models"}


def library_notebooks(nbs:Path)->list[tuple[Path, str]]:
    "(notebook, module) for every notebook that exports a module (`#| default_exp`), in file order."
    out = []
    for p in [*sorted(nbs.glob("0*.ipynb")), *sorted((nbs/"paper").glob("0*.ipynb"))]:   # the method, then the paper kit (nbs/paper/)
        first = nbformat.read(p, as_version=4).cells[0].source
        m = re.match(r"#\|\s*default_exp\s+(\S+)", first)
        if m: out.append((p, f"gwpaper.{m.group(1)}"))
    return out


def experiment_notebooks(nbs:Path)->list[Path]:
    return sorted(p for p in nbs.glob("[1-9]*.ipynb"))


def executed_copy(name:str, root:Path=ROOT)->tuple[Path|None, str|None, str|None]:
    "(executed notebook, its profile, when it finished) for `name`: the `paper` run's if there is one, else the `quick` run's."
    found = []
    for folder in (root/"build"/"executed", root/"build"/"executed-quick"):
        p = folder/name
        if not p.exists(): continue
        meta = nbformat.read(p, as_version=4).metadata.get("papermill", {})
        found.append((p, meta.get("parameters", {}).get("profile"), meta.get("end_time")))
    for want in ("paper", "quick"):
        for p, profile, end in found:
            if profile == want: return p, profile, end
    return None, None, None


def _stale(changed:int)->str:
    return (f" {changed} code cell{'s' if changed > 1 else ''} changed since that run and {'are' if changed > 1 else 'is'} shown without outputs."
            if changed else "")


def with_outputs(cells:list, ran:list)->int:
    """Give each code cell of `cells` the outputs of the cell of `ran` (an executed copy) with the same code, `#|` directives
    aside, and drop its directives. Returns how many code cells have no counterpart in `ran` (changed since that run)."""
    outputs = {_cell_text(c): c.get("outputs", []) for c in ran if c.cell_type == "code"}
    changed = 0
    for c in cells:
        if c.cell_type != "code": continue
        code = _cell_text(c)
        if ran and code not in outputs: changed += 1
        c.outputs = outputs.get(code, []); c.execution_count = None; c.source = code
    return changed


def run_label(profile:str|None, end:str|None, changed:int=0)->str:
    "The note at the top of an experiment page saying which run its outputs come from."
    when = f", finished {end[:16].replace('T', ' ')} UTC" if end else ""
    stale = _stale(changed)
    if profile == "paper":
        return (f":::{{note}}\nThe outputs on this page are those of the **paper** run (`make figures`){when}: "
                f"the run that drew the committed figures embedded in the text.{stale}\n:::")
    if profile == "quick":
        return (f":::{{note}}\nThe outputs on this page come from a **quick** run (`make test` or `make figures PROFILE=quick`){when}: "
                "a CI-sized run whose numbers and plots are *not* the paper's. The figures embedded in the text are the committed "
                f"`paper` figures; run `make figures` and `make docs` to see the paper run's outputs here.{stale}\n:::")
    return (":::{note}\nThis notebook has not been executed on this machine, so the page shows its code without outputs. "
            "The figures embedded in the text are the committed `paper` figures.\n:::")


def library_label(executed:Path|None, changed:int=0)->str:
    "The note at the top of a library page saying where its outputs come from."
    if executed is None:
        return (":::{note}\nThis notebook has not been executed on this machine, so the page shows its code without outputs; "
                "`make nbtest` (part of `make test`) runs it, then `make docs` shows them.\n:::")
    when = datetime.datetime.fromtimestamp(executed.stat().st_mtime, datetime.timezone.utc).strftime("%Y-%m-%d %H:%M")
    return (f":::{{note}}\nThe outputs on this page are those of this notebook's last test run (`make nbtest`, part of "
            f"`make test`), finished {when} UTC.{_stale(changed)}\n:::")


def shown_on_library_page(cell)->bool:
    "Every cell but the `#| hide` and `#| default_exp` ones."
    return not (cell.cell_type == "code" and re.search(r"^#\|\s*(hide|default_exp)", cell.source, re.M))


def stage_library(nb_path:Path, module:str, out:Path, root:Path=ROOT)->bool:
    """The notebook without its hidden cells and `#|` directives, its code cells with the outputs of the last
    `make nbtest` run (build/executed-lib/) where unchanged since, a note saying so, then an API reference of `module`.
    Returns whether an executed copy was found."""
    nb = nbformat.read(nb_path, as_version=4)
    executed = root/"build"/"executed-lib"/nb_path.name
    executed = executed if executed.exists() else None
    cells = [c for c in nb.cells if shown_on_library_page(c)]
    changed = with_outputs(cells, nbformat.read(executed, as_version=4).cells if executed else [])
    first_md = next(i for i, c in enumerate(cells) if c.cell_type == "markdown")
    cells.insert(first_md + 1, nbformat.v4.new_markdown_cell(library_label(executed, changed)))
    extra = "\n   :ignore-module-all:" if module == "gwpaper.__init__" else ""   # its __all__ names objects documented on their own pages
    cells.append(nbformat.v4.new_markdown_cell(f"## API reference: `{module}`\n\n```{{eval-rst}}\n.. automodule:: {module}\n   :members:{extra}\n```"))
    nb.cells = cells
    nbformat.write(nb, out)
    return executed is not None


def stage_experiment(nb_path:Path, out:Path, root:Path=ROOT)->str|None:
    """The committed notebook, each code cell with the outputs it had in the last run (paper, else quick) when its source is
    unchanged since, and a note saying which run that was. Returns the run's profile (None: never executed)."""
    src, profile, end = executed_copy(nb_path.name, root)
    nb = nbformat.read(nb_path, as_version=4)
    ran = nbformat.read(src, as_version=4).cells if src else []
    injected = [c for c in ran if "injected-parameters" in c.metadata.get("tags", [])]
    changed = with_outputs(nb.cells, ran)
    cells = []
    for c in nb.cells:
        cells.append(c)
        if "parameters" in c.metadata.get("tags", []): cells += injected    # the values this run used
    first_md = next(i for i, c in enumerate(cells) if c.cell_type == "markdown")
    cells.insert(first_md + 1, nbformat.v4.new_markdown_cell(run_label(profile, end, changed)))
    nb.cells = cells
    nbformat.write(nb, out)
    return profile


def mathjax(cache:Path)->bytes:
    "MathJax's tex-svg.js, from a checksummed copy of the npm tarball in `cache` (downloaded once)."
    tgz = cache/"mathjax-3.2.2.tgz"
    if not tgz.exists() or hashlib.sha256(tgz.read_bytes()).hexdigest() != MATHJAX_SHA256:
        cache.mkdir(parents=True, exist_ok=True)
        data = urllib.request.urlopen(MATHJAX_URL, timeout=60).read()
        if hashlib.sha256(data).hexdigest() != MATHJAX_SHA256:
            raise SystemExit(f"{MATHJAX_URL}: checksum mismatch; refusing to serve it")
        tmp = tgz.with_suffix(".part"); tmp.write_bytes(data); tmp.replace(tgz)
    with tarfile.open(tgz) as t: return t.extractfile(MATHJAX_MEMBER).read()


def index_page(readme:str, libs:list[tuple[Path, str]], exps:list[Path])->str:
    "README.md as the landing page, with the site's table of contents."
    toc = lambda caption, docs: f"\n```{{toctree}}\n:caption: {caption}\n:maxdepth: 1\n\n" + "\n".join(docs) + "\n```\n"
    return (readme + "\n\n## This site\n\nEvery notebook of the repository, rendered: the library notebooks as API pages "
            "(narrative, examples with the outputs of their last test run, then signatures with their parameter tables), and the experiment notebooks with the outputs "
            "of their last run (each page says which).\n"
            + toc("Experiments", [f"nbs/{p.stem}" for p in exps])
            + toc("Library: the method", [f"nbs/{p.stem}" for p, m in libs if not m.startswith("gwpaper.paper.")])
            + toc("Library: the paper kit (gwpaper.paper)", [f"nbs/{p.stem}" for p, m in libs if m.startswith("gwpaper.paper.")])
            + toc("More", [k.removesuffix(".md") for k in EXTRA_PAGES]))


def stage(src:Path, root:Path=ROOT)->dict:
    "Everything sphinx-build needs, in `src`. Returns {experiment notebook: the profile of the run it shows}."
    if src.exists(): shutil.rmtree(src)
    (src/"nbs").mkdir(parents=True)
    shutil.copy(DOCS/"conf.py", src/"conf.py")
    shutil.copytree(DOCS/"_static", src/"_static")
    (src/"_static"/"mathjax").mkdir()
    (src/"_static"/"mathjax"/"tex-svg.js").write_bytes(mathjax(root/"data"/"cache"/"site"))
    shutil.copytree(root/"figures", src/"figures", ignore=shutil.ignore_patterns("*.pdf", "*.csv"))
    libs, exps = library_notebooks(root/"nbs"), experiment_notebooks(root/"nbs")
    ran = [stage_library(p, module, src/"nbs"/p.name, root) for p, module in libs]
    print(f"  library notebooks: {sum(ran)} of {len(ran)} with the outputs of their last make nbtest run")
    profiles = {p.name: stage_experiment(p, src/"nbs"/p.name, root) for p in exps}
    readme = (root/"README.md").read_text()
    (src/"index.md").write_text(index_page(readme, libs, exps))
    for rel in EXTRA_PAGES:
        (src/rel).parent.mkdir(parents=True, exist_ok=True); shutil.copy(root/rel, src/rel)
    return profiles


def execute_missing_library_notebooks(root:Path=ROOT)->list[str]:
    """Run `make nbtest`'s runner (docs/nbtest.py) on the library notebooks that have no executed copy in build/executed-lib/,
    so that a fresh `make docs` never shows library pages without outputs. Returns the notebooks it ran."""
    missing = [p.name for p, _ in library_notebooks(root/"nbs") if not (root/"build"/"executed-lib"/p.name).exists()]
    if not missing: return []
    print(f"  executing {len(missing)} library notebook{'s' if len(missing) > 1 else ''} with no executed copy yet (as `make nbtest` does): {', '.join(missing)}")
    file_re = "^(" + "|".join(re.escape(m) for m in missing) + ")$"
    subprocess.run([sys.executable, str(DOCS/"nbtest.py"), "--path", str(root/"nbs"), "--file_re", file_re], check=True, cwd=root,
                   env={**os.environ, "MPLBACKEND": "Agg", "GWPAPER_FIGURES": str(root/"build"/"figures")})
    return missing


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(ROOT/"_site"), help="where the site goes (default: _site/)")
    a = ap.parse_args(argv)
    t = time.time()
    src, doctrees, out = ROOT/"build"/"site-src", ROOT/"build"/"site-doctrees", Path(a.out)
    execute_missing_library_notebooks()
    profiles = stage(src)
    for name, profile in profiles.items(): print(f"  {name}: {profile or 'not executed'} run")
    # built under build/site/ and then moved: myst-nb writes the notebooks' output files next to the build folder (not configurable)
    html = ROOT/"build"/"site"/"html"
    if html.exists(): shutil.rmtree(html)
    # -W --keep-going: any Sphinx warning or docutils error (e.g. a docstring that is not valid reST) fails the build, after reporting them all
    subprocess.run([sys.executable, "-m", "sphinx", "-b", "html", "-q", "-W", "--keep-going", "-d", str(doctrees), "-j", "auto", str(src), str(html)],
                   check=True, env={**os.environ, "MPLBACKEND": "Agg"})
    if out.exists(): shutil.rmtree(out)
    shutil.move(html, out)
    print(f"make docs: site in {out}/ ({time.time() - t:.0f} s); open {out}/index.html, or serve it: python -m http.server -d {out.name}")


if __name__ == "__main__":
    main()
