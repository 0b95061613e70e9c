"The package's shape (#28): the method never imports the paper kit, `import gwpaper.gw` stays light, no module imports another's private names, modules and solver functions stay small, and public functions take their options by keyword."
import ast, subprocess, sys
from pathlib import Path

PKG = Path(__file__).parents[1]/"gwpaper"
METHOD = ["representations", "encoders", "distances", "gw", "_solver", "_pairs", "_bounds", "subnetworks", "trust", "maps", "compare", "plots", "evaluate", "utils", "__init__"]
KIT = {"paper"}   # gwpaper.paper: tasks, models, prune, vision, data, finetune, pipeline

def imported_gwpaper_modules(path:Path)->set[str]:
    "Every gwpaper module `path` imports, at the top or inside a function (absolute or relative)."
    out = set()
    for n in ast.walk(ast.parse(path.read_text())):
        if isinstance(n, ast.ImportFrom):
            mod = n.module or ""
            if n.level: out |= {mod.split(".")[0]} if mod else {a.name for a in n.names}
            elif mod.startswith("gwpaper."): out.add(mod.split(".")[1])
            elif mod == "gwpaper": out |= {a.name for a in n.names}
        elif isinstance(n, ast.Import):
            out |= {a.name.split(".")[1] for a in n.names if a.name.startswith("gwpaper.")}
    return out

def test_the_method_never_imports_the_paper_kit():
    for name in METHOD:
        assert not imported_gwpaper_modules(PKG/f"{name}.py") & KIT, (name, imported_gwpaper_modules(PKG/f"{name}.py") & KIT)

def test_the_import_check_can_fail(tmp_path):
    (tmp_path/"m.py").write_text("def f():\n    from gwpaper.paper.data import load_sentiment\nfrom .paper.models import x\nfrom .gw import gw\n")
    assert imported_gwpaper_modules(tmp_path/"m.py") == {"paper", "gw"}

def test_importing_gw_loads_neither_papermill_nor_datasets():
    code = ("import sys, gwpaper.gw; from gwpaper import gw, layer_matrix; "
            "print(sorted(m for m in ('papermill', 'datasets', 'nbformat', 'transformers') if m in sys.modules))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[]", r.stdout

def modules()->list[Path]:
    "Every module of the package (nbdev's generated `_modidx` index aside)."
    return [p for p in sorted(PKG.rglob("*.py")) if p.name != "_modidx.py"]

def private_imports(path:Path)->list[str]:
    "Each `from gwpaper... import _name` (or relative) in `path`: a module reaching into another's private names."
    out = []
    for n in ast.walk(ast.parse(path.read_text())):
        if isinstance(n, ast.ImportFrom) and (n.level or (n.module or "").startswith("gwpaper")):
            out += [f"{n.module}.{a.name}" for a in n.names if a.name.startswith("_") and a.name != "__version__"]
    return out

def test_no_module_imports_private_names_of_another():
    bad = {p.name: private_imports(p) for p in modules() if private_imports(p)}
    assert not bad, bad

def test_the_private_import_check_can_fail(tmp_path):
    (tmp_path/"m.py").write_text("from gwpaper._solver import frank_wolfe, _secret\nfrom .gw import (gw,\n    _gw_prepared)\n")
    assert private_imports(tmp_path/"m.py") == ["gwpaper._solver._secret", "gw._gw_prepared"]

def test_no_module_over_400_lines():
    long = {str(p.relative_to(PKG)): n for p in modules() if (n := len(p.read_text().splitlines())) > 400}
    assert not long, long

def long_functions(path:Path, limit:int=50)->dict[str, int]:
    "Functions and methods in `path` longer than `limit` lines (decorators and docstrings included)."
    return {n.name: n.end_lineno - n.lineno + 1 for n in ast.walk(ast.parse(path.read_text()))
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.end_lineno - n.lineno + 1 > limit}

def test_no_solver_function_over_50_lines():
    for name in ("_solver", "_bounds"):
        assert not long_functions(PKG/f"{name}.py"), (name, long_functions(PKG/f"{name}.py"))

def test_the_length_checks_can_fail(tmp_path):
    (tmp_path/"m.py").write_text("def f():\n" + "    x = 1\n"*60)
    assert long_functions(tmp_path/"m.py") == {"f": 61}

PUBLIC = ["representations", "encoders", "distances", "gw", "subnetworks", "trust", "maps", "compare", "plots", "evaluate"]
DATA_WITH_DEFAULTS = {"gw.second_lower_bound": "p, q: the two measures (None: uniform)",
                      "trust.trust_report": "reps, diagnostics: what is resampled and flagged (None: not done)"}

def positional_options(fn)->list[str]:
    "Parameters of `fn` with a default that can still be passed by position, after the first such one (its main option: a metric, k, pooling)."
    import inspect
    ps = [P for P in inspect.signature(fn).parameters.values() if P.kind == P.POSITIONAL_OR_KEYWORD and P.default is not P.empty]
    return [P.name for P in ps[1:]]

def test_public_functions_take_their_options_by_keyword():
    import importlib, inspect
    from gwpaper.utils import PositionalArgumentWarning
    offenders = {}
    for name in PUBLIC:
        m = importlib.import_module(f"gwpaper.{name}")
        for attr in m.__all__:
            f = getattr(m, attr)
            if inspect.isfunction(f) and f.__module__ == m.__name__ and positional_options(f) and f"{name}.{attr}" not in DATA_WITH_DEFAULTS: offenders[f"{name}.{attr}"] = positional_options(f)
    assert not offenders, offenders

def test_the_keyword_check_can_fail():
    def f(a, metric="gw", normalize="mean", *, seed=0): ...
    def g(a, metric="gw", *, normalize="mean", seed=0): ...
    assert positional_options(f) == ["normalize"] and positional_options(g) == []

def test_an_old_positional_call_still_works_with_a_warning():
    import numpy as np, pytest
    from gwpaper.gw import layer_matrix
    from gwpaper.utils import PositionalArgumentWarning
    reps = [np.random.default_rng(i).normal(size=(12, 3)) for i in range(3)]
    new = layer_matrix(reps, "cka", labels=list("abc"), progress=False)
    with pytest.warns(PositionalArgumentWarning, match="pass labels by keyword"):
        old = layer_matrix(reps, "cka", list("abc"), progress=False)
    assert old.labels == new.labels == list("abc") and np.array_equal(old.values, new.values)
