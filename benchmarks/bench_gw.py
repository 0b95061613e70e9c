"""The reference measurement of the GW engine: gwpaper's `layer_matrix(reps)` against a plain loop of
POT's default `ot.gromov.gromov_wasserstein2`, on identical C matrices, in one process and one run.

    python benchmarks/bench_gw.py --workload W1 --n 1000
    python benchmarks/bench_gw.py --workload W2 --n 1000
    python benchmarks/bench_gw.py --workload W1 --n 4000 --skip-pot

Prints the wall time of each and their ratio, the per-pair value ratio gwpaper/POT (min, median, max,
fraction below 0.99), the peak memory of each (PSS of the process and its worker processes together,
sampled every 0.5 s, so memory-mapped matrices shared by workers count once),
where gwpaper's time goes (matrix products vs. the LP), and, last, one JSON line with these figures.
"""
from __future__ import annotations
import argparse, json, os, platform, sys, threading, time
from pathlib import Path
import numpy as np

WIDTHS = (32, 64, 128, 256, 256, 128, 128, 512, 256, 64, 64, 128, 32)


def w1_reps(n: int, seed: int = 0) -> list[np.ndarray]:
    "W1: a fixed random He-initialised ReLU MLP, input width 32, 12 hidden layers; the input and every hidden layer (13)."
    rng = np.random.default_rng(seed)
    h = rng.standard_normal((n, WIDTHS[0]))
    reps = [h]
    for d_in, d_out in zip(WIDTHS[:-1], WIDTHS[1:]):
        h = np.maximum(h @ (rng.standard_normal((d_in, d_out)) * np.sqrt(2 / d_in)), 0)
        reps.append(h)
    return reps


def w2_reps(n: int, seed: int = 0) -> list[np.ndarray]:
    "W2: hidden states 0..6 of the offline MiniLM on n Rotten Tomatoes snippets, CLS pooling."
    from gwpaper.paper.data import load_sentiment
    from gwpaper.representations import hf_hidden_states
    texts = load_sentiment("rotten_tomatoes", split="all", n=n, seed=seed)["text"]
    return hf_hidden_states("offline-minilm", texts, pooling="cls", progress=False)


WORKLOADS = {"W1": w1_reps, "W2": w2_reps}


def _mem_bytes(pid: int) -> int:
    "Proportional set size of `pid` (shared pages, e.g. memory-mapped C matrices, split between their users), else RSS."
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"): return int(line.split()[1]) * 1024
    except OSError: pass
    try:
        with open(f"/proc/{pid}/statm") as f: return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError: return 0


def _tree_rss(pid: int) -> int:
    "Memory in bytes of `pid` and all its descendants (Linux /proc), as PSS so shared pages count once."
    children: dict[int, list[int]] = {}
    for d in os.listdir("/proc"):
        if not d.isdigit(): continue
        try:
            with open(f"/proc/{d}/stat") as f: ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(d))
        except (OSError, IndexError, ValueError): pass
    total, todo = 0, [pid]
    while todo:
        p = todo.pop(); total += _mem_bytes(p); todo += children.get(p, [])
    return total


class PeakRSS:
    "Samples the memory (PSS) of this process and its workers every `every` s (0.5: at 0.05 the sampling itself took about 8% of a 2-core machine); `.peak` in bytes."
    def __init__(self, every: float = 0.5): self.every, self.peak, self._stop = every, 0, threading.Event()
    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, _tree_rss(os.getpid())); self._stop.wait(self.every)
    def __enter__(self):
        self.peak = _tree_rss(os.getpid()); self._t = threading.Thread(target=self._run, daemon=True); self._t.start(); return self
    def __exit__(self, *a):
        self._stop.set(); self._t.join(); self.peak = max(self.peak, _tree_rss(os.getpid()))


