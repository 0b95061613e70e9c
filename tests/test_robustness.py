"""Every documented promise on unusual and bad inputs (issue 12).

- ties: `gw` is never above POT's default on one-hot, clustered, duplicate-row, integer-grid and dead-ReLU layers;
- a table of bad inputs across the public API, each rejected with `ValueError` and a message naming the problem;
- hooks copy what they record (in-place ReLU), caches heal, the scale of a layer changes nothing, `Path` model folders.
"""
import functools, itertools, json, os, subprocess, sys, tempfile, time, warnings
from pathlib import Path
from unittest import mock
import numpy as np, ot, pandas as pd, pytest, torch
from torch import nn
import gwpaper._engine as engine
from gwpaper.distances import pairwise_distances, check_distance_matrix, METRICS
from gwpaper.gw import gw, layer_matrix, layer_distance, check_weights, initial_coupling
from gwpaper.subnetworks import segment, spectral_blocks, block_stability
from gwpaper.evaluate import block_recovery_ari, layer_matching_accuracy
from gwpaper.plots import save_figure, plot_layer_matrix
from gwpaper.representations import (hooked_representations, hf_hidden_states, load_encoder, pool_output, resolve_model_path,
                                     OFFLINE_ENCODER)
from gwpaper.data import load_sentiment
from gwpaper.pipeline import resolve_profile, check_parameters, run_pipeline
from gwpaper.utils import check_representation
from conftest import random_mlp_reps

