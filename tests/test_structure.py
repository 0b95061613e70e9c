"The package's shape (#28): the method never imports the paper kit, and `import gwpaper.gw` stays light."
import ast, subprocess, sys
from pathlib import Path

PKG = Path(__file__).parents[1]/"gwpaper"
METHOD = ["representations", "distances", "gw", "_engine", "subnetworks", "trust", "maps", "plots", "evaluate", "utils", "__init__"]
KIT = {"tasks", "models", "prune", "vision", "data", "finetune", "pipeline"}

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
    (tmp_path/"m.py").write_text("def f():\n    from gwpaper.data import load_sentiment\nfrom .models import x\n")
    assert imported_gwpaper_modules(tmp_path/"m.py") == {"data", "models"}

def test_importing_gw_loads_neither_papermill_nor_datasets():
    code = ("import sys, gwpaper.gw; from gwpaper import gw, layer_matrix; "
            "print(sorted(m for m in ('papermill', 'datasets', 'nbformat', 'transformers') if m in sys.modules))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[]", r.stdout
