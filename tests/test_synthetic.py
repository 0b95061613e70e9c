"A tiny layer-wise fmod3 model: trained to 100% and its planted stages found by GW (about 3 s alone on 2 cores; `make pytest` prints durations)."
import numpy as np, torch
from gwpaper.paper.tasks import modular_sum_data, train_test_split
from gwpaper.paper.models import StagedMLP, train_layerwise, train_end_to_end, accuracy
from gwpaper.representations import hooked_representations
from gwpaper.gw import layer_matrix
from gwpaper.subnetworks import segment, block_ari

def test_tiny_layerwise_fmod3_stages_recovered_by_gw():
    torch.set_num_threads(2)
    X, y, partial = modular_sum_data(3, p=11, seed=0)
    sp = train_test_split(len(X), seed=0)
    torch.manual_seed(0)
    # 2 layers per stage: the shallow regime where recovery works best (notebook 10's depth study: it degrades with depth)
    model = StagedMLP(X.shape[1], 11, n_stages=2, layers_per_stage=2, width=64)
    train_layerwise(model, X[sp.train], partial[sp.train], epochs=30, lr=3e-3, seed=0, progress=False)
    assert accuracy(model, X[sp.train], y[sp.train]) >= 0.95
    assert accuracy(model, X[sp.train], partial[sp.train, 0], stage=0) >= 0.95   # stage 0 really computes a+b
    reps = hooked_representations(model, X[sp.test[:200]], progress=False)
    seg = segment(layer_matrix(reps, "gw", progress=False))                       # K chosen by segment itself
    assert block_ari(model.planted_labels(), seg) >= 0.9, seg.blocks

def test_layerwise_freezes_earlier_stages_and_is_deterministic():
    X, y, partial = modular_sum_data(3, p=5, seed=1)
    def fit():
        torch.manual_seed(1); m = StagedMLP(X.shape[1], 5, n_stages=2, layers_per_stage=1, width=16)
        train_layerwise(m, X, partial, epochs=3, seed=1, progress=False); return m
    a, b = fit(), fit()
    for pa, pb in zip(a.parameters(), b.parameters()): assert torch.equal(pa, pb)
    # retraining stage 1 alone must leave stage 0 untouched
    w0 = a.stages[0][0].weight.clone()
    train_end_to_end(a, X, y, epochs=0, progress=False)
    assert torch.equal(w0, a.stages[0][0].weight)

def test_modular_sum_data_partial_sums():
    X, y, partial = modular_sum_data(3, p=7, seed=0)
    ops = np.stack([X[:, j*7:(j+1)*7].argmax(1) for j in range(3)], 1)
    np.testing.assert_array_equal(partial[:, 0], ops[:, :2].sum(1) % 7)
    np.testing.assert_array_equal(y, ops.sum(1) % 7)
    assert len(np.unique(ops, axis=0)) == 7**3

def test_greedy_layerwise_freezes_each_layer_after_its_turn():
    from unittest import mock
    import gwpaper.paper.models as models
    from gwpaper.paper.models import train_greedy_layerwise
    X, y, _ = modular_sum_data(3, p=5, seed=2)
    torch.manual_seed(2)
    m = StagedMLP(X.shape[1], 5, n_stages=2, layers_per_stage=2, width=16, input_skip=False, layer_norm=False)
    weights = lambda: [m.stages[s][2*i].weight.detach().clone() for s in range(2) for i in range(2)]
    snapshots = []                                               # every layer's weights at the start of each turn
    real_fit = models.fit
    def recording_fit(*args, **kwargs):
        snapshots.append(weights()); return real_fit(*args, **kwargs)
    before = weights()
    with mock.patch.object(models, "fit", side_effect=recording_fit):
        hist = train_greedy_layerwise(m, X, y, epochs=3, seed=2, progress=False)
    after = weights()
    assert len(snapshots) == 5                                   # 4 layers, then the head
    for l in range(4):
        assert not torch.equal(before[l], after[l]), l           # layer l trained in its turn...
        for turn in range(l + 1, 5): assert torch.equal(snapshots[turn][l], after[l]), (l, turn)   # ...and never after
    assert list(hist.frame.layer.unique()) == [0, 1, 2, 3, "head"]

def test_greedy_layerwise_is_deterministic_and_learns():
    from gwpaper.paper.models import train_greedy_layerwise
    X, y, _ = modular_sum_data(2, p=7, seed=0)
    def fit():
        torch.manual_seed(0); m = StagedMLP(X.shape[1], 7, n_stages=2, layers_per_stage=1, width=32, input_skip=False, layer_norm=False)
        train_greedy_layerwise(m, X, y, epochs=40, lr=1e-2, seed=0, progress=False); return m
    a, b = fit(), fit()
    for pa, pb in zip(a.parameters(), b.parameters()): assert torch.equal(pa, pb)
    assert accuracy(a, X, y) >= 0.9

def test_boundary_recall_and_precision_on_hand_made_partitions():
    from gwpaper.evaluate import boundary_recovery, cut_positions
    from gwpaper.subnetworks import labels_from_sizes
    planted = labels_from_sizes([3, 3, 3])                       # cuts at 3 and 6
    assert cut_positions(planted) == [3, 6]
    cases = [  # found sizes, tol, recall, precision
        ([3, 3, 3], 0, 1.0, 1.0),
        ([3, 6], 0, 0.5, 1.0),
        ([9], 0, 0.0, float("nan")),
        ([1, 2, 3, 3], 0, 1.0, 2/3),
        ([4, 3, 2], 0, 0.0, 0.0),
        ([4, 3, 2], 1, 1.0, 1.0),
        ([2, 5, 2], 1, 1.0, 1.0),
        ([1, 1, 1, 1, 1, 1, 1, 1, 1], 0, 1.0, 2/8),
    ]
    for sizes, tol, recall, precision in cases:
        r = boundary_recovery(planted, labels_from_sizes(sizes), tol=tol)
        np.testing.assert_equal(r.recall, recall, err_msg=str(sizes))
        np.testing.assert_allclose(r.precision, precision, err_msg=str(sizes))
    nothing = boundary_recovery([0, 0, 0], [0, 1, 1])
    assert np.isnan(nothing.recall) and nothing.precision == 0.0
