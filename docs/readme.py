"""README.md from nbs/index.ipynb: the markdown as written, code cells without their `#|` directives (`#| hide` cells left
out), and their text outputs, with `../` links made repository-relative.

nbdev's own `nbdev_readme` needs the Quarto binary, which cannot be installed offline, so this does the same job for what an
index notebook holds. `make readme` executes the index first and then runs this (as `gwpaper readme` does in a checkout);
`docs/build_site.py` uses `cell_text` to match a notebook's cells with their executed copies.
"""
from __future__ import annotations
import argparse, sys
from pathlib import Path
import nbformat

ROOT = Path(__file__).resolve().parents[1]


def cell_text(cell) -> str:
    "A code cell's source without its `#|` directive lines."
    return "\n".join(l for l in cell.source.splitlines() if not l.lstrip().startswith("#|")).strip()


def output_text(cell, max_lines: int = 30) -> str:
    "A code cell's text outputs (streams, and plain text where no image or HTML stands for it), at most `max_lines` lines."
    parts = []
    for o in cell.get("outputs", []):
        if o.get("output_type") == "stream": parts.append(o.get("text", ""))
        elif "text/plain" in o.get("data", {}) and not {"image/png", "text/html"} & set(o["data"]): parts.append(o["data"]["text/plain"])
        elif "text/html" in o.get("data", {}) and "text/plain" in o["data"]: parts.append(o["data"]["text/plain"])
    lines = "".join(p if p.endswith("\n") else p + "\n" for p in parts).rstrip("\n").splitlines()
    if len(lines) > max_lines: lines = lines[:max_lines] + ["..."]
    return "\n".join(lines)


def render_readme(nb_path: str | Path, out_path: str | Path) -> Path:
    "Render an (executed) index notebook to Markdown at `out_path`."
    nb = nbformat.read(nb_path, as_version=4); md = []
    for c in nb.cells:
        if c.cell_type == "markdown": md.append(c.source.replace("](../", "]("))
        elif c.cell_type == "code":
            if any(l.strip().startswith(("#| hide", "#|hide")) for l in c.source.splitlines()): continue
            code = cell_text(c)
            if code: md.append(f"```python\n{code}\n```")
            out = output_text(c)
            if out: md.append(f"```\n{out}\n```")
    out_path = Path(out_path); out_path.write_text("\n\n".join(md) + "\n")
    return out_path


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nb", type=Path, default=ROOT/"nbs"/"index.ipynb", help="the index notebook (default: nbs/index.ipynb)")
    ap.add_argument("--out", type=Path, default=ROOT/"README.md", help="where the Markdown goes (default: README.md)")
    a = ap.parse_args(argv)
    print(f"wrote {render_readme(a.nb, a.out)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