def pot_inputs(reps: list[np.ndarray]) -> list[np.ndarray]:
    "POT's inputs: exactly the C matrices `layer_matrix(reps)` computes on (stored float32), in float64."
    from gwpaper.gw import prepare_layers
    return [C.astype(np.float64) for C in prepare_layers(reps, "gw")]


def value_ratios(ours: np.ndarray, ref: np.ndarray) -> dict:
    "The per-pair value ratio ours/ref: min, median, max, the fraction below 0.99 and the number of pairs above 1 + 1e-6."
    r = ours/ref
    return {"value_ratio_min": float(r.min()), "value_ratio_median": float(np.median(r)), "value_ratio_max": float(r.max()),
            "frac_below_0.99": float(np.mean(r < 0.99)), "pairs_above_1+1e-6": int(np.sum(r > 1 + 1e-6))}


def pot_loop(Cs: list[np.ndarray]) -> np.ndarray:
    "The reference: POT's default call on every pair, in a plain loop."
    import ot
    L = len(Cs); V = np.zeros((L, L))
    for a in range(L):
        for b in range(a + 1, L):
            V[a, b] = V[b, a] = ot.gromov.gromov_wasserstein2(Cs[a], Cs[b])
    return V


class _TimedLP:
    "Stands in for `emd`, adding up the calls and the seconds spent in them."
    def __init__(self, emd): self.emd, self.seconds, self.calls = emd, 0.0, 0
    def __call__(self, *a, **k):
        t = time.perf_counter(); r = self.emd(*a, **k); self.seconds += time.perf_counter() - t; self.calls += 1; return r


def _timed(run, module, attr: str = "emd"):
    "(total seconds, LP seconds, LP calls) of `run()` with `module.attr` timed."
    lp = _TimedLP(getattr(module, attr)); setattr(module, attr, lp)
    try:
        t = time.perf_counter(); run(); total = time.perf_counter() - t
    finally: setattr(module, attr, lp.emd)
    return total, lp.seconds, lp.calls


def profile_pair(Ca: np.ndarray, Cb: np.ndarray, device: str | None = None) -> dict:
    "Where one solve's time goes: the LP (`ot.emd`) vs. the rest (products, line search), for gwpaper (its products on `device`) and for POT."
    import ot, ot.optim, gwpaper.gw as g
    ours = _timed(lambda: g.gw(Ca, Cb, device=device), g.ot)                                       # gwpaper calls ot.emd
    pot = _timed(lambda: ot.gromov.gromov_wasserstein2(Ca, Cb), ot.optim)           # POT's cg calls ot.optim.emd
    return {"gwpaper_s": ours[0], "gwpaper_lp_s": ours[1], "gwpaper_lp_calls": ours[2],
            "pot_s": pot[0], "pot_lp_s": pot[1], "pot_lp_calls": pot[2]}


def rounded_gw_loss(Ca, Cb, P) -> tuple[float, float]:
    """The exact GW loss of plan `P` rounded onto the couplings of uniform p and q, and P's largest marginal error × n.

    Rounding (Altschuler, Weed & Rigollet 2017): scale rows, then columns, down to their marginals, then add the missing
    mass as a rank-one term. The loss of that coupling is a valid upper bound on GW, comparable with ours. Works on numpy
    arrays and on torch tensors on any device (float64 in, float64 arithmetic)."""
    n = P.shape[0]; u = 1/n
    marg = max(float(abs(P.sum(1) - u).max()), float(abs(P.sum(0) - u).max()))*n
    P = P*(u/P.sum(1).clip(min=1e-300)).clip(max=1)[:, None]; P = P*(u/P.sum(0).clip(min=1e-300)).clip(max=1)[None, :]
    er, ec = u - P.sum(1), u - P.sum(0)
    if float(er.sum()) > 0: P = P + er[:, None]*ec[None, :]/er.sum()
    loss = (Ca**2).mean() + (Cb**2).mean() - 2*((Ca @ P @ Cb)*P).sum()
    return float(loss), marg


