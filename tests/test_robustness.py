"""Every documented promise on unusual and bad inputs (issue 12).

- ties: `gw` is never above POT's default on one-hot, clustered, duplicate-row, integer-grid and dead-ReLU layers;
- a table of bad inputs across the public API, each rejected with `ValueError` and a message naming the problem;
- hooks copy what they record (in-place ReLU), caches heal, the scale of a layer changes nothing, `Path` model folders;
- every finding of the third hostile-input probe (at the end): the same inputs for both models, modes restored, a null for
  `segment`, scale, saving, the command line, and nothing deleted that is not ours.
"""
import functools, itertools, json, os, subprocess, sys, tempfile, time, warnings
from pathlib import Path
from unittest import mock
import numpy as np, ot, pandas as pd, pytest, torch
from torch import nn
import gwpaper._solver as solver, gwpaper._pairs as pairs
from gwpaper.distances import pairwise_distances, check_distance_matrix, METRICS
from gwpaper.gw import gw, layer_matrix, layer_distance, check_weights, initial_coupling
from gwpaper.subnetworks import segment, spectral_blocks, block_stability
from gwpaper.evaluate import block_recovery_ari, layer_matching_accuracy
from gwpaper.plots import save_figure, plot_layer_matrix
from gwpaper.representations import (hooked_representations, hf_hidden_states, load_encoder, pool_output, resolve_model_path,
                                     OFFLINE_ENCODER)
from gwpaper.paper.data import load_sentiment
from gwpaper.paper.pipeline import resolve_profile, check_parameters, run_pipeline
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
    with mock.patch.object(solver, "pot_product_start", wraps=solver.pot_product_start) as pot_path:
        gw(Cs["one-hot"], Cs["gaussian"], inits="product"); assert pot_path.call_count == 1
        gw(Cs["gaussian"], Cs["relu-mlp"], inits="product"); assert pot_path.call_count == 1
    assert (tie_layers(60, 1)["dead-relu"] == 0).all(1).sum() >= 5
    assert not solver.engine_follows_pot(Cs["dead-relu"], Cs["gaussian"], u, u)
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

class Flat(nn.Module):
    "A module whose output has lost the batch axis."
    def __init__(self): super().__init__(); self.lin = nn.Linear(4, 4)
    def forward(self, x): return self.lin(x.mean((0, 1)))

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
    ("pairwise_distances overflow", lambda: pairwise_distances(1e200*R10, "sqeuclidean", normalize="none"), "overflow"),
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
    ("hooks reused module", lambda: hooked_representations(SHARED, torch.randn(5, 4), progress=False), "module '1' runs 2 times per forward pass, and it has no repeating blocks that each run once. Pass `layers=`; these modules run exactly once: ['0', '2']"),
    ("hooks no batch axis", lambda: hooked_representations(Flat(), torch.randn(6, 3, 4), layers=["lin"], progress=False), "layer 'lin' gives an output of shape (4,)"),
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
    assert len({b[0] for b in BAD}) == len(BAD)

def test_bad_input_is_rejected_naming_the_problem(case):
    name, call, fragment, *kind = case
    with pytest.raises(kind[0] if kind else ValueError) as e: call()
    assert fragment in str(e.value), str(e.value)

def pytest_generate_tests(metafunc):
    "The table is parametrised after the whole module has run, so cases appended further down count too."
    if "case" in metafunc.fixturenames: metafunc.parametrize("case", BAD, ids=[b[0] for b in BAD])

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
    assert pairs.cache_problem(res, "gw") is None                     # rewritten, valid
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
    with mock.patch.object(pairs, "engine_version", return_value="a-newer-engine"):      # compute_pairs reads it
        layer_matrix(reps, cache_dir=tmp_path, progress=False)
    assert len(list(tmp_path.glob("*.json"))) == 2                     # the old value is not reused

def test_scratch_folder_of_a_killed_run_is_removed():
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True).stdout.strip()
    stale = Path(tempfile.gettempdir())/f"gwpaper-{dead}-stale"; stale.mkdir(exist_ok=True); (stale/"0.npy").write_bytes(b"x")
    (stale/pairs.SCRATCH_MARK).write_text(json.dumps({"host": __import__("socket").gethostname(), "pid": int(dead)}))
    mine = pairs.scratch_folder()
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
    base = pairwise_distances(R, metric, normalize=normalize)
    for s in SCALES:
        C = pairwise_distances(s*R, metric, normalize=normalize)
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

# ================================================================ every input, round 3
# Each numbered finding of the hostile-input probe: a correct result, or an exception naming the argument.
from torch.utils.data import DataLoader, TensorDataset, SubsetRandomSampler, WeightedRandomSampler, IterableDataset
from gwpaper.maps import layer_map, compare_models, model_representations, LayerMap
from gwpaper.distances import METRICS as ALL_METRICS
from gwpaper.subnetworks import split_p_value
from gwpaper.plots import plot_boundary_scores
from gwpaper import cli
import scipy.sparse

