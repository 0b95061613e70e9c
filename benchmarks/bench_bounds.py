"""How tight are the certificates? (#18) Mémoli's SLB and TLB against the GW value gwpaper finds, on every pair of a workload.

    python benchmarks/bench_bounds.py --workload W1 --n 1000

Prints, for SLB and TLB, the distribution of the relative gap (value − bound)/value over the pairs (quantiles), how many
pairs each would certify under `gw`'s skipping rule (value ≤ (1 + 1e-7)·bound), and the time each bound takes per pair,
next to the time of the solve itself. Writes benchmarks/results/bounds-<workload>-n<n>.json.
"""
from __future__ import annotations
import argparse, json, time
from pathlib import Path
import numpy as np
from bench_gw import WORKLOADS
from gwpaper.distances import pairwise_distances
from gwpaper.gw import layer_matrix, second_lower_bound, third_lower_bound


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workload", choices=sorted(WORKLOADS), default="W1")
    ap.add_argument("--n", type=int, default=1000)
    a = ap.parse_args(argv)
    reps = WORKLOADS[a.workload](a.n)
    t = time.time(); lm = layer_matrix(reps, progress=False); solve = time.time() - t
    Cs = [pairwise_distances(R) for R in reps]
    L = len(Cs); pairs = [(i, j) for i in range(L) for j in range(i + 1, L)]
    rows = []
    for i, j in pairs:
        t = time.time(); slb = second_lower_bound(Cs[i], Cs[j]); ts = time.time() - t
        t = time.time(); tlb = third_lower_bound(Cs[i], Cs[j]); tt = time.time() - t
        rows.append(dict(pair=(i, j), value=float(lm.values[i, j]), slb=slb, tlb=tlb, slb_seconds=ts, tlb_seconds=tt))
    v = np.array([r["value"] for r in rows])
    out = dict(workload=a.workload, n=a.n, pairs=len(rows), layer_matrix_seconds=solve, rows=rows)
    q = (0, 0.1, 0.25, 0.5, 0.75, 0.9, 1)
    print(f"{a.workload}, n = {a.n}: {len(rows)} pairs; layer_matrix took {solve:.1f} s ({solve/len(rows):.2f} s a pair on the wall clock)")
    for name in ("slb", "tlb"):
        b = np.array([r[name] for r in rows]); gap = (v - b)/v
        assert np.all(b <= v*(1 + 1e-9) + 1e-12), f"{name} above a value"
        out[name] = dict(gap_quantiles=dict(zip(map(str, q), np.quantile(gap, q).round(4).tolist())), gap_mean=float(gap.mean()),
                         certified=int(np.sum(v <= b*(1 + 1e-7))), seconds_per_pair=float(np.median([r[f"{name}_seconds"] for r in rows])))
        print(f"  {name.upper()}: gap (value − bound)/value quantiles {out[name]['gap_quantiles']}, mean {gap.mean():.3f}; "
              f"certifies {out[name]['certified']} pairs; median {out[name]['seconds_per_pair']*1e3:.0f} ms a pair")
    tl, sl = np.array([r["tlb"] for r in rows]), np.array([r["slb"] for r in rows])
    out["tlb_over_slb_median"] = float(np.median(tl/np.maximum(sl, 1e-300)))
    print(f"  TLB ≥ SLB on {int(np.sum(tl >= sl*(1 - 1e-9)))} of {len(rows)} pairs; median TLB/SLB {out['tlb_over_slb_median']:.2f}")
    res = Path(__file__).parent/"results"; res.mkdir(exist_ok=True)
    path = res/f"bounds-{a.workload}-n{a.n}.json"; path.write_text(json.dumps(out, indent=1, default=str)); print(f"wrote {path}")


if __name__ == "__main__":
    main()
