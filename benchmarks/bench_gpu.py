"""W1 on a GPU machine: gwpaper with `device="cuda"` against POT on the CPU (and POT's own torch path on the GPU), and
POT's batched solver on the same GPU, in one run that fits a short device lease.

    python benchmarks/bench_gpu.py --deadline 480 --out results/

Sections run in order of importance; each is skipped (and says so) when less time is left than it is expected to take,
so a lease that runs short still returns what finished. After each section the results so far are written to
`<out>/gpu.json` and printed.

- n = 1000, all 78 pairs: POT's default call on the CPU, one process per core (1 BLAS thread each), which is the
  fastest way to run POT's loop on this machine; gwpaper's `layer_matrix(reps)` on the CPU and with `device="cuda"`
  (one process per core, all sharing the GPU for their products, the LPs on the CPU); `ot.batch.solve_gromov_batch`
  on the GPU in float64; a 3-pair profile, one process.
- n = 4000, the 12 adjacent pairs (`layer_matrix(reps, band=1)`): gwpaper with `device="cuda"`; POT's default call
  with torch tensors on the GPU (its products there, its LPs on the CPU), one process per pair; `ot.batch` on the GPU;
  POT on the CPU for 2 of those pairs when time allows.
"""
from __future__ import annotations
import argparse, json, os, subprocess, sys, time
from pathlib import Path
import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from bench_gw import w1_reps, batch_peer, profile_pair, pot_inputs, value_ratios as ratios  # noqa: E402


def pot_pair(Ca: np.ndarray, Cb: np.ndarray, device: str | None, threads: int) -> tuple[float, float]:
    "(value, seconds) of POT's default call on one pair: numpy on the CPU (`device=None`), else torch tensors on `device`."
    from threadpoolctl import threadpool_limits
    with threadpool_limits(limits=threads):
        import ot
        t = time.perf_counter()
        if device is None: v = float(ot.gromov.gromov_wasserstein2(np.asarray(Ca, np.float64), np.asarray(Cb, np.float64)))
        else:
            import torch
            A, B = (torch.as_tensor(np.asarray(C, np.float64), device=device) for C in (Ca, Cb))
            v = float(ot.gromov.gromov_wasserstein2(A, B))   # float() waits for the device
        return v, time.perf_counter() - t


