"""Deep models with a band (#18): a synthetic model of ≥ 60 layers with planted blocks of at most band + 1 layers,
its GW layer matrix computed within the band and in full, and the blocks `segment` reads off each.

    python benchmarks/bench_band.py --layers 64 --n 1000 --band 4            # banded and full, timed
    python benchmarks/bench_band.py --layers 64 --n 1000 --band 4 --no-full  # banded only
    python benchmarks/bench_band.py --layers 64 --n 1000 --band 4 --resegment  # segment the saved matrices again

The model: inputs X ~ N(0, I_32). Block b has its own geometry, tanh(2 X P_b) for a random 32×8 projection P_b (a
different view of the inputs); each of its layers is that, in a random orthonormal basis of width 8 to 24, plus
independent noise of relative size `--noise` (default 0.1). So layers within a block have nearly the same geometry and neighbouring
blocks do not. Block sizes are drawn between 2 and band + 1 (seeded), so some blocks are shorter than the band allows
and `segment`'s choice of K is tested, not forced. Results go to benchmarks/results/band-*.json.
"""
from __future__ import annotations
import argparse, json, os, platform, time
from pathlib import Path
import numpy as np
from gwpaper.gw import layer_matrix
from gwpaper.subnetworks import segment, labels_from_sizes, block_ari


def block_sizes(L:int, largest:int, seed:int)->list[int]:
    "Sizes between 2 and `largest` summing to L, drawn with `seed`."
    g, sizes = np.random.default_rng(seed), []
    while sum(sizes) < L:
        left = L - sum(sizes)
        sizes.append(left if left <= largest else int(g.integers(2, min(largest, left - 2) + 1)))
    return sizes


def planted_reps(sizes:list[int], n:int, noise:float, seed:int)->list[np.ndarray]:
    "One representation (n, width) per layer; the layers of a block share a geometry."
    g = np.random.default_rng(seed); X = g.normal(size=(n, 32)); reps = []
    for size in sizes:
        Z = np.tanh(2*X @ g.normal(size=(32, 8))/np.sqrt(32))
        for _ in range(size):
            width = int(g.integers(8, 25))
            Q, _ = np.linalg.qr(g.normal(size=(width, width)))
            R = np.c_[Z, np.zeros((n, width - 8))] @ Q
            reps.append(R + noise*R.std()*g.normal(size=R.shape))
    return reps


def _path(a)->Path:
    res = Path(__file__).parent/"results"; res.mkdir(exist_ok=True)
    return res/f"band-L{a.layers}-n{a.n}-w{a.band}-s{a.seed}.json"


def resegment(a):
    "Segment the saved banded and full matrices again with the current `segment` (timings stay those of the run that computed them)."
    path = _path(a); out = json.loads(path.read_text()); z = np.load(path.with_suffix(".npz"))
    truth = labels_from_sizes(out["sizes"])
    for name in ("banded", "full"):
        if name not in z: continue
        seg = segment(z[name]); out.update({f"{name}_blocks": seg.blocks, f"{name}_k": seg.k, f"{name}_ari": block_ari(truth, seg)})
        print(f"{name}: K = {seg.k}, ARI vs planted {out[f'{name}_ari']:.3f}, max block {seg.max_block}")
    if "full" in z: out["same_blocks"] = out["banded_blocks"] == out["full_blocks"]; print(f"same blocks: {out['same_blocks']}")
    out["resegmented"] = True; path.write_text(json.dumps(out, indent=1, default=str)); print(f"wrote {path}")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--layers", type=int, default=64)
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--band", type=int, default=4)
    ap.add_argument("--noise", type=float, default=0.1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-full", action="store_true", help="skip the full matrix")
    ap.add_argument("--resegment", action="store_true", help="re-read the matrices a previous run saved and segment them again (no GW)")
    a = ap.parse_args(argv)
    if a.resegment: return resegment(a)
    sizes = block_sizes(a.layers, a.band + 1, a.seed)
    reps = planted_reps(sizes, a.n, a.noise, a.seed)
    truth = labels_from_sizes(sizes)
    out = dict(layers=a.layers, n=a.n, band=a.band, noise=a.noise, seed=a.seed, sizes=sizes, cpus=os.cpu_count(),
               machine=platform.processor() or platform.machine())
    print(f"{a.layers} layers, planted blocks {sizes} ({len(sizes)}), n = {a.n}, band = {a.band}", flush=True)

    t = time.time(); lm_b = layer_matrix(reps, band=a.band); out["banded_seconds"] = time.time() - t
    seg_b = segment(lm_b)
    out.update(banded_pairs=int(np.isfinite(lm_b.values[np.triu_indices(a.layers, 1)]).sum()), banded_blocks=seg_b.blocks, banded_k=seg_b.k,
               banded_ari=block_ari(truth, seg_b))
    print(f"banded: {out['banded_pairs']} pairs in {out['banded_seconds']:.1f} s; K = {seg_b.k}, ARI vs planted {out['banded_ari']:.3f}", flush=True)
    if not a.no_full:
        t = time.time(); lm_f = layer_matrix(reps); out["full_seconds"] = time.time() - t
        seg_f = segment(lm_f)
        inside = np.isfinite(lm_b.values)
        out.update(full_pairs=a.layers*(a.layers - 1)//2, full_blocks=seg_f.blocks, full_k=seg_f.k, full_ari=block_ari(truth, seg_f),
                   same_blocks=seg_f.blocks == seg_b.blocks,
                   max_rel_diff_in_band=float(np.max(np.abs(lm_f.values[inside] - lm_b.values[inside])/np.maximum(lm_f.values[inside], 1e-300))))
        print(f"full: {out['full_pairs']} pairs in {out['full_seconds']:.1f} s; K = {seg_f.k}, ARI vs planted {out['full_ari']:.3f}; "
              f"same blocks as banded: {out['same_blocks']}; time ratio banded/full {out['banded_seconds']/out['full_seconds']:.3f}", flush=True)
    path = _path(a)
    np.savez(path.with_suffix(".npz"), banded=lm_b.values, **({} if a.no_full else {"full": lm_f.values}))
    path.write_text(json.dumps(out, indent=1, default=str)); print(f"wrote {path}")


if __name__ == "__main__":
    main()