def small_net(seed=0):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(6, 12), nn.ReLU(), nn.Linear(12, 12), nn.ReLU(), nn.Linear(12, 4), nn.ReLU())

X40 = torch.randn(40, 6, generator=torch.Generator().manual_seed(0))

class Stream(IterableDataset):
    "A generator-backed dataset: a new random order on every pass."
    def __init__(self, X): self.X, self.passes = X, 0
    def __iter__(self):
        self.passes += 1
        for i in torch.randperm(len(self.X), generator=torch.Generator().manual_seed(self.passes)): yield self.X[i]

REORDERING = {
    "shuffle=True": lambda: DataLoader(TensorDataset(X40), batch_size=8, shuffle=True),
    "SubsetRandomSampler": lambda: DataLoader(TensorDataset(X40), batch_size=8, sampler=SubsetRandomSampler(range(40))),
    "WeightedRandomSampler": lambda: DataLoader(TensorDataset(X40), batch_size=8, sampler=WeightedRandomSampler(torch.ones(40), 40)),
    "generator-backed": lambda: DataLoader(Stream(X40), batch_size=8),
}

# 1. the same inputs for both models
@pytest.mark.parametrize("loader", REORDERING)
def test_model_against_itself_is_exactly_zero_with_any_loader(loader):
    net = small_net()
    for metric in ALL_METRICS:
        cm = compare_models(net, net, REORDERING[loader](), metric=metric, progress=False)
        assert np.all(np.diag(cm.values) == 0), (metric, np.diag(cm.values))

@pytest.mark.parametrize("loader", ["shuffle=True", "SubsetRandomSampler", "WeightedRandomSampler"])
def test_reordering_loader_with_n_is_refused_by_layer_map(loader):
    with pytest.raises(ValueError, match="reorders the inputs"): layer_map(small_net(), REORDERING[loader](), n=20, progress=False)

def test_compare_models_with_a_reordering_loader_and_n_draws_one_set():
    net = small_net()
    cm = compare_models(net, net, REORDERING["shuffle=True"](), n=20, metric="cka", progress=False)
    assert np.all(np.diag(cm.values) == 0)

# 2. precomputed representations of different lengths
def test_compare_models_refuses_unequal_row_counts():
    g = np.random.default_rng(0); ra, rb = [g.normal(size=(50, 4))]*2, [g.normal(size=(40, 4))]*2
    with pytest.raises(ValueError, match="reps_a has 50 inputs and reps_b 40"): compare_models(None, None, (ra, rb), n=20, progress=False)
    same = compare_models(None, None, (ra, ra), n=20, metric="cka", progress=False)
    assert np.all(same.values == 0)

# 3. sequence-first modules
class SeqModels(nn.Module):
    def __init__(self):
        super().__init__()
        self.mha = nn.MultiheadAttention(4, 2); self.enc = nn.TransformerEncoderLayer(4, 2, 8, dropout=0.0)
        self.gru = nn.GRU(4, 4); self.lin = nn.Linear(4, 4)
    def forward(self, x):
        t = x.transpose(0, 1)
        a = self.mha(t, t, t)[0]; e = self.enc(a); g = self.gru(e)[0]; return self.lin(g)

def test_sequence_first_modules_are_pooled_over_tokens_not_inputs():
    torch.manual_seed(0); m = SeqModels(); x = torch.randn(7, 7, 4)          # 7 inputs of 7 tokens
    reps = hooked_representations(m, x, layers=["mha", "enc", "gru", "lin", "enc.linear1"], progress=False)
    seen = []                                                           # linear1's own output, as the layer computes it inside
    handle = m.enc.linear1.register_forward_hook(lambda mod, i, o: seen.append(o))
    with torch.no_grad():
        m.eval(); t = x.transpose(0, 1); a = m.mha(t, t, t)[0]; e = m.enc(a); g = m.gru(e)[0]; l = m.lin(g)
    handle.remove()
    for R, T in zip(reps, (a, e, g, l, seen[0])): np.testing.assert_allclose(R, T.mean(0).numpy(), rtol=1e-5, atol=1e-5)   # (tokens, batch, d)

# 4. modes restored, statistics untouched
def frozen_bn_net():
    torch.manual_seed(0)
    m = nn.Sequential(nn.Linear(6, 12), nn.BatchNorm1d(12), nn.ReLU(), nn.Dropout(0.3), nn.Linear(12, 8), nn.ReLU())
    m.train(); m[1].eval(); return m                                   # frozen BN in a training model

def mc_dropout_net():
    m = frozen_bn_net(); m.eval(); m[3].train(); return m              # MC-dropout in an eval model

@pytest.mark.parametrize("make", [frozen_bn_net, mc_dropout_net])
def test_every_flag_and_batchnorm_statistic_is_bit_identical(make):
    m = make(); flags = [x.training for x in m.modules()]; state = {k: v.clone() for k, v in m.state_dict().items()}
    layer_map(m, X40, progress=False); compare_models(m, m, X40, metric="cka", progress=False)
    assert [x.training for x in m.modules()] == flags
    assert all(torch.equal(state[k], v) for k, v in m.state_dict().items())