def batch_peer(Cs: list, pairs, reg: float, ours: np.ndarray, tol: float = 1e-5, chunk: int | None = None) -> dict:
    """POT's batched solver (`ot.batch.solve_gromov_batch`, POT >= 0.9.6: entropic proximal gradient, every pair at once)
    on the same matrices: its time, and the exact GW loss of each plan it returns (`rounded_gw_loss`: its plans need not
    meet the marginals, so they are rounded onto the couplings first) against gwpaper's value on that pair. `Cs` may be
    numpy arrays or torch tensors (then it runs on their device; the time includes synchronising it). `chunk`: pairs per
    batch (None: all at once), to bound memory at large n."""
    import ot.batch
    torch = __import__("torch") if type(Cs[0]).__module__.startswith("torch") else None
    sync = torch.cuda.synchronize if torch is not None and Cs[0].is_cuda else (lambda: None)
    stack = np.stack if torch is None else torch.stack
    chunk = chunk or len(pairs); loss, marg, seconds, n_iter = [], [], 0.0, []
    for s in range(0, len(pairs), chunk):
        part = pairs[s:s + chunk]
        A = stack([Cs[a] for a, _ in part]); B = stack([Cs[b] for _, b in part])
        sync(); t = time.perf_counter(); res = ot.batch.solve_gromov_batch(A, B, reg=reg, tol=tol); sync()
        seconds += time.perf_counter() - t
        if "n_iter" in (res.log or {}): n_iter.append(int(res.log["n_iter"]))
        for k, (a, b) in enumerate(part):
            l, m = rounded_gw_loss(Cs[a], Cs[b], res.plan[k]); loss.append(l); marg.append(m)
        del A, B, res
    ratio = np.array(loss)/ours
    return {"reg": reg, "tol": tol, "seconds": seconds, "value_ratio_batch_over_ours_min": float(ratio.min()),
            "value_ratio_batch_over_ours_median": float(np.median(ratio)), "value_ratio_batch_over_ours_max": float(ratio.max()),
            "pairs_below_ours": int(np.sum(ratio < 1 - 1e-9)), "max_marginal_error_relative": float(max(marg)),
            "n_iter": max(n_iter) if n_iter else None}


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=1000, help="inputs per layer (default 1000)")
    ap.add_argument("--workload", choices=sorted(WORKLOADS), default="W1")
    ap.add_argument("--repeat", type=int, default=1, help="timed repetitions of each; medians are reported")
    ap.add_argument("--skip-pot", action="store_true", help="time gwpaper only (for large n)")
    ap.add_argument("--profile-pairs", type=int, default=3, help="pairs to break down into LP vs. the rest (0: none)")
    ap.add_argument("--device", default=None, help="torch device for gwpaper's products, e.g. cuda")
    ap.add_argument("--batch-regs", type=float, nargs="*", default=[], help="also run ot.batch.solve_gromov_batch at these reg values")
    args = ap.parse_args(argv)

    import ot, joblib
    from gwpaper.gw import layer_matrix
    reps = WORKLOADS[args.workload](args.n)
    # POT's inputs (`pot_inputs`) are built only for POT's runs, so that gwpaper's peak memory does not include them
    # (layer_matrix builds its own from `reps`).
    L = len(reps); iu = np.triu_indices(L, 1)
    kwargs = {} if args.device is None else {"device": args.device}
    print(f"workload {args.workload}: {L} layers, n={args.n}, {len(iu[0])} pairs; {joblib.cpu_count()} cores; "
          f"POT {ot.__version__}; {platform.processor() or platform.machine()}", flush=True)

    ours_t, pot_t, ours_rss, pot_rss = [], [], [], []
    for r in range(args.repeat):
        with PeakRSS() as mem:
            t = time.perf_counter(); lm = layer_matrix(reps, progress=False, **kwargs); ours_t.append(time.perf_counter() - t)
        ours_rss.append(mem.peak)
        print(f"[{r}] gwpaper layer_matrix: {ours_t[-1]:.1f} s, peak memory {mem.peak/2**30:.2f} GiB", flush=True)
        if not args.skip_pot:
            with PeakRSS() as mem:
                Cs = pot_inputs(reps)
                t = time.perf_counter(); V = pot_loop(Cs); pot_t.append(time.perf_counter() - t)
            del Cs
            pot_rss.append(mem.peak)
            print(f"[{r}] POT default loop:     {pot_t[-1]:.1f} s, peak memory {mem.peak/2**30:.2f} GiB", flush=True)
    out = {"workload": args.workload, "n": args.n, "layers": L, "pairs": int(len(iu[0])), "cores": joblib.cpu_count(),
           "repeat": args.repeat, "device": args.device or "cpu",
           "gwpaper_s": float(np.median(ours_t)), "gwpaper_peak_mem_gib": float(np.median(ours_rss))/2**30}
    inits = {}
    if not args.skip_pot:
        inits = {"identity_wins": float(np.mean(lm.values[iu]/V[iu] < 1 - 1e-9))}
        out.update({"pot_s": float(np.median(pot_t)), "pot_peak_mem_gib": float(np.median(pot_rss))/2**30,
                    "time_ratio": float(np.median(ours_t)/np.median(pot_t)), **value_ratios(lm.values[iu], V[iu])})
        print(f"time ratio gwpaper/POT = {out['time_ratio']:.3f}  ({out['gwpaper_s']:.1f} s vs {out['pot_s']:.1f} s, median of {args.repeat})")
        print(f"value ratio gwpaper/POT per pair: min {out['value_ratio_min']:.4f}  median {out['value_ratio_median']:.6f}  "
              f"max {out['value_ratio_max']:.9f}  below 0.99: {out['frac_below_0.99']:.0%}  above 1+1e-6: {out['pairs_above_1+1e-6']}")
    if args.profile_pairs:
        rows, Cs = [], pot_inputs(reps)
        for k in np.linspace(0, len(iu[0]) - 1, args.profile_pairs).astype(int):
            rows.append(profile_pair(Cs[iu[0][k]], Cs[iu[1][k]]))
        prof = {key: float(np.sum([r[key] for r in rows])) for key in rows[0]}
        out["profile"] = prof
        print(f"profile over {len(rows)} pairs (single process): gwpaper {prof['gwpaper_s']:.2f} s, of which LP {prof['gwpaper_lp_s']:.2f} s "
              f"({prof['gwpaper_lp_calls']:.0f} emd calls), products+line search {prof['gwpaper_s'] - prof['gwpaper_lp_s']:.2f} s | "
              f"POT {prof['pot_s']:.2f} s, of which LP {prof['pot_lp_s']:.2f} s ({prof['pot_lp_calls']:.0f} calls), "
              f"products+line search {prof['pot_s'] - prof['pot_lp_s']:.2f} s")
    if args.batch_regs:
        Cs = pot_inputs(reps); pairs = list(zip(*iu)); ours = lm.values[iu]
        out["batch"] = []
        for reg in args.batch_regs:
            row = batch_peer(Cs, pairs, reg, ours); out["batch"].append(row)
            print(f"ot.batch.solve_gromov_batch reg={reg:g}: {row['seconds']:.1f} s for {len(pairs)} pairs "
                  f"({row['seconds']/out['gwpaper_s']:.2f}x gwpaper's layer_matrix); its plans' GW loss / gwpaper's value: "
                  f"min {row['value_ratio_batch_over_ours_min']:.3f} median {row['value_ratio_batch_over_ours_median']:.3f} "
                  f"max {row['value_ratio_batch_over_ours_max']:.3f}; below gwpaper on {row['pairs_below_ours']} pairs; "
                  f"largest marginal error {row['max_marginal_error_relative']:.2g} (relative)", flush=True)
    out.update(inits)
    print(json.dumps(out))
    return out


if __name__ == "__main__":
    main()
