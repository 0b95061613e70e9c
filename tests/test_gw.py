"GW engine: known answers, never worse than POT's default, certificates, invariances, caching."
import itertools, json
import numpy as np, ot, pytest
from unittest import mock
from gwpaper.distances import pairwise_distances
from gwpaper.gw import gw, layer_matrix, layer_distance, second_lower_bound
from conftest import random_mlp_reps

def random_rotation(d, g):
    Q, R = np.linalg.qr(g.normal(size=(d, d)))
    return Q*np.sign(np.diag(R))

@pytest.mark.parametrize("seed", range(5))
def test_rotated_translated_permuted_copy_has_zero_gw(seed):
    g = np.random.default_rng(seed)
    X = g.normal(size=(50, 4))
    Y = (X @ random_rotation(4, g) + g.normal(size=4)*10)[g.permutation(50)]
    r = gw(pairwise_distances(X), pairwise_distances(Y))
    assert 0 <= r.value <= 1e-8
    assert r.lower_bound <= 1e-12

def test_reversed_line_gives_antidiagonal_plan():
    x = np.sort(np.random.default_rng(0).uniform(0, 1, 20))[:, None]
    x[:, 0] += np.arange(20)*0.1   # distinct gaps: the reversal is the only non-trivial isometry
    x[:, 0] = x[:, 0]**1.5
    r = gw(pairwise_distances(x), pairwise_distances(x[::-1]), return_coupling=True)
    assert r.value <= 1e-10
    np.testing.assert_allclose(r.coupling, np.fliplr(np.eye(20))/20, atol=1e-8)

def test_marginals_of_coupling():
    reps = random_mlp_reps(n=40)
    r = gw(pairwise_distances(reps[0]), pairwise_distances(reps[-1]), inits=("product", "random"), return_coupling=True)
    np.testing.assert_allclose(r.coupling.sum(1), np.full(40, 1/40), atol=1e-10)
    np.testing.assert_allclose(r.coupling.sum(0), np.full(40, 1/40), atol=1e-10)

def test_never_worse_than_pot_default_on_many_pairs():
    reps = random_mlp_reps(n=70, widths=(16, 64, 8, 32, 128, 12, 48), seed=3)
    Cs = [pairwise_distances(R) for R in reps]
    pairs = list(itertools.combinations(range(len(Cs)), 2))
    assert len(pairs) >= 20
    ratios = []
    for a, b in pairs:
        r = gw(Cs[a], Cs[b])
        pot = ot.gromov.gromov_wasserstein2(Cs[a], Cs[b])
        assert r.value <= pot*(1 + 1e-6), (a, b, r.value, pot)
        assert r.lower_bound <= r.value
        # the product start follows POT's default iterations: same value to round-off
        assert gw(Cs[a], Cs[b], inits="product").value == pytest.approx(pot, rel=1e-9, abs=1e-12)
        ratios.append(r.value / pot)
    assert min(ratios) < 1   # the identity start does find lower values on some pairs

def test_candidate_arc_lps_keep_pot_trajectory():
    # above n = 128 the LPs after the first run on candidate arcs (nbs/02a_solver, item 6): the product start must still follow POT
    import gwpaper._solver as solver
    reps = random_mlp_reps(n=240, widths=(16, 64, 8, 32), seed=6)
    Cs = [pairwise_distances(R) for R in reps]
    with mock.patch.object(solver, "restricted_lp", wraps=solver.restricted_lp) as restricted:
        for a, b in itertools.combinations(range(len(Cs)), 2):
            pot, log = ot.gromov.gromov_wasserstein2(Cs[a], Cs[b], log=True)
            assert gw(Cs[a], Cs[b]).value <= pot*(1 + 1e-6), (a, b)
            r = gw(Cs[a], Cs[b], inits="product")
            assert r.value == pytest.approx(pot, rel=1e-9, abs=1e-12), (a, b)
            assert r.n_iter == len(log["loss"]) - 1
    assert restricted.call_count > 0

def test_lower_bound_never_above_value_random_matrices():
    g = np.random.default_rng(7)
    for _ in range(30):
        n = g.integers(3, 25)
        A, B = (g.random((n, n)) for _ in range(2)); A, B = A + A.T, B + B.T
        np.fill_diagonal(A, 0); np.fill_diagonal(B, 0)
        r = gw(A, B, inits=("identity", "product", "random"))
        assert r.lower_bound <= r.value
        assert r.value <= ot.gromov.gromov_wasserstein2(A, B) + 1e-12