def test_hf_encoder_flags_restored():
    model, tok = encoder(); model.train(); model.encoder.layer[0].eval()
    flags = [x.training for x in model.modules()]
    hf_hidden_states(model, TEXTS, tokenizer=tok, progress=False)
    assert [x.training for x in model.modules()] == flags
    model.eval()

# 5. segment's null
def noise_matrix(L, seed):
    R = np.random.default_rng(seed).random((L, L)); R = (R + R.T)/2; np.fill_diagonal(R, 0); return R

@pytest.mark.parametrize("L", [12, 30])
def test_segment_gives_one_block_on_noise_and_constants(L):
    flat = np.ones((L, L)) - np.eye(L)
    assert segment(flat).k == 1 and segment(1e-12*flat).k == 1 and "same distance" in segment(flat).note
    found = [segment(noise_matrix(L, s)) for s in range(20)]
    assert [r.k for r in found] == [1]*20, [(r.k, r.p_value) for r in found]
    assert all(r.p_value > 0.01 and "one block" in r.note for r in found)

def test_segment_k_max_L_is_not_all_singletons():
    from test_subnetworks import planted
    D = planted((3, 4, 2))
    assert segment(D, k_max=9).k == 3
    assert segment(D, k=9).k == 9                                       # asked for: given

def test_split_p_value_is_uniformish_on_noise():
    ps = np.array([split_p_value(noise_matrix(12, 100 + s), 2, n_perm=99, seed=s) for s in range(40)])
    assert 0.25 < np.median(ps) < 0.75                                   # no structure: not small

# 6. Conv1d pooling
def test_conv1d_and_its_activation_are_pooled_over_positions():
    torch.manual_seed(0); m = nn.Sequential(nn.Conv1d(3, 5, 3), nn.ReLU(), nn.Conv1d(5, 4, 3), nn.GELU())
    x = torch.randn(8, 3, 12)
    reps = hooked_representations(m, x, layers=["0", "1", "3"], progress=False)
    with torch.no_grad(): c0 = m[0](x); r1 = torch.relu(c0); g3 = m[3](m[2](r1))
    for R, T in zip(reps, (c0, r1, g3)): np.testing.assert_allclose(R, T.mean(2).numpy(), rtol=1e-5, atol=1e-6)

# 7. scale
@pytest.mark.parametrize("s", [1e-30, 1e-12, 1e-7, 1e7, 1e18, 1e30])
def test_gw_is_homogeneous_of_degree_two(s):
    g = np.random.default_rng(1); Ca, Cb = pairwise_distances(g.normal(size=(40, 3))), pairwise_distances(g.normal(size=(40, 5)))
    base = gw(Ca, Cb)
    r = gw(s*Ca, s*Cb)
    assert r.value == pytest.approx(s**2*base.value, rel=1e-6)
    assert r.lower_bound == pytest.approx(s**2*base.lower_bound, rel=1e-6)

@pytest.mark.parametrize("s", [1e39, 1e-46])
def test_normalize_none_keeps_float64_range(s):
    reps = random_mlp_reps(n=30, widths=(8, 12))
    raw = layer_matrix(reps, normalize="none", progress=False).values
    big = layer_matrix([s*R for R in reps], normalize="none", progress=False).values
    assert np.isfinite(big).all() and big[0, 1] > 0
    np.testing.assert_allclose(big/s**2, raw, rtol=1e-6)

# 8–18, cosmetic: the table of bad inputs grows (each a ValueError or TypeError naming the argument)
VIT = None
def vit():
    global VIT
    if VIT is None:
        from transformers import ViTConfig, ViTModel
        torch.manual_seed(0)
        VIT = ViTModel(ViTConfig(image_size=8, patch_size=4, num_channels=1, hidden_size=16, num_hidden_layers=2, num_attention_heads=2, intermediate_size=32))
    return VIT

class ReturnsNone(nn.Module):
    def __init__(self): super().__init__(); self.lin = nn.Linear(6, 6); self.none = NoneOut()
    def forward(self, x): self.none(x); return self.lin(x)
class NoneOut(nn.Module):
    def forward(self, x): return None

def masked(): return np.ma.masked_array(np.ones((5, 3)), mask=np.eye(5, 3, dtype=bool))

