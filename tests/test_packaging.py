"Project files agree with each other: environment.yml mirrors settings.ini, the Makefile pins torch."
import configparser, re
from pathlib import Path
import yaml

ROOT = Path(__file__).parents[1]

def _name(req): return re.split(r"[<>=!~\[]", req, 1)[0].lower()

def test_environment_yml_mirrors_settings_ini():
    cfg = configparser.ConfigParser(delimiters=["="]); cfg.read(ROOT/"settings.ini")
    ini = {r for k in ("requirements", "paper_requirements", "dev_requirements", "gguf_requirements") for r in cfg["DEFAULT"][k].split()}
    env = yaml.safe_load((ROOT/"environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    pip = {p for p in pip if not p.startswith("-e")}
    ini_torch = {r for r in ini if _name(r) == "torch"}
    assert pip - {"torch==2.13.0"} == ini - ini_torch
    assert "torch==2.13.0" in pip

def test_makefile_pins_torch_and_nbdev_line():
    mk = (ROOT/"Makefile").read_text()
    assert "pip install -q torch==2.13.0" in mk
    cfg = (ROOT/"settings.ini").read_text()
    for pin in ("nbdev==2.4.14", "fastcore>=1.12.3,<1.13", "execnb<0.2"): assert pin in cfg
    lock = (ROOT/"requirements-lock.txt").read_text().splitlines()
    assert "torch==2.13.0" in lock and "nbdev==2.4.14" in lock

def test_make_installs_the_gguf_extra_and_lab_needs_no_network():
    mk = (ROOT/"Makefile").read_text()
    assert '-e ".[paper,dev,gguf]"' in mk
    lab = mk.split("\nlab:", 1)[1].split("\n\n", 1)[0]
    assert "pip install" not in lab
    lock = {_name(l) for l in (ROOT/"requirements-lock.txt").read_text().splitlines() if l and not l.startswith("#")}
    for pkg in ("gguf", "accelerate", "ipywidgets", "jupyterlab", "nbconvert"): assert pkg in lock

def test_the_core_requirements_leave_the_paper_kit_out():
    "#28: `pip install gwpaper` is the method; papermill, datasets and the notebook stack come with the [paper] extra."
    cfg = configparser.ConfigParser(delimiters=["="]); cfg.read(ROOT/"settings.ini")
    core = {_name(r) for r in cfg["DEFAULT"]["requirements"].split()}
    paper = {_name(r) for r in cfg["DEFAULT"]["paper_requirements"].split()}
    assert {"papermill", "datasets", "nbformat", "ipykernel"} <= paper and not paper & core
    assert {"numpy", "scipy", "pandas", "pot", "scikit-learn", "torch", "matplotlib", "seaborn", "tqdm", "joblib", "safetensors", "threadpoolctl"} <= core
    assert '"paper": paper_requirements' in (ROOT/"setup.py").read_text()
