"Baselines against hand computations on a 4×3 example, and intra-layer distances."
import numpy as np, pytest
from scipy.spatial.distance import squareform
from gwpaper.distances import (pairwise_distances, euclidean_distance, cosine_distance, wasserstein_distance,
                               cka_distance, rsa_distance, gw_identity_distance, METRICS)
from gwpaper.gw import layer_distance

A = np.array([[1., 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 0]])
B = np.array([[1., 0, 0], [0, 2, 0], [0, 0, 0], [1, 0, 1]])

def test_euclidean_by_hand():
    # row differences (0,0,0), (0,-1,0), (0,0,1), (0,1,-1): squared norms 0+1+1+2 = 4; sqrt(4)/sqrt(4)
    assert euclidean_distance(A, B) == pytest.approx(1.0)

def test_cosine_by_hand():
    # cosines 1, 1, 0 (B's zero row), 1/2  ->  mean of (0, 0, 1, 1/2)
    assert cosine_distance(A, B) == pytest.approx(0.375)

def test_wasserstein_by_hand():
    # squared-distance cost; every assignment costs >= 4 (A0->B0 forces A3 to pay 2), identity costs 0+1+1+2
    assert wasserstein_distance(A, B) == pytest.approx(4/4)

def test_padding_to_wider_layer():
    B2 = B[:, :2]   # drop B's last column: padded back with zeros
    assert euclidean_distance(A, B2) == pytest.approx(np.sqrt((0 + 1 + 1 + 1)/4))
    assert wasserstein_distance(A, B2) == pytest.approx(wasserstein_distance(A, np.c_[B2, np.zeros(4)]))

def test_cka_matches_hsic_with_centering_matrix():
    H = np.eye(4) - 1/4
    K, L = A @ A.T, B @ B.T
    hsic = lambda X, Y: np.trace(X @ H @ Y @ H)
    expected = 1 - hsic(K, L)/np.sqrt(hsic(K, K)*hsic(L, L))
    assert cka_distance(A, B) == pytest.approx(expected, rel=1e-12)
    assert 0 < expected < 1

def test_rsa_by_hand():
    Ca, Cb = squareform([1., 2, 3, 4, 5, 6]), squareform([2., 1, 3, 4, 6, 5])
    # rank differences (-1, 1, 0, 0, -1, 1): rho = 1 - 6*4/(6*35)
    assert rsa_distance(Ca, Cb) == pytest.approx(4/35)

def test_gw_identity_by_hand():
    Ca, Cb = squareform([1., 2, 3, 4, 5, 6]), squareform([2., 1, 3, 4, 6, 5])
    # off-diagonal squared differences sum to 4, counted twice, over 16 entries
    assert gw_identity_distance(Ca, Cb) == pytest.approx(8/16)

def test_pairwise_distances_by_hand():
    C = pairwise_distances(A, normalize="none")
    assert C[0, 1] == pytest.approx(np.sqrt(2)) and C[0, 3] == pytest.approx(1.0)
    assert pairwise_distances(A, "sqeuclidean", normalize="none")[0, 1] == pytest.approx(2.0)
    assert pairwise_distances(A, "cosine", normalize="none")[0, 3] == pytest.approx(1 - 1/np.sqrt(2))
    Cm = pairwise_distances(A)
    assert Cm[~np.eye(4, dtype=bool)].mean() == pytest.approx(1.0)
    assert pairwise_distances(A, normalize="max").max() == pytest.approx(1.0)

@pytest.mark.parametrize("metric", METRICS)
def test_identical_layers_have_zero_distance(metric):
    R = np.random.default_rng(0).normal(size=(20, 5))
    assert layer_distance(R, R, metric) == pytest.approx(0, abs=1e-9)