BAD += [
    # 8. truncation, complex, masked, spectral sigma, keyword typos
    ("hf max_length=1", lambda: hf_hidden_states(encoder()[0], TEXTS, max_length=1, tokenizer=encoder()[1]), "max_length=1 leaves no room"),
    ("hf max_length=2", lambda: hf_hidden_states(encoder()[0], TEXTS, max_length=2, tokenizer=encoder()[1]), "adds 2 special tokens"),
    ("hf max_length bool", lambda: hf_hidden_states(encoder()[0], TEXTS, max_length=True, tokenizer=encoder()[1]), "positive integer"),
    ("layer_matrix complex", lambda: layer_matrix([R10 + 1j*R10, R10], progress=False), "complex"),
    ("pairwise_distances complex", lambda: pairwise_distances(R10*1j), "complex"),
    ("gw complex", lambda: gw(C20 + 0j, C20), "complex"),
    ("hooks complex array", lambda: hooked_representations(MLP, np.ones((5, 4))*1j, progress=False), "complex"),
    ("hooks complex tensor", lambda: hooked_representations(MLP, [torch.ones(5, 4, dtype=torch.complex64)], progress=False), "complex"),
    ("layer_matrix masked", lambda: layer_matrix([masked(), np.ones((5, 3))], progress=False), "masked array"),
    ("pairwise_distances masked", lambda: pairwise_distances(masked()), "masked array"),
    ("gw masked", lambda: gw(np.ma.masked_array(C20), C20), "masked array"),
    ("hooks masked", lambda: hooked_representations(MLP, np.ma.masked_array(np.ones((5, 4)), mask=False), progress=False), "masked array"),
    ("spectral sigma<0", lambda: spectral_blocks(D5, 2, sigma=-1.0), "sigma=-1.0"),
    ("spectral sigma=0", lambda: spectral_blocks(D5, 2, sigma=0.0), "sigma=0.0"),
    ("spectral sigma nan", lambda: spectral_blocks(D5, 2, sigma=float("nan")), "sigma=nan"),
    ("spectral k bool", lambda: spectral_blocks(D5, True), "integer"),
    ("layer_matrix typo gw", lambda: layer_matrix([R10, R10], "gw", cache_dri="x", progress=False), "cache_dri", TypeError),
    ("layer_matrix typo cka", lambda: layer_matrix([R10, R10], "cka", cache_dri="x", progress=False), "cache_dri", TypeError),
    ("layer_matrix typo rsa", lambda: layer_matrix([R10, R10], "rsa", nomralize="max", progress=False), "nomralize", TypeError),
    ("layer_matrix typo euclidean", lambda: layer_matrix([R10, R10], "euclidean", max_iters=5, progress=False), "max_iters", TypeError),
    ("layer_matrix typo cosine", lambda: layer_matrix([R10, R10], "cosine", n_job=2, progress=False), "n_job", TypeError),
    ("layer_matrix typo wasserstein", lambda: layer_matrix([R10, R10], "wasserstein", bnad=1, progress=False), "bnad", TypeError),
    ("layer_matrix typo gw_identity", lambda: layer_matrix([R10, R10], "gw_identity", init="x", progress=False), "init", TypeError),
    ("cross_layer_matrix typo", lambda: __import__("gwpaper.gw").gw.cross_layer_matrix([R10], [R10], "cka", cache_dri="x", progress=False), "cache_dri", TypeError),
    ("cross_layer_matrix band", lambda: __import__("gwpaper.gw").gw.cross_layer_matrix([R10], [R10], "cka", band=1, progress=False), "band", TypeError),
    ("layer_map typo", lambda: layer_map(None, [R10, R10], metric="cka", cache_dri="x", progress=False), "cache_dri", TypeError),
    ("compare_models typo", lambda: compare_models(None, None, ([R10], [R10]), metric="cka", cache_dri="x", progress=False), "cache_dri", TypeError),
    ("layer_distance typo", lambda: layer_distance(R10, R10, "gw", max_iters=3), "max_iters", TypeError),
    # 10–11. outputs
    ("LayerMap.save into a file", lambda: saved_map().save(__file__), "is a file"),
    # 12–14. models and hooks
    ("hooks dict-less None output", lambda: hooked_representations(ReturnsNone(), X40, layers=["none"], progress=False), "layer 'none' returned NoneType"),
    ("hooks layers=[]", lambda: hooked_representations(MLP, torch.randn(5, 4), layers=[], progress=False), "layers=[]"),
    ("hooks duplicated layer", lambda: hooked_representations(MLP, torch.randn(5, 4), layers=["1", "1"], progress=False), "more than once"),
    ("hooks layer not a string", lambda: hooked_representations(MLP, torch.randn(5, 4), layers=[1], progress=False), "strings"),
    ("hooks batch_size=0", lambda: hooked_representations(MLP, torch.randn(5, 4), batch_size=0, progress=False), "batch_size=0"),
    ("hooks batch_size<0", lambda: hooked_representations(MLP, torch.randn(5, 4), batch_size=-3, progress=False), "batch_size=-3"),
    ("hooks batch_size float", lambda: hooked_representations(MLP, torch.randn(5, 4), batch_size=2.5, progress=False), "batch_size=2.5"),
    ("hooks model not a module", lambda: hooked_representations("mlp", torch.randn(5, 4), progress=False), "torch.nn.Module"),
    ("layer_map batch_size=0", lambda: layer_map(MLP, torch.randn(5, 4), batch_size=0, progress=False), "batch_size=0"),
    ("layer_map batch_size<0", lambda: layer_map(MLP, torch.randn(5, 4), batch_size=-1, progress=False), "batch_size=-1"),
    ("hf batch_size=0", lambda: hf_hidden_states(encoder()[0], TEXTS, batch_size=0, tokenizer=encoder()[1]), "batch_size=0"),
    ("hf name with tensors", lambda: layer_map(OFFLINE_ENCODER, torch.randn(5, 4), progress=False), "vision model"),
    ("hf vision pooling", lambda: layer_map(vit(), torch.randn(4, 1, 8, 8), pooling="max", progress=False), "Unknown pooling"),
    ("layer_map k=0", lambda: layer_map(MLP, torch.randn(5, 4), k=0, progress=False), "k=0"),
    ("layer_map k bool", lambda: layer_map(MLP, torch.randn(5, 4), k=True, progress=False), "k=True"),
    ("layer_map k > L", lambda: layer_map(MLP, torch.randn(5, 4), k=3, progress=False), "the model has 1 layer"),
    ("layer_map band=0", lambda: layer_map(MLP, torch.randn(5, 4), band=0, progress=False), "band=0"),
    # 16. entry points
    ("compare_models one None", lambda: compare_models(None, MLP, torch.randn(5, 4), progress=False), "model_a is None"),
    ("compare_models other None", lambda: compare_models(MLP, None, torch.randn(5, 4), progress=False), "model_b is None"),
    ("compare_models used-up iterator", lambda: compare_models(MLP, MLP, iter([]), progress=False), "gave nothing"),
    ("compare_models not iterable", lambda: compare_models(MLP, MLP, 42, progress=False), "neither an array"),
    # 17. caches
    ("cache_dir is a file", lambda: layer_matrix([R10, R10], cache_dir=__file__, progress=False), "is a file"),
    # 18. leftovers
    ("segment 0x0", lambda: segment(np.zeros((0, 0))), "no layers"),
    ("segment k=True", lambda: segment(D5, k=True), "integer"),
    ("segment k_max=True", lambda: segment(D5, k_max=True), "positive integer"),
    ("segment alpha=0", lambda: segment(D5, alpha=0), "alpha=0"),
    ("segment alpha=1.5", lambda: segment(D5, alpha=1.5), "alpha=1.5"),
    ("segment n_perm=0", lambda: segment(D5, n_perm=0), "n_perm=0"),
    ("segment negative", lambda: segment(-D5), "negative"),
    ("n_jobs=0", lambda: layer_matrix([R10, R10], n_jobs=0, progress=False), "n_jobs=0"),
    ("n_jobs str", lambda: layer_matrix([R10, R10], n_jobs="all", progress=False), "n_jobs='all'"),
    ("gw seed str", lambda: gw(C20, C20, seed="x"), "seed='x'"),
    ("gw seed<0", lambda: gw(C20, C20, seed=-1), "seed=-1"),
    ("gw device", lambda: gw(C20, C20, device="nope"), "device='nope'"),
    ("gw max_iter=0", lambda: gw(C20, C20, max_iter=0), "max_iter=0"),
    ("gw tol_rel<0", lambda: gw(C20, C20, tol_rel=-1.0), "tol_rel=-1.0"),
    ("gw tol_abs str", lambda: gw(C20, C20, tol_abs="tiny"), "tol_abs='tiny'"),
    ("gw inits empty", lambda: gw(C20, C20, inits=[]), "empty"),
    ("layer (n, 0)", lambda: layer_matrix([np.ones((10, 0)), R10], progress=False), "no features"),
    ("pairwise (n, 0)", lambda: pairwise_distances(np.ones((10, 0))), "no features"),
    ("meta tensor", lambda: layer_matrix([torch.empty(10, 4, device="meta"), R10], progress=False), "meta tensor"),
    ("hooks 1-D float inputs", lambda: hooked_representations(MLP, torch.randn(10), progress=False), "one row per input"),
    ("hooks 0-d inputs", lambda: hooked_representations(MLP, torch.tensor(1.0), progress=False), "one row per input"),
    ("layer_map 1-D inputs", lambda: layer_map(MLP, np.arange(10.0), progress=False), "one row per input"),
    # cosmetic
    ("labels with |", lambda: layer_matrix([R10, R10], labels=["a|b", "c"], progress=False), "contain '|'"),
    ("labels duplicated", lambda: layer_matrix([R10, R10], labels=["a", "a"], progress=False), "unique"),
    ("cross labels duplicated", lambda: __import__("gwpaper.gw").gw.cross_layer_matrix([R10, R10], [R10], labels_a=["a", "a"], progress=False), "labels_a must be unique"),
    ("one layer, two labels", lambda: layer_matrix([R10], labels=["a", "b"], progress=False), "2 labels for 1 layer"),
    ("representations dict with labels", lambda: layer_matrix({"a": R10, "b": R10}, labels=["x"], progress=False), "1 labels for 2 layers"),
]