# ---------------------------------------------------------------- ties: never above POT's default
def tie_layers(n:int, seed:int)->dict[str, np.ndarray]:
    "Layers whose distance matrices have many exact ties, and two continuous ones."
    g = np.random.default_rng(seed)
    dup = g.normal(size=(n//3 + 1, 6))
    R = g.normal(size=(n, 8)) @ g.normal(size=(8, 4))
    return {
        "one-hot": np.eye(7)[g.integers(0, 7, n)],                                   # fmod-style one-hot operands
        "clustered": np.repeat(g.normal(size=(5, 4)), -(-n//5), 0)[:n][g.permutation(n)],  # 5 points, each repeated
        "duplicate-rows": dup[g.integers(0, len(dup), n)],
        "integer-grid": g.integers(0, 4, size=(n, 3)).astype(float),                # quantised activations
        "dead-relu": np.maximum(R - 2.0, 0),                                         # about a third of the rows all zero
        "gaussian": g.normal(size=(n, 5)),
        "relu-mlp": random_mlp_reps(n=n, widths=(32, 48), seed=seed)[-1],
    }

TIE_CASES = [(n, seed) for n in (30, 60) for seed in range(3)] + [(250, 0)]

@pytest.mark.parametrize("n,seed", TIE_CASES)
def test_tie_corpus_never_above_pot(n, seed):
    Cs = {k: pairwise_distances(R) for k, R in tie_layers(n, seed).items()}
    pairs = [(a, b) for a, b in itertools.combinations(Cs, 2) if not (a in ("gaussian", "relu-mlp") and b in ("gaussian", "relu-mlp"))]
    above = []
    for a, b in pairs:
        r, pot = gw(Cs[a], Cs[b]), ot.gromov.gromov_wasserstein2(Cs[a], Cs[b])
        assert r.lower_bound <= r.value
        if r.value > pot*(1 + 1e-6): above.append((a, b, r.value/pot))
    assert not above, above
    assert len(pairs) == 20

def test_tie_corpus_size():
    assert len(TIE_CASES)*20 >= 100   # ≥ 100 tie pairs in all, at n ∈ {30, 60, 250}

def test_tied_and_continuous_paths():
    "Tied layers take POT's own path for the product start; continuous ones the engine's."
    Cs = {k: pairwise_distances(R) for k, R in tie_layers(60, 1).items()}
    u = np.full(60, 1/60)
    with mock.patch.object(engine, "_pot_product_start", wraps=engine._pot_product_start) as pot_path:
        gw(Cs["one-hot"], Cs["gaussian"], inits="product"); assert pot_path.call_count == 1
        gw(Cs["gaussian"], Cs["relu-mlp"], inits="product"); assert pot_path.call_count == 1
    assert (tie_layers(60, 1)["dead-relu"] == 0).all(1).sum() >= 5
    assert not engine._engine_follows_pot(Cs["dead-relu"], Cs["gaussian"], u, u)
    r = gw(Cs["one-hot"], Cs["gaussian"], inits="product")
    assert r.value == pytest.approx(ot.gromov.gromov_wasserstein2(Cs["one-hot"], Cs["gaussian"]), rel=1e-9)

# ---------------------------------------------------------------- the table of bad inputs
g0 = np.random.default_rng(0)
R10 = g0.normal(size=(10, 4))
C20 = pairwise_distances(g0.normal(size=(20, 3)))
u20 = np.full(20, 1/20)
D5 = pairwise_distances(g0.normal(size=(5, 2)))

def with_nan(X, i=1, j=2):
    X = np.array(X, dtype=float); X[i, j] = np.nan; return X

def asym(C):
    C = C.copy(); C[0, 1] += 0.5; return C

@functools.cache
def encoder():
    return load_encoder(OFFLINE_ENCODER)

TEXTS = ["good film", "bad film", "fine film", "odd film"]

class SeqFirst(nn.Module):
    def __init__(self): super().__init__(); self.attn = nn.MultiheadAttention(4, 1)
    def forward(self, x): x = x.transpose(0, 1); return self.attn(x, x, x)[0]

relu = nn.ReLU()
SHARED = nn.Sequential(nn.Linear(4, 4), relu, nn.Linear(4, 4), relu)
MLP = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
PRESETS = {"quick": {"n_seeds": 2, "sizes": (1, 2)}, "paper": {"n_seeds": 5, "sizes": (1, 2)}}

BAD = [
    # representations and intra-layer distances
    ("pairwise_distances NaN", lambda: pairwise_distances(with_nan(R10)), "NaN or inf"),
    ("pairwise_distances inf", lambda: pairwise_distances(np.where(R10 > 1, np.inf, R10)), "NaN or inf"),
    ("pairwise_distances 1-D", lambda: pairwise_distances(np.ones(5)), "must be 2-D"),
    ("pairwise_distances n=2", lambda: pairwise_distances(R10[:2]), "at least 3"),
    ("pairwise_distances strings", lambda: pairwise_distances(np.array([["a"], ["b"], ["c"]])), "numeric"),
    ("pairwise_distances ragged", lambda: pairwise_distances([[1, 2], [3], [4, 5]]), "ragged"),
    ("pairwise_distances metric", lambda: pairwise_distances(R10, "manhattan"), "Unknown metric"),
    ("pairwise_distances normalize", lambda: pairwise_distances(R10, normalize="std"), "Unknown normalize"),
    ("pairwise_distances overflow", lambda: pairwise_distances(1e200*R10, "sqeuclidean", "none"), "overflow"),
    ("check_representation torch NaN", lambda: check_representation(torch.tensor(with_nan(R10))), "NaN or inf"),
    # gw: distance matrices
    ("gw non-square", lambda: gw(np.ones((3, 4)), C20), "square"),
    ("gw negative entries", lambda: gw(C20 - 0.5, C20), "negative"),
    ("gw non-zero diagonal", lambda: gw(np.eye(20), 1 - np.eye(20)), "non-zero diagonal"),
    ("gw asymmetric", lambda: gw(asym(C20), C20), "not symmetric"),
    ("gw NaN", lambda: gw(C20, with_nan(C20)), "NaN or inf"),
    ("gw inf", lambda: gw(np.where(C20 > 1, np.inf, C20), C20), "NaN or inf"),
    ("gw n=2", lambda: gw(np.zeros((2, 2)), np.zeros((2, 2))), "at least 3"),
    ("gw overflowing entries", lambda: gw(1e200*C20, C20), "overflows"),
    ("check_distance_matrix 3-D", lambda: check_distance_matrix(np.zeros((3, 3, 3))), "square"),
    # gw: weights
    ("gw p wrong length", lambda: gw(C20, C20, p=np.full(19, 1/19)), "shape (20,)"),
    ("gw q wrong length", lambda: gw(C20, C20, q=np.full(21, 1/21)), "shape (20,)"),
    ("gw p negative", lambda: gw(C20, C20, p=np.r_[-0.05, np.full(19, 1.05/19)]), "negative weights"),
    ("gw p not normalised", lambda: gw(C20, C20, p=np.full(20, 0.1)), "sums to"),
    ("gw p NaN", lambda: gw(C20, C20, p=np.r_[np.nan, np.full(19, 1/19)]), "NaN or inf"),
    ("gw p 2-D", lambda: gw(C20, C20, p=np.full((20, 1), 1/20)), "shape (20,)"),
    ("check_weights strings", lambda: check_weights(["a"]*3, 3), "numeric"),
    # gw: starts
    ("gw start of ones", lambda: gw(C20, C20, inits=[np.ones((20, 20))]), "not a coupling"),
    ("gw start wrong shape", lambda: gw(C20, C20, inits=[np.full((20, 19), 1/380)]), "(20, 20) coupling"),
    ("gw start negative", lambda: gw(C20, C20, inits=[np.eye(20)/20 - 0.001 + 0.001*np.eye(20)]), "finite and ≥ 0"),
    ("gw start NaN", lambda: gw(C20, C20, inits=[with_nan(np.eye(20)/20)]), "finite and ≥ 0"),
    ("gw start column sums", lambda: gw(C20, C20, inits=[np.outer(u20, np.r_[2*u20[:10], 0*u20[10:]])]), "column sums"),
    ("gw unknown start", lambda: gw(C20, C20, inits=("svd",)), "Unknown init"),
    ("gw no starts", lambda: gw(C20, C20, inits=()), "empty"),
    ("initial_coupling identity n≠m", lambda: initial_coupling("identity", np.full(3, 1/3), np.full(4, 1/4)), "n == m"),
    # layer_distance / layer_matrix
    ("layer_distance metric", lambda: layer_distance(R10, R10, "procrustes"), "Unknown metric"),
    ("layer_distance n", lambda: layer_distance(R10, R10[:8], "cka"), "different n"),
    ("layer_distance NaN", lambda: layer_distance(R10, with_nan(R10), "euclidean"), "NaN or inf"),
    ("layer_matrix metric", lambda: layer_matrix([R10, R10], "gromov", progress=False), "Unknown metric"),
    ("layer_matrix backend", lambda: layer_matrix([R10, R10], backend="spark", progress=False), "Unknown backend"),
    ("layer_matrix n", lambda: layer_matrix([R10, R10[:8]], progress=False), "different n"),
    ("layer_matrix labels", lambda: layer_matrix([R10, R10], labels=["a"], progress=False), "labels"),
    ("layer_matrix no layers", lambda: layer_matrix([], progress=False), "no layers"),
    ("layer_matrix torch NaN", lambda: layer_matrix([torch.tensor(R10), torch.tensor(with_nan(R10))], progress=False), "NaN or inf"),
    ("layer_matrix nested ragged", lambda: layer_matrix([R10.tolist(), [[1.0], [2.0, 3.0]]], progress=False), "ragged"),
    # sub-networks, evaluation, plots
    ("segment non-square", lambda: segment(np.ones((2, 3))), "square"),
    ("segment NaN", lambda: segment(with_nan(D5)), "NaN values that do not form a band"),
    ("segment asymmetric", lambda: segment(asym(D5)), "not symmetric"),
    ("segment k=0", lambda: segment(D5, k=0), "between 1 and L"),
    ("segment k>L", lambda: segment(D5, k=6), "between 1 and L"),
    ("segment k float", lambda: segment(D5, k=2.5), "integer"),
    ("segment k_max=0", lambda: segment(D5, k_max=0), "positive integer"),
    ("segment torch asymmetric", lambda: segment(torch.tensor(asym(D5))), "not symmetric"),
    ("spectral_blocks k=0", lambda: spectral_blocks(D5, 0), "between 1 and L"),
    ("block_stability n_boot=0", lambda: block_stability([R10]*3, n_boot=0, progress=False), "n_boot=0"),
    ("block_stability n_boot<0", lambda: block_stability([R10]*3, n_boot=-2, progress=False), "n_boot=-2"),
    ("block_recovery_ari labels", lambda: block_recovery_ari([R10]*3, [0, 1]), "labels"),
    ("layer_matching one model", lambda: layer_matching_accuracy([[R10, R10]], progress=False), "at least 2 models"),
    ("save_figure ..", lambda: save_figure(None, "..", pd.DataFrame([1])), "plain file stem"),
    ("save_figure path", lambda: save_figure(None, "a/b", pd.DataFrame([1])), "plain file stem"),
    ("save_figure hidden", lambda: save_figure(None, ".x", pd.DataFrame([1])), "plain file stem"),
    ("save_figure no numbers", lambda: save_figure(None, "x", pd.DataFrame()), "non-empty DataFrame"),
    ("save_figure list data", lambda: save_figure(None, "x", [1, 2]), "non-empty DataFrame"),
    ("plot_layer_matrix non-square", lambda: plot_layer_matrix(np.ones((2, 3))), "square"),
    # representations
    ("hooks unknown layer", lambda: hooked_representations(MLP, torch.randn(5, 4), layers=["nope"], progress=False), "unknown layer"),
    ("hooks unknown pooling", lambda: hooked_representations(MLP, torch.randn(5, 4), pooling="max", progress=False), "Unknown pooling"),
    ("hooks reused module", lambda: hooked_representations(SHARED, torch.randn(5, 4), progress=False), "module '1' ran 2 times"),
    ("hooks sequence-first", lambda: hooked_representations(SeqFirst(), torch.randn(6, 3, 4), layers=["attn"], progress=False), "layer 'attn' gives an output of shape (3, 6, 4)"),
    ("hooks batch of strings", lambda: hooked_representations(MLP, iter(["abc"]), progress=False), "a batch must be"),
    ("hooks nested strings", lambda: hooked_representations(MLP, [["a", "b"], ["c", "d"]], progress=False), "inputs must be numeric"),
    ("pool_output tokens pooling on a conv map", lambda: pool_output(torch.zeros(2, 3, 4, 4), "last"), "(batch, tokens, d)"),
    ("hf bare string", lambda: hf_hidden_states(*encoder()[:1], "one sentence", tokenizer=encoder()[1]), "one string"),
    ("hf non-strings", lambda: hf_hidden_states(encoder()[0], ["a", 2, "c"], tokenizer=encoder()[1]), "must all be strings"),
    ("hf two texts", lambda: hf_hidden_states(encoder()[0], TEXTS[:2], tokenizer=encoder()[1]), "at least 3 texts"),
    ("hf pooling", lambda: hf_hidden_states(encoder()[0], TEXTS, pooling="max", tokenizer=encoder()[1]), "Unknown pooling"),
    ("hf no tokenizer", lambda: hf_hidden_states(encoder()[0], TEXTS), "tokenizer"),
    ("hf max_length", lambda: hf_hidden_states(encoder()[0], TEXTS, max_length=0, tokenizer=encoder()[1]), "positive integer"),
    ("load_encoder missing folder", lambda: load_encoder("/no/such/model/dir"), "offline-minilm"),
    # data, profiles, pipeline
    ("load_sentiment n=0", lambda: load_sentiment("tweets", n=0), "even integer"),
    ("load_sentiment n=1", lambda: load_sentiment("tweets", n=1), "even integer"),
    ("load_sentiment n=7", lambda: load_sentiment("tweets", n=7), "even integer"),
    ("load_sentiment dataset", lambda: load_sentiment("imdb"), "Unknown dataset"),
    ("load_sentiment split", lambda: load_sentiment("tweets", "dev"), "Unknown split"),
    ("resolve_profile unknown key", lambda: resolve_profile("paper", PRESETS, n_seed=3), "unknown parameters ['n_seed']"),
    ("resolve_profile wrong type", lambda: resolve_profile("paper", PRESETS, n_seeds="abc"), "n_seeds='abc' must be an int"),
    ("resolve_profile zero count", lambda: resolve_profile("paper", PRESETS, n_seeds=0), "must be ≥ 1"),
    ("resolve_profile bool for int", lambda: resolve_profile("paper", PRESETS, n_seeds=True), "must be an int"),
    ("resolve_profile element type", lambda: resolve_profile("paper", PRESETS, sizes=["a"]), "sizes[0]='a'"),
    ("resolve_profile profile", lambda: resolve_profile("huge", PRESETS), "Unknown profile"),
    ("check_parameters", lambda: check_parameters(lr=("fast", 3e-3)), "lr='fast' must be a number"),
    ("run_pipeline missing folder", lambda: run_pipeline("quick", nbs_dir="/no/such/folder"), "does not exist"),
    ("run_pipeline --only", lambda: run_pipeline("quick", only=["99"]), "--only 99 matches no notebook"),
    ("run_pipeline profile", lambda: run_pipeline("huge"), "Unknown profile"),
]

def test_bad_input_table_is_large_and_distinct():
    assert len(BAD) >= 60
    assert len({name for name, _, _ in BAD}) == len(BAD)

@pytest.mark.parametrize("name,call,fragment", BAD, ids=[b[0] for b in BAD])
def test_bad_input_is_rejected_naming_the_problem(name, call, fragment):
    with pytest.raises(ValueError) as e: call()
    assert fragment in str(e.value), str(e.value)

# ---------------------------------------------------------------- hooks
def test_in_place_relu_does_not_change_the_recorded_conv_output():
    torch.manual_seed(0)
    cnn = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(inplace=True), nn.Conv2d(4, 2, 3), nn.ReLU(inplace=True))
    x = torch.randn(6, 1, 9, 9)
    with torch.no_grad(): true0 = cnn[0](x); true2 = cnn[2](torch.relu(true0))
    flat = hooked_representations(cnn, x, layers=["0", "2"], pooling="flatten", batch_size=4, progress=False)
    np.testing.assert_allclose(flat[0], true0.flatten(1).numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(flat[1], true2.flatten(1).numpy(), rtol=1e-5, atol=1e-6)
    assert flat[0].min() < 0
    mean, = hooked_representations(cnn, x, layers=["0"], progress=False)     # default pooling: channel means
    np.testing.assert_allclose(mean, true0.mean((2, 3)).numpy(), rtol=1e-5, atol=1e-6)

def test_dict_batches_mask_padding_in_token_pooling():
    class Tok(nn.Module):
        def __init__(self): super().__init__(); self.emb = nn.Embedding(10, 3)
        def forward(self, input_ids, attention_mask): return self.emb(input_ids)
    m = Tok(); ids = torch.tensor([[1, 2, 0], [3, 0, 0], [4, 5, 6]]); mask = (ids > 0).long()
    rep, = hooked_representations(m, [{"input_ids": ids, "attention_mask": mask}], layers=["emb"], progress=False)
    with torch.no_grad(): E = m.emb(ids)
    expected = torch.stack([E[0, :2].mean(0), E[1, :1].mean(0), E[2].mean(0)])
    np.testing.assert_allclose(rep, expected.numpy(), rtol=1e-6)

# ---------------------------------------------------------------- caches that heal
DAMAGE = {
    "truncated JSON": lambda p: p.write_text(p.read_text()[:7]),
    "missing keys": lambda p: p.write_text(json.dumps({"value": 0.1})),
    "negative value, null bound": lambda p: p.write_text(json.dumps({"value": -5, "lower_bound": None, "init": "product"})),
    "non-finite value": lambda p: p.write_text('{"value": NaN, "lower_bound": 0.0, "init": "product"}'),
}

@pytest.mark.parametrize("kind", DAMAGE)
def test_damaged_cache_entry_is_named_recomputed_and_rewritten(kind, tmp_path):
    reps = random_mlp_reps(n=40, widths=(8, 16, 8))
    fresh = layer_matrix(reps, cache_dir=tmp_path, progress=False)
    entry = sorted(tmp_path.glob("*.json"))[1]
    DAMAGE[kind](entry)
    with pytest.warns(UserWarning, match="damaged cache entry") as w:
        again = layer_matrix(reps, cache_dir=tmp_path, progress=False)
    assert any(str(entry) in str(x.message) for x in w)
    np.testing.assert_array_equal(again.values, fresh.values)
    res = json.loads(entry.read_text())
    assert engine._cache_problem(res, "gw") is None                     # rewritten, valid
    with warnings.catch_warnings():
        warnings.simplefilter("error")                                  # healed: no warning the third time
        layer_matrix(reps, cache_dir=tmp_path, progress=False)

def test_cache_keys_hash_every_byte_of_start_arrays(tmp_path):
    reps = random_mlp_reps(n=40, widths=(8, 16))
    g = np.random.default_rng(0); s1, s2 = g.permutation(40), g.permutation(40)
    G1, G2 = np.eye(40)[s1]/40, np.eye(40)[s2]/40                        # numpy's str() elides 40×40 arrays; the key must not
    a = layer_matrix(reps, cache_dir=tmp_path, progress=False, inits=[G1])
    b = layer_matrix(reps, cache_dir=tmp_path, progress=False, inits=[G2])
    assert len(list(tmp_path.glob("*.json"))) == 2
    assert a.values[0, 1] == pytest.approx(gw(*(pairwise_distances(R).astype(np.float32) for R in reps), inits=[G1]).value, rel=1e-12)
    assert b.values[0, 1] == pytest.approx(gw(*(pairwise_distances(R).astype(np.float32) for R in reps), inits=[G2]).value, rel=1e-12)

def test_cache_keys_carry_the_engine_version(tmp_path):
    reps = random_mlp_reps(n=40, widths=(8, 16))
    layer_matrix(reps, cache_dir=tmp_path, progress=False)
    with mock.patch.object(engine, "engine_version", return_value="a-newer-engine"):      # _compute_pairs reads it
        layer_matrix(reps, cache_dir=tmp_path, progress=False)
    assert len(list(tmp_path.glob("*.json"))) == 2                     # the old value is not reused

def test_scratch_folder_of_a_killed_run_is_removed():
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True).stdout.strip()
    stale = Path(tempfile.gettempdir())/f"gwpaper-{dead}-stale"; stale.mkdir(exist_ok=True); (stale/"0.npy").write_bytes(b"x")
    mine = engine._scratch_folder()
    try:
        assert not stale.exists()
        assert Path(mine.name).name.startswith(f"gwpaper-{os.getpid()}-")
    finally: mine.cleanup()

# ---------------------------------------------------------------- scale
SCALES = (1e-150, 1e-100, 1e-30, 1.0, 1e30, 1e100, 1e150)

@pytest.mark.parametrize("metric", ("euclidean", "sqeuclidean", "cosine"))
@pytest.mark.parametrize("normalize", ("mean", "max"))
def test_normalised_distances_do_not_depend_on_scale(metric, normalize):
    R = np.random.default_rng(2).normal(size=(30, 6))
    base = pairwise_distances(R, metric, normalize)
    for s in SCALES:
        C = pairwise_distances(s*R, metric, normalize)
        np.testing.assert_allclose(C, base, rtol=1e-9, atol=1e-12*base.max(), err_msg=f"scale {s:g}")

def test_tiny_layer_is_not_taken_as_constant():
    R = np.random.default_rng(3).normal(size=(12, 4))
    np.testing.assert_allclose(pairwise_distances(1e-300*R), pairwise_distances(R), rtol=1e-9)
    assert pairwise_distances(1e-300*R).max() > 0

@pytest.mark.parametrize("metric", METRICS)
@pytest.mark.parametrize("scale", (1e-300, 1e-150, 1e150, 1e200))
def test_no_metric_returns_nan_for_finite_input(metric, scale):
    reps = [scale*R for R in random_mlp_reps(n=30, widths=(8, 12, 6))]
    V = layer_matrix(reps, metric, progress=False).values
    assert not np.isnan(V).any(), V
    if not (metric == "wasserstein" and scale >= 1e150):              # W₂² of clouds at 1e200 is 1e400: above float64
        assert np.isfinite(V).all(), V

# ---------------------------------------------------------------- constant layers
def test_constant_layer_warned_once_by_name():
    reps = random_mlp_reps(n=30, widths=(8, 12))
    with pytest.warns(UserWarning, match="layer 'h0' is constant") as w:
        lm = layer_matrix([np.ones((30, 5)), *reps], labels=["h0", "h1", "h2"], progress=False)
    assert sum("is constant" in str(x.message) for x in w) == 1
    assert np.isfinite(lm.values).all()

# ---------------------------------------------------------------- HF models by folder, offline
def test_path_model_folder():
    folder = Path(resolve_model_path(OFFLINE_ENCODER))
    assert folder.is_dir()
    by_path = hf_hidden_states(folder, TEXTS, progress=False)
    by_name = hf_hidden_states(OFFLINE_ENCODER, TEXTS, progress=False)
    assert len(by_path) == 7
    np.testing.assert_allclose(np.stack(by_path), np.stack(by_name), rtol=1e-5, atol=1e-6)

def test_max_length_above_the_limit_is_clamped():
    model, tok = encoder()
    with pytest.warns(UserWarning, match="above this model's limit"):
        hs = hf_hidden_states(model, TEXTS, max_length=10_000, tokenizer=tok, progress=False)
    np.testing.assert_allclose(np.stack(hs), np.stack(hf_hidden_states(model, TEXTS, tokenizer=tok, progress=False)), rtol=1e-5, atol=1e-6)

def test_hub_name_fails_fast_when_offline():
    env = {k: v for k, v in os.environ.items() if k not in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE")}
    code = ("import time, transformers; from gwpaper.representations import load_encoder, hub_reachable\n"
            "from transformers import AutoModel, AutoTokenizer\n"          # import time is not the hub's
            "t = time.time()\n"
            "try: load_encoder('bert-base-uncased'); msg = 'LOADED'\n"
            "except ValueError as e: msg = str(e)\n"
            "dt = time.time() - t\n"
            "print('REACHABLE' if hub_reachable() else f'{dt:.2f} {msg}')\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120).stdout.strip()
    if out == "REACHABLE": pytest.skip("the hub is reachable here")
    seconds, message = out.split(" ", 1)
    assert float(seconds) < 2.0, out
    assert "offline-minilm" in message
