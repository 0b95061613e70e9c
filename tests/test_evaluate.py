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

def test_paired_test_exact_p_and_ci():
    from gwpaper.evaluate import paired_test
    t = paired_test([3, 4, 5, 6, 7, 8], [1, 2, 3, 4, 5, 6])      # six positive differences: 2 of 64 sign patterns as extreme
    assert t.p_value == pytest.approx(2/64) and t.mean_diff == 2 and t.ci_low == t.ci_high == 2
    mixed = paired_test([1, 3, 2, 4], [2, 2, 2, 2])               # differences −1, 1, 0, 2: |mean| 0.5 reached by 12 of 16 patterns
    assert mixed.p_value == pytest.approx(12/16)
    assert mixed.ci_low < mixed.mean_diff < mixed.ci_high

def test_null_scores_planted_beats_chance_random_does_not():
    from gwpaper.evaluate import null_scores
    planted = np.repeat([0, 1, 2, 3], 6)
    good = null_scores(planted, planted, n_perm=499)
    assert good.ari == 1 and good.ari_p < 0.01 and good.recall_p < 0.01 and good.ari_null < 0.6
    g = np.random.default_rng(3); cuts = np.zeros(24, int); cuts[np.sort(g.choice(np.arange(1, 24), 3, replace=False))] = 1
    bad = null_scores(planted, np.cumsum(cuts), n_perm=499)
    assert bad.ari_p > 0.05 and bad.k == 4
