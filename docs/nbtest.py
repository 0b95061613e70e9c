"""`make nbtest`: nbdev's `nbdev_test`, keeping what it executed for the docs site.

`nbdev_test` runs every notebook in nbs/ (each exported function's test cells included) and throws the outputs away, so
the library pages of the site had code and no results. This runs `nbdev_test` itself, with the same command line, after
one change: the shell that executes a notebook also writes it, with its outputs, to build/executed-lib/<notebook> when
it has run, or failed (for inspection). `make docs` shows those outputs on the library pages (docs/build_site.py).
Nothing is executed twice. nbdev forks its workers; the start method is pinned to fork so that they inherit the change.
"""
import multiprocessing, sys
from pathlib import Path
import nbdev.test
from execnb.nbio import write_nb

EXECUTED = Path(__file__).resolve().parents[1]/"build"/"executed-lib"


class KeepingShell(nbdev.test.CaptureShell):
    "execnb's `CaptureShell`, writing each notebook it ran (outputs included) to `EXECUTED`."
    def __init__(self, path=None, *args, **kwargs):
        super().__init__(path, *args, **kwargs)
        self.notebook = Path(path) if path else None

    def run_all(self, nb, *args, **kwargs):
        try: return super().run_all(nb, *args, **kwargs)
        finally:
            if self.notebook is not None:
                EXECUTED.mkdir(parents=True, exist_ok=True)
                write_nb(nb, EXECUTED/self.notebook.name)
                (EXECUTED/self.notebook.name).touch()   # write_nb skips identical content; the time is the run's (shown on the page)


if __name__ == "__main__":
    multiprocessing.set_start_method("fork", force=True)
    nbdev.test.CaptureShell = KeepingShell
    sys.argv[0] = "nbdev_test"
    nbdev.test.nbdev_test()
