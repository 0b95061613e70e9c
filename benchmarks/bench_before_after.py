"""The engine before and after a change, in one run on one machine: `layer_matrix(reps)` of a workload, timed with
the gwpaper of an earlier checkout (`--before`, e.g. a `git worktree` of the last commit) and with this checkout's,
alternating (before, after, before, after, ...) so that the machine's drift falls on both alike.

Each timing runs in a fresh process that imports only that checkout's gwpaper; both compute on the same inputs (W1 is
seeded numpy). Prints the median time of each, their ratio, and the largest relative difference of any value and lower
bound between the two; the last line is JSON. `make bench-compare BEFORE=<git revision>` makes the worktree and runs this.
"""
from __future__ import annotations
import argparse, json, os, subprocess, sys, tempfile
from pathlib import Path
import numpy as np

HERE = Path(__file__).resolve().parent
ONE_RUN = r"""
import sys, time, json, numpy as np
sys.path.insert(0, sys.argv[1]); sys.path.insert(0, sys.argv[2])
import gwpaper, bench_gw
from gwpaper.gw import layer_matrix
assert gwpaper.__file__.startswith(sys.argv[1]), (gwpaper.__file__, sys.argv[1])
reps = bench_gw.WORKLOADS[sys.argv[3]](int(sys.argv[4]))
t = time.perf_counter(); lm = layer_matrix(reps, progress=False); t = time.perf_counter() - t
np.savez(sys.argv[5], values=lm.values, lower_bounds=lm.lower_bounds, seconds=t)
"""


def timed(root: Path, workload: str, n: int, out: Path) -> dict:
    "One `layer_matrix` of the workload with the gwpaper found in `root`, in its own process."
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    subprocess.run([sys.executable, "-c", ONE_RUN, str(root), str(HERE), workload, str(n), str(out)], check=True, env=env)
    with np.load(out) as z: return {k: z[k] for k in z.files}


def relative_difference(a: np.ndarray, b: np.ndarray) -> float:
    "max |a − b| / max(|a|, |b|) over the entries (0 where both are 0)."
    scale = np.maximum(np.abs(a), np.abs(b))
    return float(np.max(np.where(scale > 0, np.abs(a - b)/np.where(scale > 0, scale, 1), 0)))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--before", required=True, type=Path, help="root of the earlier checkout (holds its gwpaper/)")
    ap.add_argument("--workload", default="W1", choices=["W1", "W2"])
    ap.add_argument("--n", type=int, default=1000, help="inputs per layer (default 1000)")
    ap.add_argument("--repeat", type=int, default=3, help="timings of each, alternating (default 3)")
    ap.add_argument("--record", type=Path, default=None, help="also write the JSON, with the date and both git revisions, to this file")
    args = ap.parse_args(argv)
    before, after = args.before.resolve(), HERE.parent
    if not (before/"gwpaper"/"__init__.py").exists(): ap.error(f"{before} holds no gwpaper/ package")
    runs = {"before": [], "after": []}
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.repeat):
            for name, root in (("before", before), ("after", after)):
                runs[name].append(timed(root, args.workload, args.n, Path(tmp)/f"{name}{r}.npz"))
                print(f"[{r}] {name}: {float(runs[name][-1]['seconds']):.2f} s", flush=True)
    t = {k: float(np.median([float(x["seconds"]) for x in v])) for k, v in runs.items()}
    b, a = runs["before"][0], runs["after"][0]
    out = {"workload": args.workload, "n": args.n, "repeat": args.repeat, "cores": os.cpu_count(),
           "before_s": t["before"], "after_s": t["after"], "time_ratio": t["after"]/t["before"],
           "values_max_rel_diff": relative_difference(a["values"], b["values"]),
           "lower_bounds_max_rel_diff": relative_difference(a["lower_bounds"], b["lower_bounds"]),
           "runs_agree": all(relative_difference(x["values"], a["values"]) == 0 for x in runs["after"])}
    print(f"time after/before = {out['time_ratio']:.3f} (medians of {args.repeat}: {t['after']:.2f} s vs {t['before']:.2f} s)")
    print(f"values: max relative difference {out['values_max_rel_diff']:.3g}; lower bounds: {out['lower_bounds_max_rel_diff']:.3g}")
    print(json.dumps(out))
    if args.record is not None:
        import datetime
        rev = lambda root: subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip() or None
        dirty = bool(subprocess.run(["git", "-C", str(after), "status", "--porcelain", "--", "gwpaper"], capture_output=True, text=True).stdout.strip())
        rec = {"date": datetime.date.today().isoformat(), "before_rev": rev(before), "after_rev": rev(after), "after_uncommitted_changes": dirty} | out
        args.record.parent.mkdir(parents=True, exist_ok=True); args.record.write_text(json.dumps(rec, indent=1) + "\n")
        print(f"wrote {args.record}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