def test_slb_matches_general_formula_with_weights():
    g = np.random.default_rng(1)
    A = pairwise_distances(g.normal(size=(15, 3))); B = pairwise_distances(g.normal(size=(15, 5)))
    u = np.full(15, 1/15)
    assert second_lower_bound(A, B) == pytest.approx(second_lower_bound(A, B, u, u), rel=1e-10)
    A2 = pairwise_distances(g.normal(size=(9, 3)))   # n != m: the general path
    assert 0 <= second_lower_bound(A2, B) <= gw(A2, B, inits=("product",)).value

@pytest.mark.parametrize("metric", ["gw", "cka"])
def test_scale_and_neuron_permutation_invariance(metric):
    g = np.random.default_rng(2)
    Ra, Rb = random_mlp_reps(n=60, seed=4)[1:3]
    base = layer_distance(Ra, Rb, metric)
    scaled = layer_distance(7*Ra, Rb, metric)
    permuted = layer_distance(Ra[:, g.permutation(Ra.shape[1])], Rb, metric)
    assert scaled == pytest.approx(base, rel=1e-9, abs=1e-12)
    assert permuted == pytest.approx(base, rel=1e-9, abs=1e-12)

def test_layer_matrix_structure(mlp_reps):
    lm = layer_matrix(mlp_reps, progress=False)
    L = len(mlp_reps)
    assert lm.values.shape == (L, L) and np.allclose(lm.values, lm.values.T)
    assert np.all(np.diag(lm.values) == 0) and np.all(lm.values[~np.eye(L, dtype=bool)] > 0)
    assert np.all(lm.lower_bounds <= lm.values)
    C = [pairwise_distances(R).astype(np.float32) for R in mlp_reps]   # layer_matrix stores C_l in float32
    assert lm.values[1, 4] == pytest.approx(gw(C[1], C[4]).value, rel=1e-10)
    assert list(lm.to_frame().index) == [str(i) for i in range(L)]

def test_parallel_equals_serial():
    from gwpaper.gw import SERIAL_BELOW_N
    reps = random_mlp_reps(n=SERIAL_BELOW_N, widths=(16, 32, 8))   # large enough for worker processes
    a = layer_matrix(reps, n_jobs=2, progress=False)
    b = layer_matrix(reps, n_jobs=1, progress=False)
    np.testing.assert_allclose(a.values, b.values, rtol=1e-10, atol=1e-14)

def test_cache_resumes_after_interruption(tmp_path, mlp_reps):
    import gwpaper.gw as G
    reps = mlp_reps[:5]  # 10 pairs
    real, calls = G._gw_prepared, []
    def dies_after_four(*a, **k):
        if len(calls) == 4: raise KeyboardInterrupt("killed")
        calls.append(1); return real(*a, **k)
    # n_jobs=1: the mock lives in this process (worker processes import their own gwpaper)
    with mock.patch("gwpaper.gw._gw_prepared", side_effect=dies_after_four), pytest.raises(KeyboardInterrupt):
        layer_matrix(reps, cache_dir=tmp_path, n_jobs=1, progress=False)
    assert len(list(tmp_path.glob("*.json"))) == 4
    assert not list(tmp_path.glob(".*tmp"))               # nothing half-written
    calls2 = []
    def counting(*a, **k): calls2.append(1); return real(*a, **k)
    with mock.patch("gwpaper.gw._gw_prepared", side_effect=counting):
        resumed = layer_matrix(reps, cache_dir=tmp_path, n_jobs=1, progress=False)
    assert len(calls2) == 6                                # only the unfinished pairs
    np.testing.assert_allclose(resumed.values, layer_matrix(reps, n_jobs=1, progress=False).values, rtol=0, atol=0)
    # options are part of the key: another normalisation is a different cache entry
    layer_matrix(reps, cache_dir=tmp_path, normalize="max", progress=False)
    assert len(list(tmp_path.glob("*.json"))) == 20


def test_engine_matches_pot_iterates_with_non_uniform_weights():
    reps = random_mlp_reps(n=50, seed=5)
    Ca, Cb = pairwise_distances(reps[0]), pairwise_distances(reps[2])
    g = np.random.default_rng(0); p, q = g.dirichlet(np.ones(50)), g.dirichlet(np.ones(50))
    r = gw(Ca, Cb, inits="product", p=p, q=q, return_coupling=True)
    T, log = ot.gromov.gromov_wasserstein(Ca, Cb, p, q, log=True)
    assert r.value == pytest.approx(float(log["gw_dist"]), rel=1e-9)
    np.testing.assert_allclose(r.coupling, T, atol=1e-12)