_SAVED = {}
def saved_map():
    if "m" not in _SAVED: _SAVED["m"] = layer_map(None, random_mlp_reps(n=30, widths=(8, 12, 6)), progress=False)
    return _SAVED["m"]

def test_bad_input_table_has_150_cases():
    assert len(BAD) >= 150, len(BAD)

# 9. scratch folders: ours only
def test_only_our_dead_scratch_folders_are_removed():
    dead = int(subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True).stdout)
    tmp = Path(tempfile.gettempdir())
    user = tmp/f"gwpaper-{dead}-mine"; user.mkdir(exist_ok=True); (user/"thesis.tex").write_text("keep me")
    other_host = tmp/f"gwpaper-{dead}-elsewhere"; other_host.mkdir(exist_ok=True)
    (other_host/pairs.SCRATCH_MARK).write_text(json.dumps({"host": "another-machine", "pid": dead}))
    ours = tmp/f"gwpaper-{dead}-ours"; ours.mkdir(exist_ok=True)
    (ours/pairs.SCRATCH_MARK).write_text(json.dumps({"host": __import__("socket").gethostname(), "pid": dead}))
    mine = pairs.scratch_folder()
    try:
        assert (user/"thesis.tex").read_text() == "keep me"            # a user's folder named like ours survives
        assert other_host.exists()                                     # another machine's run on a shared TMPDIR survives
        assert not ours.exists()                                       # ours, from a dead process on this host, goes
        assert (Path(mine.name)/pairs.SCRATCH_MARK).exists()
    finally:
        mine.cleanup(); import shutil; shutil.rmtree(user); shutil.rmtree(other_host)

