"""What a user who installs only the method gets (`pip install gwpaper`, no `[paper]` extra): run in a venv that holds the
core requirements alone (`make check-core` builds one), this checks that the paper kit's requirements are absent, that
`import gwpaper.gw` works without them, and runs the README tour (`nbs/index.ipynb`) cell by cell, `layer_map` on torch
models included. Cells that read the paper's corpora (`gwpaper.paper.data`, `--dataset`) need the kit and are skipped by
name; the check fails if any other cell fails, or if it skipped more than those.
"""
from __future__ import annotations
import importlib.util, json, os, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KIT_REQUIREMENTS = ("papermill", "datasets", "nbformat", "ipykernel")
NEEDS_KIT = ("gwpaper.paper", "--dataset", "enc_map", "cli.stdout")   # the tour's corpus cells and the asserts on them


def main() -> int:
    present = [m for m in KIT_REQUIREMENTS if importlib.util.find_spec(m) is not None]
    if present: raise SystemExit(f"not a core-only venv: {present} are installed")
    import gwpaper.gw                                      # noqa: F401  the method imports without the kit
    assert not [m for m in KIT_REQUIREMENTS if m in sys.modules]
    cells = [c for c in json.loads((ROOT/"nbs"/"index.ipynb").read_text())["cells"] if c["cell_type"] == "code"]
    os.chdir(ROOT/"nbs"); os.environ.setdefault("GWPAPER_FIGURES", str(ROOT/"build"/"core-check-figures"))
    ns, ran, skipped = {"__name__": "__main__"}, 0, []
    for i, c in enumerate(cells):
        src = "".join(c["source"])
        if any(k in src for k in NEEDS_KIT): skipped.append(i); continue
        exec(compile("\n".join(l for l in src.splitlines() if not l.lstrip().startswith("#|")), f"index.ipynb cell {i}", "exec"), ns)
        ran += 1
    assert ran >= 10 and len(skipped) <= 4, (ran, skipped)
    assert "tour" in ns and "cnn_map" in ns                # layer_map on the MLP and on the CNN
    print(f"core-only venv: gwpaper {gwpaper.__version__} imports without {', '.join(KIT_REQUIREMENTS)}; "
          f"the README tour ran {ran} cells (layer_map on an MLP and a CNN), skipped {len(skipped)} that read the paper's corpora")
    return 0


if __name__ == "__main__":
    sys.exit(main())