def pot_pairs(Cs, pairs, device, jobs: int, threads: int) -> tuple[np.ndarray, float]:
    "POT on each pair, `jobs` processes at a time: (values, wall seconds)."
    from joblib import Parallel, delayed
    from joblib.externals.loky import get_reusable_executor
    # fresh workers: ones that `layer_matrix` started import POT without its torch backend (POT_BACKEND_DISABLE_PYTORCH)
    get_reusable_executor().shutdown(wait=True)
    t = time.perf_counter()
    out = Parallel(n_jobs=jobs)(delayed(pot_pair)(Cs[a], Cs[b], device, threads) for a, b in pairs)
    return np.array([v for v, _ in out]), time.perf_counter() - t


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--deadline", type=float, default=480, help="seconds for the whole run; sections that would not fit are skipped")
    ap.add_argument("--out", default="benchmarks/results", help="folder for gpu.json")
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--sizes", type=int, nargs=2, default=[1000, 4000], metavar=("N_ALL", "N_ADJACENT"))
    args = ap.parse_args(argv)
    t0 = time.perf_counter(); left = lambda: args.deadline - (time.perf_counter() - t0)
    import torch, ot, joblib
    from gwpaper.gw import layer_matrix
    out = Path(args.out); out.mkdir(parents=True, exist_ok=True)
    cores = joblib.cpu_count()
    smi = subprocess.run(["nvidia-smi", "--query-gpu=name,driver_version,memory.total,clocks.sm,clocks.max.sm", "--format=csv,noheader"],
                         capture_output=True, text=True).stdout.strip() if args.device == "cuda" else ""
    res = {"card": torch.cuda.get_device_name() if args.device == "cuda" else args.device, "nvidia_smi": smi, "cores": cores,
           "torch": torch.__version__, "pot": ot.__version__, "numpy": np.__version__, "sections": {}}

    def record(name, **kv):
        res["sections"][name] = kv; (out/"gpu.json").write_text(json.dumps(res, indent=1))
        print(f"== {name} ({time.perf_counter() - t0:.0f} s in): " + json.dumps(kv), flush=True)

    def skip(name, need):
        if left() >= need: return False
        record(name, skipped=f"needs about {need:.0f} s, {left():.0f} s left"); return True

    print(json.dumps({k: res[k] for k in ("card", "nvidia_smi", "cores", "torch", "pot", "numpy")}), flush=True)
    dev = args.device
    # --- n = 1000, every pair
    n = args.sizes[0]; reps = w1_reps(n); L = len(reps); iu = np.triu_indices(L, 1); pairs = list(zip(*map(list, iu)))
    Cs = pot_inputs(reps)
    V_pot, s = pot_pairs(Cs, pairs, None, cores, 1)     # the reference for everything below: never skipped
    record(f"pot_cpu_n{n}", pairs=len(pairs), seconds=s, processes=cores)
    t = time.perf_counter(); lm_cuda = layer_matrix(reps, progress=False, device=dev); s = time.perf_counter() - t
    ours = lm_cuda.values[iu]
    record(f"gwpaper_cuda_n{n}", pairs=len(pairs), seconds=s, processes=cores, ratio_to_pot_time=s/res["sections"][f"pot_cpu_n{n}"]["seconds"],
           **ratios(ours, V_pot))
    if not skip(f"gwpaper_cpu_n{n}", 40):
        t = time.perf_counter(); lm_cpu = layer_matrix(reps, progress=False); s = time.perf_counter() - t
        record(f"gwpaper_cpu_n{n}", pairs=len(pairs), seconds=s, processes=cores, ratio_to_pot_time=s/res["sections"][f"pot_cpu_n{n}"]["seconds"],
               cuda_over_cpu_value_max_abs_rel=float(np.max(np.abs(ours/lm_cpu.values[iu] - 1))), **ratios(lm_cpu.values[iu], V_pot))
    Ct = [torch.as_tensor(C, device=dev) for C in Cs]
    for reg, tol in ((1e-2, 1e-5), (1e-3, 1e-5), (1e-3, 1e-5/n**2)):
        name = f"batch_gpu_n{n}_reg{reg:g}_tol{tol:g}"
        if skip(name, 30): continue
        record(name, pairs=len(pairs), **batch_peer(Ct, pairs, reg, ours, tol=tol))
    del Ct; torch.cuda.empty_cache()
    if not skip(f"profile_n{n}", 40):
        rows = [profile_pair(Cs[iu[0][k]], Cs[iu[1][k]], device=dev) for k in np.linspace(0, len(pairs) - 1, 3).astype(int)]
        record(f"profile_n{n}", pairs=3, **{k: float(np.sum([r[k] for r in rows])) for k in rows[0]})
    # --- n = 4000, adjacent pairs
    n = args.sizes[1]; reps = w1_reps(n); pairs = [(l, l + 1) for l in range(L - 1)]
    Cs = pot_inputs(reps)
    if skip(f"gwpaper_cuda_n{n}_band1", 150): return res
    t = time.perf_counter(); lm = layer_matrix(reps, band=1, progress=False, device=dev); s = time.perf_counter() - t
    ours = np.array([lm.values[a, b] for a, b in pairs])
    record(f"gwpaper_cuda_n{n}_band1", pairs=len(pairs), seconds=s, processes=min(cores, len(pairs)))
    Ct = [torch.as_tensor(C, device=dev) for C in Cs]
    for reg, tol in ((1e-2, 1e-5), (1e-3, 1e-5)):
        name = f"batch_gpu_n{n}_reg{reg:g}"
        if skip(name, 40): continue
        record(name, pairs=len(pairs), **batch_peer(Ct, pairs, reg, ours, tol=tol, chunk=6))
    del Ct; torch.cuda.empty_cache()
    if not skip(f"pot_gpu_n{n}_band1", 150):
        V, s = pot_pairs(Cs, pairs, dev, len(pairs), 1)
        record(f"pot_gpu_n{n}_band1", pairs=len(pairs), seconds=s, processes=len(pairs), gwpaper_time_ratio=res["sections"][f"gwpaper_cuda_n{n}_band1"]["seconds"]/s,
               **ratios(ours, V))
    if not skip(f"pot_cpu_n{n}_2pairs", 150):
        V, s = pot_pairs(Cs, pairs[:2], None, 2, max(1, cores//2))
        record(f"pot_cpu_n{n}_2pairs", pairs=2, seconds=s, processes=2, threads_each=max(1, cores//2), **ratios(ours[:2], V))
    return res


if __name__ == "__main__":
    main()