# 10–11. saving: refuse to overwrite, all files or none, numpy ints
def test_save_refuses_non_empty_folder_and_writes_all_or_nothing(tmp_path):
    m = saved_map()
    m.segmentation.k = np.int64(m.segmentation.k)                       # a numpy int: JSON must still work
    out = tmp_path/"map"; names = sorted(p.name for p in m.save(out))
    assert names == ["blocks.json", "layer_map.pdf", "layer_map.png", "matrix.csv"]
    assert json.loads((out/"blocks.json").read_text())["k"] == int(m.segmentation.k)
    with pytest.raises(ValueError, match="not empty"): m.save(out)
    assert len(m.save(out, overwrite=True)) == 4
    broken = tmp_path/"broken"
    with mock.patch("gwpaper.maps.atomic_write_json", side_effect=OSError("disk full")), pytest.raises(OSError):
        m.save(broken)
    assert not broken.exists() and not list(tmp_path.glob(".broken.*"))   # nothing half-written, no temporary left

# 12. dtypes
@pytest.mark.parametrize("dtype", [torch.float64, torch.float16, torch.bfloat16])
def test_models_of_any_float_dtype_can_be_mapped(dtype):
    m = small_net().to(dtype)
    lm = layer_map(m, X40, metric="cka", progress=False)
    assert np.isfinite(lm.matrix.values).all() and len(lm.matrix) == 3

# 13. HF vision models
def test_hf_vision_model_reads_pixels():
    m = vit(); x = torch.randn(12, 1, 8, 8)
    lmap = layer_map(m, x, metric="cka", progress=False)
    assert lmap.matrix.labels == ["h0", "h1", "h2"]
    with torch.no_grad(): hs = m(pixel_values=x, output_hidden_states=True).hidden_states
    r = model_representations(m, x, progress=False)
    np.testing.assert_allclose(r.reps[1], hs[1].mean(1).numpy(), rtol=1e-5, atol=1e-6)

# 14. outputs of other shapes
def test_dict_and_tuple_outputs_are_recorded():
    class D(nn.Module):
        def __init__(self): super().__init__(); self.lin = nn.Linear(6, 5)
        def forward(self, x): return {"hidden": self.lin(x)}
    class T(nn.Module):
        def __init__(self): super().__init__(); self.lin = nn.Linear(6, 5)
        def forward(self, x): return torch.tensor(0.5), self.lin(x)
    class Net(nn.Module):
        def __init__(self): super().__init__(); self.d, self.t = D(), T()
        def forward(self, x): return self.d(x)["hidden"] + self.t(x)[1]
    net = Net(); d, t = hooked_representations(net, X40, layers=["d", "t"], progress=False)
    with torch.no_grad(): np.testing.assert_allclose(d, net.d.lin(X40).numpy(), rtol=1e-6); np.testing.assert_allclose(t, net.t.lin(X40).numpy(), rtol=1e-6)

# 15. the command line checks everything before any work
def run_cli(argv):
    err = __import__("io").StringIO()
    with __import__("contextlib").redirect_stderr(err):
        try: code = cli.main(argv)
        except SystemExit as e: code = e.code
    return code, err.getvalue()

@pytest.mark.parametrize("extra,fragment", [
    (["--seed", "-1"], "--seed: must be an integer ≥ 0"), (["--k", "0"], "--k: must be an integer ≥ 1"),
    (["--band", "0"], "--band: must be an integer ≥ 1"), (["--n", "2"], "--n: must be an integer ≥ 3"),
    (["--jobs", "0"], "--jobs: must be -1"), (["--max-length", "0"], "--max-length: must be an integer ≥ 1"),
    (["--metric", "procrustes"], "invalid choice"), (["--pooling", "max"], "invalid choice"),
    (["--alpha", "2"], "--alpha: must be a number in (0, 1) or 'none'")])