def test_certified_start_skips_the_rest():
    C = pairwise_distances(random_mlp_reps(n=30)[1])
    r = gw(C, C)   # identity start reaches 0 = SLB: the product start cannot improve it
    assert r.value == 0 and list(r.values_by_init) == ["identity"]
    assert list(gw(C, C, certified_rtol=None).values_by_init) == ["identity", "product"]

def test_torch_path_equals_numpy_path():
    pytest.importorskip("torch")
    reps = random_mlp_reps(n=200, seed=2)   # n > 128: the candidate-arc LPs read the torch A too
    Ca, Cb = pairwise_distances(reps[0]), pairwise_distances(reps[3])
    a, b = gw(Ca, Cb), gw(Ca, Cb, device="cpu")
    assert b.value == pytest.approx(a.value, rel=1e-9) and b.values_by_init.keys() == a.values_by_init.keys()

def test_cuda_path():
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available(): pytest.skip("no CUDA GPU on this machine: the device='cuda' path runs only where one is present")
    reps = random_mlp_reps(n=200, seed=4)
    Ca, Cb = pairwise_distances(reps[0]), pairwise_distances(reps[3])
    assert gw(Ca, Cb, device="cuda").value <= ot.gromov.gromov_wasserstein2(Ca, Cb)*(1 + 1e-6)

def test_unknown_backend_and_dask_without_client(mlp_reps):
    with pytest.raises(ValueError, match="Unknown backend"): layer_matrix(mlp_reps[:3], backend="ray", progress=False)
    pytest.importorskip("distributed")
    from distributed import get_client
    try: get_client(); pytest.skip("a dask client already exists in this process")
    except ValueError: pass
    with pytest.raises(ValueError, match="Client"): layer_matrix(mlp_reps[:3], backend="dask", progress=False)

