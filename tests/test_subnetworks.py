"Block detection recovers planted structure."
import numpy as np, pytest
from gwpaper.subnetworks import (segment, spectral_blocks, boundary_scores, labels_from_sizes, block_ari,
                                 block_costs, choose_k)

def planted(sizes, within=0.1, between=1.0, noise=0.05, seed=0):
    g = np.random.default_rng(seed); lab = labels_from_sizes(sizes)
    D = np.where(lab[:, None] == lab[None], within, between) + noise*g.random((len(lab),)*2)
    D = (D + D.T)/2; np.fill_diagonal(D, 0); return D

@pytest.mark.parametrize("sizes", [(3, 4, 2), (5, 5), (2, 2, 2, 2), (4, 1, 4), (6, 3, 3, 4)])
@pytest.mark.parametrize("seed", range(3))
def test_segment_recovers_planted_blocks_exactly(sizes, seed):
    D = planted(sizes, seed=seed)
    truth = labels_from_sizes(sizes)
    for seg in (segment(D), segment(D, k=len(sizes))):
        np.testing.assert_array_equal(seg.block_of, truth)
        assert seg.k == len(sizes)
    assert block_ari(truth, spectral_blocks(D, len(sizes))) == 1.0

def test_boundary_scores_peak_at_cuts():
    D = planted((3, 4, 2))
    b = boundary_scores(D)
    assert len(b) == 8 and set(np.argsort(b)[-2:]) == {2, 6}

def test_costs_decrease_and_k_rule():
    D = planted((3, 4, 2))
    costs = segment(D).costs
    assert np.all(np.diff(costs) <= 1e-12)
    assert choose_k(costs) == 3
    assert choose_k(np.array([0.0, 0.0])) == 1

def test_block_cost_definition():
    D = planted((3, 3))
    C = block_costs(D)
    assert C[1, 4] == pytest.approx((D[1, 2] + D[1, 3] + D[2, 3])/3)
    assert C[2, 3] == 0

def test_segment_accepts_layer_matrix():
    from gwpaper.gw import LayerMatrix
    D = planted((2, 3))
    assert segment(LayerMatrix(D, list("abcde"), "gw")).blocks == [(0, 2), (2, 5)]
