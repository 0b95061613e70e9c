"Bad inputs raise ValueError naming the problem; constant layers stay finite."
import numpy as np, pytest
from gwpaper.distances import pairwise_distances, METRICS
from gwpaper.gw import gw, layer_matrix, layer_distance
from gwpaper.subnetworks import segment

R = np.random.default_rng(0).normal(size=(10, 4))

@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_representations(bad):
    X = R.copy(); X[3, 1] = bad
    with pytest.raises(ValueError, match="NaN or inf"): pairwise_distances(X)
    with pytest.raises(ValueError, match="NaN or inf"): layer_matrix([R, X], progress=False)
    with pytest.raises(ValueError, match="NaN or inf"): layer_distance(R, X, "cka")

def test_mismatched_n():
    with pytest.raises(ValueError, match="different n"): layer_matrix([R, R[:8]], progress=False)
    with pytest.raises(ValueError, match="different n"): layer_distance(R, R[:8], "euclidean")

def test_too_few_samples():
    with pytest.raises(ValueError, match="at least 3"): pairwise_distances(R[:2])
    with pytest.raises(ValueError, match="at least 3"): layer_matrix([R[:2], R[:2]], progress=False)
    with pytest.raises(ValueError, match="at least 3"): gw(np.zeros((2, 2)), np.zeros((2, 2)))

def test_bad_distance_matrices():
    C = pairwise_distances(R)
    with pytest.raises(ValueError, match="square"): gw(C[:, :5], C)
    asym = C.copy(); asym[0, 1] += 0.5
    with pytest.raises(ValueError, match="not symmetric"): gw(C, asym)
    nan = C.copy(); nan[0, 1] = nan[1, 0] = np.nan
    with pytest.raises(ValueError, match="NaN or inf"): gw(nan, C)

def test_unknown_names():
    with pytest.raises(ValueError, match="Unknown metric"): layer_matrix([R, R], "procrustes", progress=False)
    with pytest.raises(ValueError, match="Unknown metric"): layer_distance(R, R, "procrustes")
    with pytest.raises(ValueError, match="Unknown metric"): pairwise_distances(R, "manhattan")
    with pytest.raises(ValueError, match="Unknown normalize"): pairwise_distances(R, normalize="std")
    with pytest.raises(ValueError, match="Unknown init"): gw(pairwise_distances(R), pairwise_distances(R), inits=("svd",))
    with pytest.raises(ValueError, match="square"): segment(np.ones((2, 3)))

@pytest.mark.filterwarnings("ignore:layer .* is constant over the inputs")
@pytest.mark.parametrize("metric", METRICS)
def test_constant_layer_gives_finite_values(metric):
    const = np.full((10, 3), 2.5)
    lm = layer_matrix([R, const, np.zeros((10, 6))], metric, progress=False)
    assert np.all(np.isfinite(lm.values)), lm.values
    if metric in ("gw", "gw_identity", "rsa", "cka"):   # two constant layers share the same (trivial) geometry
        assert lm.values[1, 2] == pytest.approx(0, abs=1e-12)