def test_cli_rejects_bad_numbers_before_work(extra, fragment, tmp_path):
    txt = tmp_path/"t.txt"; txt.write_text("a\nb\nc\n")
    with mock.patch("gwpaper.maps.layer_map", side_effect=AssertionError("work started")):
        code, err = run_cli(["map", OFFLINE_ENCODER, "--texts", str(txt), *extra])
    assert code == 2 and fragment in err, err

def test_cli_names_bad_files_and_folders_before_work(tmp_path):
    bad = tmp_path/"latin1.txt"; bad.write_bytes("caf\xe9\nna\xefve\nthird\n".encode("latin-1"))
    good = tmp_path/"t.txt"; good.write_text("a\nb\nc\n")
    full = tmp_path/"full"; full.mkdir(); (full/"x").write_text("x")
    with mock.patch("gwpaper.maps.layer_map", side_effect=AssertionError("work started")), \
         mock.patch("gwpaper.maps.compare_models", side_effect=AssertionError("work started")):
        for argv, fragment in ((["map", OFFLINE_ENCODER, "--texts", str(bad)], f"--texts {bad}: not UTF-8"),
                               (["map", str(tmp_path/"no-model"), "--texts", str(good)], "no-model does not exist"),
                               (["map", OFFLINE_ENCODER, "--texts", str(good), "--out", str(full)], "is not empty"),
                               (["map", OFFLINE_ENCODER, "--texts", str(good), "--out", str(good)], "is a file"),
                               (["compare", OFFLINE_ENCODER, str(tmp_path/"nope"), "--texts", str(good)], "nope does not exist")):
            code, err = run_cli(argv)
            assert code == 2 and fragment in err, (argv, err)

def test_cli_map_and_compare_write_their_own_files(tmp_path):
    txt = tmp_path/"t.txt"; txt.write_text("\n".join(TEXTS + ["a great film", "a poor film"]))
    out = tmp_path/"out"
    assert run_cli(["map", OFFLINE_ENCODER, "--texts", str(txt), "--metric", "cka", "--out", str(out)])[0] == 0
    assert run_cli(["compare", OFFLINE_ENCODER, OFFLINE_ENCODER, "--texts", str(txt), "--metric", "cka", "--out", str(out)])[0] == 2
    assert run_cli(["compare", OFFLINE_ENCODER, OFFLINE_ENCODER, "--texts", str(txt), "--metric", "cka", "--out", str(out), "--force"])[0] == 0
    assert sorted(p.name for p in out.iterdir()) == ["blocks.json", "compare.csv", "compare.pdf", "compare.png", "compare_matches.csv",
                                                     "layer_map.pdf", "layer_map.png", "matrix.csv"]

def test_cli_notebooks_errors_are_its_own(tmp_path):
    code, err = run_cli(["notebooks", "--profile", "quick", "--only", "99"])
    assert code == 2 and err.startswith("gwpaper notebooks: error:") and "python -m gwpaper.paper.pipeline" not in err

# 16. one-shot iterators
def test_compare_models_reads_a_generator_once():
    net = small_net()
    cm = compare_models(net, net, (X40[i:i+8] for i in range(0, 40, 8)), metric="gw", progress=False)
    assert np.all(np.diag(cm.values) == 0)
    texts = TEXTS + ["a great film", "a poor film"]
    cm = compare_models(OFFLINE_ENCODER, OFFLINE_ENCODER, iter(texts), metric="cka", progress=False)
    assert np.all(np.diag(cm.values) == 0)

# 17. caches: a damaged datasets cache is named and rebuilt, a folder in a file's place is named
def test_damaged_datasets_cache_is_named_and_rebuilt(tmp_path, monkeypatch):
    from gwpaper import data
    monkeypatch.setenv("GWPAPER_CACHE", str(tmp_path))
    src = data.fetch_source("tweets", cache=Path(__import__("gwpaper.utils").utils.repo_root(Path(__file__)))/"data"/"cache")
    (tmp_path/src.name).write_bytes(src.read_bytes())
    fresh = data.load_sentiment("tweets", "test")
    for arrow in (tmp_path/"hf_datasets").rglob("*.arrow"): arrow.write_bytes(b"not an arrow file")
    with pytest.warns(UserWarning, match=str(tmp_path/"hf_datasets")):
        again = data.load_sentiment("tweets", "test")
    assert list(again["text"]) == list(fresh["text"]) and list(again["label"]) == list(fresh["label"])