def test_dask_backend_equals_loky(mlp_reps):
    pytest.importorskip("distributed")
    from distributed import Client, LocalCluster
    loky = layer_matrix(mlp_reps[:4], progress=False)
    with LocalCluster(n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address=None, processes=True) as cluster, Client(cluster):
        dask = layer_matrix(mlp_reps[:4], backend="dask", progress=False)
    np.testing.assert_allclose(dask.values, loky.values, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(dask.lower_bounds, loky.lower_bounds, rtol=1e-12)

# moved from nbs/02_gw's hidden test cells when the method notebook was split (#17)
@pytest.fixture
def pair():
    g = np.random.default_rng(1)
    return tuple(pairwise_distances(np.maximum(g.normal(size=(60, d)) @ g.normal(size=(d, d)), 0)) for d in (4, 9))

@pytest.mark.parametrize("call, message", [
    (lambda Ca, Cb: gw(np.ones((3, 4)), Ca), "square"),
    (lambda Ca, Cb: gw(np.eye(20), 1 - np.eye(20)), "non-zero diagonal"),
    (lambda Ca, Cb: gw(Ca, Cb, inits=[np.ones((60, 60))]), "not a coupling"),
    (lambda Ca, Cb: gw(Ca, Cb, p=np.full(59, 1/59)), r"shape \(60,\)"),
    (lambda Ca, Cb: gw(np.triu(Ca[:5, :5]), Ca), "symmetric"),
    (lambda Ca, Cb: gw(Ca, Cb, inits=("best",)), "Unknown init"),
    (lambda Ca, Cb: gw(np.zeros((2, 2)), np.zeros((2, 2))), "at least 3"),
])
def test_gw_bad_inputs_name_the_problem(pair, call, message):
    with pytest.raises(ValueError, match=message): call(*pair)

def test_constant_layer_gives_a_finite_value(pair):
    r0 = gw(np.zeros((10, 10)), pair[0][:10, :10])
    assert np.isfinite(r0.value) and r0.value > 0 and r0.lower_bound <= r0.value

def test_layer_matrices_reject_bad_inputs(mlp_reps):
    from gwpaper.gw import cross_layer_matrix
    reps = mlp_reps[:4]
    for call, message in [(lambda: layer_matrix(reps, "gromov", progress=False), "Unknown metric"),
                          (lambda: layer_matrix([reps[0], reps[1][:30]], progress=False), "different n"),
                          (lambda: layer_matrix(reps, labels=["a"], progress=False), "labels"),
                          (lambda: cross_layer_matrix(reps, [reps[0][:30]], progress=False), "different n"),
                          (lambda: cross_layer_matrix(reps, [], progress=False), "at least one layer"),
                          (lambda: cross_layer_matrix(reps, reps, labels_a=["x"], progress=False), "labels"),
                          (lambda: cross_layer_matrix(reps, reps, backend="ray", progress=False), "Unknown backend")]:
        with pytest.raises(ValueError, match=message): call()

def test_public_names_survive_the_split():
    "02_gw was split into 02_gw and the engine (02a_solver, 02b_pairs, 02c_bounds): every name that `gwpaper.gw` exported before is still exported from it."
    import gwpaper.gw as G
    before = ['INITS', 'BACKENDS', 'SERIAL_BELOW_N', 'second_lower_bound', 'check_weights', 'initial_coupling', 'GWResult', 'gw',
              'LayerMatrix', 'prepare_layers', 'engine_version', 'layer_matrix', 'CrossLayerMatrix', 'cross_layer_matrix']
    assert set(before) <= set(G.__all__) and all(hasattr(G, n) for n in G.__all__)

def test_no_import_cycle_between_distances_and_gw():
    "gwpaper.distances and the engine's modules never import gwpaper.gw, not even inside a function."
    import ast, inspect, gwpaper.distances, gwpaper._solver, gwpaper._bounds, gwpaper._pairs
    for mod in (gwpaper.distances, gwpaper._solver, gwpaper._bounds, gwpaper._pairs):
        imported = {n.module for n in ast.walk(ast.parse(inspect.getsource(mod))) if isinstance(n, ast.ImportFrom)}
        imported |= {a.name for n in ast.walk(ast.parse(inspect.getsource(mod))) if isinstance(n, ast.Import) for a in n.names}
        assert not {"gwpaper.gw", ".gw"} & imported, (mod.__name__, imported)

# ---------------------------------------------------------------- the third lower bound (#18)
def _check_bounds(Ca, Cb, where):
    from gwpaper.gw import third_lower_bound
    r = gw(Ca, Cb, tlb=True)
    slb, tlb = r.bounds["slb"], r.bounds["tlb"]
    scale = max(1.0, float(np.mean(Ca**2) + np.mean(Cb**2)))
    assert tlb == third_lower_bound(Ca, Cb) and r.lower_bound == max(slb, tlb), where
    assert tlb <= r.value + 1e-12*scale, (where, tlb, r.value)                    # a lower bound on what gw found
    assert tlb <= ot.gromov.gromov_wasserstein2(Ca, Cb)*(1 + 1e-9) + 1e-12*scale, where   # and on POT's value
    assert tlb >= slb - 1e-9*scale, (where, slb, tlb)                             # at least as tight as the SLB
    return slb, tlb

def test_tlb_is_a_lower_bound_on_random_pairs():
    g = np.random.default_rng(7); tighter = 0
    for k in range(40):
        n = int(g.integers(3, 40)); d1, d2 = g.integers(1, 9, size=2)
        make = [lambda d: g.normal(size=(n, d)), lambda d: np.maximum(g.normal(size=(n, d)) @ g.normal(size=(d, d)), 0),
                lambda d: g.exponential(size=(n, d))][k % 3]
        Ca, Cb = pairwise_distances(make(d1)), pairwise_distances(make(d2))
        if not (Ca.any() and Cb.any()): continue
        slb, tlb = _check_bounds(Ca, Cb, (k, n))
        tighter += tlb > slb*(1 + 1e-9)
    assert tighter >= 20          # the TLB is strictly tighter on most pairs, not merely equal

def test_tlb_is_a_lower_bound_on_the_tie_corpus():
    from test_robustness import tie_layers, TIE_CASES
    for n, seed in TIE_CASES:
        Cs = {k: pairwise_distances(R) for k, R in tie_layers(n, seed).items()}
        for a, b in itertools.combinations(Cs, 2): _check_bounds(Cs[a], Cs[b], (n, seed, a, b))

def test_tlb_off_by_default_and_skipped_for_unequal_n():
    Ca, Cb = (pairwise_distances(np.random.default_rng(s).normal(size=(20, 3))) for s in (0, 1))
    assert set(gw(Ca, Cb).bounds) == {"slb"}
    assert set(gw(Ca, pairwise_distances(np.random.default_rng(2).normal(size=(25, 3))), inits="product", tlb=True).bounds) == {"slb"}
