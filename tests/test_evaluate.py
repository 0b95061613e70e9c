"layer_matching_accuracy and block_recovery_ari on constructed cases with known answers."
import numpy as np, pytest
from gwpaper.evaluate import layer_matching_accuracy, block_recovery_ari
from gwpaper.gw import cross_layer_matrix
from gwpaper.distances import METRICS
from conftest import random_mlp_reps

@pytest.mark.parametrize("metric", METRICS)
def test_identical_models_match_perfectly(metric):
    reps = random_mlp_reps(n=40, widths=(16, 24, 12, 20, 8), seed=1)
    assert layer_matching_accuracy([reps, [r.copy() for r in reps], reps], metric, progress=False) == 1.0

@pytest.mark.parametrize("metric", ["gw", "cka", "euclidean"])
def test_shuffled_layer_order_drops_accuracy_to_fixed_points(metric):
    reps = random_mlp_reps(n=40, widths=(16, 24, 12, 20, 8, 30), seed=2)
    perm = [0, 2, 1, 3, 5, 4]        # fixed points: layers 0 and 3
    shuffled = [reps[i] for i in perm]
    assert layer_matching_accuracy([reps, shuffled], metric, progress=False) == pytest.approx(2/6)
    # three models, one shuffled: the 2 intact ordered pairs score 1, the 4 with the shuffled model 2/6
    acc = layer_matching_accuracy([reps, shuffled, reps], metric, progress=False)
    assert acc == pytest.approx((2*1 + 4*(2/6))/6)

def test_cross_matrix_is_consistent_with_layer_matrix():
    from gwpaper.gw import layer_matrix
    reps = random_mlp_reps(n=30, widths=(8, 16, 8), seed=3)
    np.testing.assert_allclose(cross_layer_matrix(reps, reps, "cka", progress=False).values, layer_matrix(reps, "cka", progress=False).values, atol=1e-12)

def test_block_recovery_known_answers():
    g = np.random.default_rng(0)
    a, b, c = (g.normal(size=(50, 6)) for _ in range(3))
    noisy = lambda X: X + 0.01*g.normal(size=X.shape)
    reps = [noisy(a), noisy(a), noisy(b), noisy(b), noisy(b), noisy(c), noisy(c)]
    truth = [0, 0, 1, 1, 1, 2, 2]
    for metric in ("gw", "cka", "euclidean"):
        assert block_recovery_ari(reps, truth, metric) == 1.0
        assert block_recovery_ari(reps, truth, metric, k=3) == 1.0
    assert block_recovery_ari(reps, truth, "cka", k=1) == 0.0       # one block: no better than chance
    assert block_recovery_ari(reps, [0, 0, 0, 1, 1, 1, 1], "cka", k=2) < 1.0
    with pytest.raises(ValueError, match="labels"): block_recovery_ari(reps, truth[:3], "cka")
