"Every public function and class whose signature comments its parameters (docments) shows those comments in `help()` (#17)."
import importlib, inspect, pkgutil, pydoc
import pytest, gwpaper
from gwpaper.utils import _comments as comments_of   # the comments @documented reads

def public_objects():
    for m in pkgutil.iter_modules(gwpaper.__path__):
        if m.name.startswith("_") and m.name not in ("_solver", "_pairs", "_bounds"): continue
        mod = importlib.import_module(f"gwpaper.{m.name}")
        for name in getattr(mod, "__all__", []):
            obj = getattr(mod, name)
            if getattr(obj, "__module__", None) == mod.__name__ and (inspect.isfunction(obj) or inspect.isclass(obj)):
                yield f"{mod.__name__}.{name}", obj

DOCUMENTED = [(name, obj) for name, obj in public_objects() if comments_of(obj)]

def test_there_is_something_to_check():
    assert len(DOCUMENTED) > 30 and "gwpaper.gw.gw" in dict(DOCUMENTED)

@pytest.mark.parametrize("name, obj", DOCUMENTED, ids=[n for n, _ in DOCUMENTED])
def test_help_shows_every_parameter_comment(name, obj):
    text = pydoc.render_doc(obj, renderer=pydoc.plaintext)
    for param, comment in comments_of(obj).items():
        assert comment in text, f"{name}: the comment on `{param}` is not in help(); decorate it with @documented"

def test_help_of_gw_reads_as_a_parameter_table():
    from gwpaper.gw import gw
    doc = gw.__doc__
    assert "Parameters\n----------\nC_a : np.ndarray\n    (n, n) intra-layer distances of layer a" in doc
    assert "certified_rtol : float | None\n    skip the remaining starts once value ≤ (1 + certified_rtol)·lower bound; None: never (default: 1e-07)" in doc

def _rest_errors(doc:str)->list[str]:
    "docutils' errors (level ≥ 3, as Sphinx -W reports them) in `doc` read as reST."
    import io, docutils.core, docutils.utils
    err = io.StringIO()
    docutils.core.publish_doctree(inspect.cleandoc(doc), settings_overrides={"report_level": 3, "halt_level": 5, "warning_stream": err})
    return [l for l in err.getvalue().splitlines() if "ERROR" in l or "SEVERE" in l]

PUBLIC = list(public_objects())

@pytest.mark.parametrize("name, obj", PUBLIC, ids=[n for n, _ in PUBLIC])
def test_docstrings_are_valid_rest(name, obj):
    "What `make docs` (Sphinx -W) would refuse, caught here: e.g. `|x|` in a parameter comment is a reST substitution."
    assert _rest_errors(obj.__doc__ or "") == [], name

def test_rest_check_can_fail():
    assert _rest_errors("value\n\nParameters\n----------\nx : float\n    |Spearman ρ| of it") != []