def test_folder_where_a_cache_file_belongs_is_named(tmp_path):
    from gwpaper import data
    (tmp_path/data.OFFLINE_SOURCES["tweets"].filename).mkdir()
    with pytest.raises(ValueError, match="is a folder where the data file"): data.fetch_source("tweets", cache=tmp_path)
    reps = random_mlp_reps(n=30, widths=(8, 12))
    layer_matrix(reps, cache_dir=tmp_path/"c", progress=False)
    entry = next((tmp_path/"c").glob("*.json")); entry.unlink(); entry.mkdir()
    with pytest.raises(ValueError, match="is a folder where a cache file belongs"): layer_matrix(reps, cache_dir=tmp_path/"c", progress=False)

# 18. leftovers that now work
def test_leftovers_that_now_give_the_right_answer():
    plot_boundary_scores(D5, boundaries=np.array([2]))                    # an array of boundaries
    import matplotlib.pyplot as plt; plt.close("all")
    big = [np.random.default_rng(0).normal(size=(300, 3)), np.random.default_rng(1).normal(size=(300, 3))]
    assert np.isfinite(layer_matrix(big, "gw_identity", n_jobs=None, progress=False).values).all()
    Ca, Cb = pairwise_distances(R10), pairwise_distances(np.random.default_rng(3).normal(size=(12, 2)))
    r = gw(Ca, Cb)                                                      # n ≠ m: the default starts are the product start
    assert r.init == "product" and r.value == pytest.approx(ot.gromov.gromov_wasserstein2(Ca, Cb), rel=1e-9)
    assert gw(C20, C20, inits=None).value == 0
    sp = layer_matrix([scipy.sparse.csr_matrix(R10), R10], "cka", progress=False)
    assert sp.values[0, 1] == pytest.approx(0, abs=1e-12)
    named = layer_matrix({"first": R10, "second": 2*R10}, "cka", progress=False)
    assert named.labels == ["first", "second"]
    assert layer_map(None, {"a": R10, "b": R10}, metric="cka", progress=False).matrix.labels == ["a", "b"]

# 19. no hang at zero tolerances
@pytest.mark.parametrize("kind", ["continuous", "tied"])
def test_zero_tolerances_stop_when_nothing_moves(kind):
    g = np.random.default_rng(0)
    X = g.normal(size=(100, 3)) if kind == "continuous" else np.eye(5)[g.integers(0, 5, 100)]
    Ca, Cb = pairwise_distances(X), pairwise_distances(g.normal(size=(100, 4)))
    t = time.time(); r = gw(Ca, Cb, tol_rel=0, tol_abs=0, max_iter=10**6)
    assert time.time() - t < 60 and r.value <= gw(Ca, Cb).value*(1 + 1e-9)

# cosmetic
def test_figure_name_with_extension_is_not_doubled(tmp_path):
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(); saved = save_figure(fig, "x.png", pd.DataFrame([1]), out_dir=tmp_path); plt.close(fig)
    assert saved.png.name == "x.png" and not (tmp_path/"x.png.png").exists()

def _children(pid:int, marker:str)->list[int]:
    "Processes whose parent is `pid` and whose command line contains `marker`."
    out = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit(): continue
        try:
            stat = (d/"stat").read_text(); cmd = (d/"cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError: continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid and marker in cmd: out.append(int(d.name))
    return out

def _running(pid:int)->bool:
    try: return (Path("/proc")/str(pid)/"stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError: return False

def _cpu_seconds(pid:int)->float:
    "User + system CPU time of a process so far (0 once it is gone)."
    try: f = (Path("/proc")/str(pid)/"stat").read_text().rsplit(")", 1)[1].split()
    except OSError: return 0.0
    return (int(f[11]) + int(f[12]))/os.sysconf("SC_CLK_TCK")

@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_workers_end_soon_after_their_parent_is_killed():
    code = ("import numpy as np; from gwpaper.gw import layer_matrix\n"
            "g = np.random.default_rng(0); reps = [g.normal(size=(400, 4)) for _ in range(16)]\n"
            "layer_matrix(reps, metric='gw', n_jobs=2, progress=False)\n")
    p = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline, kids = time.time() + 120, []
        while time.time() < deadline and len(kids) < 2 and p.poll() is None:
            kids = _children(p.pid, "popen_loky"); time.sleep(0.2)
        assert kids, "no loky workers started"
        # each worker has imported gwpaper (about 1.5 s of CPU) and solved pairs for a while, so its parent watch runs;
        # waiting on CPU time, not the clock, keeps this true on a loaded machine
        while time.time() < deadline and p.poll() is None and min(map(_cpu_seconds, kids)) < 3: time.sleep(0.2)
        assert p.poll() is None, "finished before it could be killed"
    finally: p.kill(); p.wait()
    t = time.time()
    while time.time() - t < 20 and any(_running(k) for k in kids): time.sleep(0.2)
    assert not any(_running(k) for k in kids), "workers outlived their killed parent"

def test_warnings_point_at_the_callers_own_line():
    reps = random_mlp_reps(n=30, widths=(8, 12))
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        layer_map(None, [np.ones((30, 5)), *reps], progress=False)      # through layer_map → layer_matrix → the engine
    hits = [x for x in w if "is constant" in str(x.message)]
    assert hits and all(x.filename == __file__ for x in hits), [x.filename for x in hits]
