"magnitude_prune hits its target and its zeros survive recovery; drop_layers; sparsity_report by hand."
import copy
import numpy as np, pytest, torch
from torch import nn
from gwpaper.paper.prune import magnitude_prune, make_permanent, sparsity_report, drop_layers
from gwpaper.paper.models import StagedMLP, train_end_to_end
from gwpaper.paper.tasks import modular_sum_data

def net(seed=0):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(30, 64), nn.ReLU(), nn.Linear(64, 48), nn.ReLU(), nn.Linear(48, 5))

@pytest.mark.parametrize("sparsity", [0.3, 0.5, 0.8, 0.9, 0.95])
def test_global_and_layer_sparsity_within_half_a_percent(sparsity):
    g = sparsity_report(magnitude_prune(net(), sparsity, scope="global")).set_index("module")
    assert abs(g.loc["overall", "sparsity"] - sparsity) <= 0.005
    l = sparsity_report(magnitude_prune(net(), sparsity, scope="layer")).set_index("module")
    assert np.all(np.abs(l.sparsity - sparsity) <= 0.005)

def test_global_pruning_removes_smallest_magnitudes():
    m = net(); w = torch.cat([p.detach().abs().flatten() for n, p in m.named_parameters() if n.endswith("weight")])
    thresh = w.sort().values[int(0.6*len(w)) - 1]
    magnitude_prune(m, 0.6)
    for mod in (m[0], m[2], m[4]):
        W = mod.weight.detach()
        assert torch.all(W[W != 0].abs() >= thresh)

def test_pruned_weights_stay_zero_after_recovery_training():
    X, y, partial = modular_sum_data(3, p=5, seed=0)
    torch.manual_seed(0); model = StagedMLP(X.shape[1], 5, n_stages=2, layers_per_stage=2, width=32)
    magnitude_prune(model, 0.9, permanent=False)
    masks = {n: b.clone() for n, b in model.named_buffers() if n.endswith("weight_mask")}
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    train_end_to_end(model, X, y, epochs=3, lr=1e-2, progress=False)
    assert any(not torch.equal(before[n], p) for n, p in model.named_parameters())   # it did train
    make_permanent(model)
    mods = dict(model.named_modules())
    for n, mask in masks.items():
        W = mods[n[:-len(".weight_mask")]].weight.detach()
        assert torch.all(W[mask == 0] == 0)
    assert abs(sparsity_report(model).set_index("module").loc["overall", "sparsity"] - 0.9) <= 0.005

def test_sparsity_report_matches_hand_count():
    m = nn.Sequential(nn.Linear(3, 2), nn.ReLU(), nn.Linear(2, 2))
    with torch.no_grad():
        m[0].weight.copy_(torch.tensor([[0., 1, 2], [0, 0, 3]]))    # 3 zeros of 6
        m[2].weight.copy_(torch.tensor([[1., 0], [2, 4]]))          # 1 zero of 4
    r = sparsity_report(m).set_index("module")
    assert r.loc["0", "zeros"] == 3 and r.loc["0", "weights"] == 6 and r.loc["0", "sparsity"] == pytest.approx(0.5)
    assert r.loc["2", "zeros"] == 1 and r.loc["2", "sparsity"] == pytest.approx(0.25)
    assert r.loc["overall", "zeros"] == 4 and r.loc["overall", "weights"] == 10 and r.loc["overall", "sparsity"] == pytest.approx(0.4)

def test_drop_layers_keeps_shapes_and_changes_only_through_dropped_layers():
    torch.manual_seed(1); m = StagedMLP(12, 4, n_stages=2, layers_per_stage=3, width=16).eval()
    x = torch.randn(9, 12)
    original = [p.clone() for p in m.parameters()]
    d = drop_layers(m, [4])                     # stage 1, layer 1
    with torch.no_grad():
        assert d(x).shape == m(x).shape
        assert torch.equal(d(x, stage=0), m(x, stage=0))        # stage 0 untouched
        h0 = m.stages[0](x); h_in = m.stage_input(h0, x)
        h = m.stages[1][:2](h_in)                             # layer s1.0, kept
        expected = m.heads[1](m.stages[1][4:](h))             # s1.1 skipped: s1.0's output feeds s1.2
        assert torch.allclose(d(x), expected)
        assert not torch.allclose(d(x), m(x))
    assert all(torch.equal(a, b) for a, b in zip(m.parameters(), original))          # the original is not modified
    assert len(list(d.stages[1][2].parameters())) == 0                               # the dropped Linear is gone
    with pytest.raises(ValueError, match="first of their stage"): drop_layers(m, [0])
    with pytest.raises(ValueError, match="out of range"): drop_layers(m, [6])
