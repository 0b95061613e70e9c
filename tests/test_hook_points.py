"layers='all' (issue 29): every hook point of a TransformerLens model and of a plain torch transformer, in forward order with kinds; top_pairs; layer-wise transformer training."
import warnings
import numpy as np, pandas as pd, pytest, torch
from torch import nn
from gwpaper import layer_map
from gwpaper.gw import LayerMatrix
from gwpaper.hook_points import KINDS, lens_hooks, hook_point_representations
from gwpaper.subnetworks import top_pairs

def tiny_lens(n_layers=2, n_heads=2, use_attn_result=False):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from transformer_lens import HookedTransformer, HookedTransformerConfig
        return HookedTransformer(HookedTransformerConfig(n_layers=n_layers, d_model=16, n_heads=n_heads, d_head=8, d_mlp=32, d_vocab=7, n_ctx=3,
                                                         act_fn="relu", normalization_type="LN", use_attn_result=use_attn_result, seed=0))

PER_HEAD = ("hook_q", "hook_k", "hook_v", "hook_pattern", "hook_z", "hook_result")

@pytest.mark.parametrize("use_attn_result", [False, True])
def test_lens_every_hook_point_per_head_in_forward_order(use_attn_result):
    model, tokens = tiny_lens(use_attn_result=use_attn_result), torch.randint(0, 7, (40, 3), generator=torch.Generator().manual_seed(0))
    fired = []
    with torch.no_grad(): model.run_with_hooks(tokens[:2], fwd_hooks=[(h, lambda a, hook: fired.append(hook.name)) for h in model.hook_dict])
    hooks = lens_hooks(model)
    fired = list(dict.fromkeys(fired))                                            # a layer norm may run once per q, k and v input
    assert hooks == [h for h in fired if h in hooks]                              # forward order
    expected = [f"{h}.h{i}" if h.rsplit(".", 1)[-1] in PER_HEAD else h for h in hooks for i in (range(2) if h.rsplit(".", 1)[-1] in PER_HEAD else [0])]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")                                            # the constant positional embedding warns
        m = layer_map(model, tokens, layers="all", position="mean", metric="gw_identity", progress=False, n_boot=0)
    assert m.matrix.labels == expected and len(expected) == (41 + 2*2*use_attn_result)
    assert all(k in KINDS for k in m.matrix.kinds) and m.matrix.kinds[:2] == ["embedding", "positional"]
    assert m.matrix.kinds.count("z") == 4 and m.matrix.kinds.count("attention pattern") == 4
    assert m.matrix.kinds.count("head output") == 4*use_attn_result
    # the representations are the cached activations, averaged over positions, one per head
    _, cache = model.run_with_cache(tokens)
    z = cache["blocks.1.attn.hook_z"].mean(1)[:, 1].numpy()
    np.testing.assert_allclose(m.representations.reps[m.matrix.labels.index("blocks.1.attn.hook_z.h1")], z, rtol=1e-5, atol=1e-6)

def test_lens_position_and_saved_kinds(tmp_path):
    model, tokens = tiny_lens(), torch.randint(0, 7, (30, 3), generator=torch.Generator().manual_seed(1))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = layer_map(model, tokens, layers="all", position=1, metric="gw_identity", progress=False, n_boot=0)
        _, cache = model.run_with_cache(tokens)
    np.testing.assert_allclose(m.representations.reps[m.matrix.labels.index("blocks.0.hook_mlp_out")], cache["blocks.0.hook_mlp_out"][:, 1].numpy(), rtol=1e-5, atol=1e-6)
    m.save(tmp_path)
    frame = pd.read_csv(tmp_path/"matrix.csv", index_col=0)
    assert frame["kind"].tolist() == m.matrix.kinds and list(frame.columns[1:]) == m.matrix.labels
    with pytest.raises(ValueError, match="position= is for layers='all'"): layer_map(model, tokens, position="last", progress=False)

class Block(nn.Module):
    def __init__(self, d=8):
        super().__init__()
        self.ln1, self.attn, self.ln2 = nn.LayerNorm(d), nn.MultiheadAttention(d, 2, batch_first=True), nn.LayerNorm(d)
        self.fc1, self.act, self.fc2 = nn.Linear(d, 16), nn.GELU(), nn.Linear(16, d)
    def forward(self, x):
        h = self.ln1(x); x = x + self.attn(h, h, h, need_weights=False)[0]
        return x + self.fc2(self.act(self.fc1(self.ln2(x))))

class TorchTransformer(nn.Module):
    def __init__(self):
        super().__init__()
        self.lm_head = nn.Linear(8, 7)                    # declared first, runs last: the order is the forward pass's
        self.tok = nn.Embedding(7, 8); self.blocks = nn.ModuleList([Block(), Block()]); self.ln_f = nn.LayerNorm(8)
    def forward(self, ids):
        x = self.tok(ids)
        for b in self.blocks: x = b(x)
        return self.lm_head(self.ln_f(x))

def test_plain_torch_transformer_every_module_in_forward_order():
    torch.manual_seed(0); model = TorchTransformer(); ids = torch.randint(0, 7, (30, 3))
    m = layer_map(model, ids, layers="all", position="last", metric="gw_identity", progress=False, n_boot=0)
    block = ["ln1", "attn", "ln2", "fc1", "act", "fc2"]
    assert m.matrix.labels == ["tok"] + [f"blocks.{i}.{n}" for i in range(2) for n in block] + ["ln_f", "lm_head"]
    assert m.matrix.kinds == (["embedding"] + ["layer-norm output", "attention output", "layer-norm output", "MLP pre-activation",
                              "MLP post-activation", "MLP output"]*2 + ["layer-norm output", "logits"])
    with torch.no_grad(): logits = model(ids)[:, -1].numpy()
    np.testing.assert_allclose(m.representations.reps[-1], logits, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="needs a HookedTransformer"): hook_point_representations(model, ids, position=0)

def test_top_pairs_hand_made():
    V = np.array([[0, .1, .5, .9], [.1, 0, .3, .8], [.5, .3, 0, .2], [.9, .8, .2, 0]])
    m = LayerMatrix(V, list("abcd"), "gw", kinds=["q", "q", "z", "MLP output"])
    t = top_pairs(m, 2)
    assert t[["layer_a", "layer_b"]].values.tolist() == [["c", "d"], ["b", "c"]] and t.value.tolist() == [.2, .3]
    assert t.kind_a.tolist() == ["z", "q"] and t.kind_b.tolist() == ["MLP output", "z"]
    assert top_pairs(m, 1, across_kinds=False).layer_b.tolist() == ["b"]
    V[0, 1] = V[1, 0] = np.nan                                                     # an uncomputed (banded) pair is never a top pair
    assert "b" not in top_pairs(LayerMatrix(V, list("abcd"), "gw"), 6, across_kinds=False).head(1).layer_b.tolist()

def test_layerwise_transformer_training_freezes_earlier_blocks():
    from gwpaper.paper.transformer import modular_sum_tokens, small_transformer, train_transformer, TransformerSpec
    from gwpaper.paper.models import FitOptions
    d = modular_sum_tokens(3, 5); spec = TransformerSpec(n_layers=3, d_model=16, n_heads=2, d_mlp=32)
    model = small_transformer(5, 3, spec, seed=0); snapshots = []
    import gwpaper.paper.transformer as tr
    orig = tr.fit
    def spy(model_, params, *a, **kw):                     # the weights as each stage starts
        snapshots.append({k: v.detach().clone() for k, v in model.named_parameters()}); return orig(model_, params, *a, **kw)
    tr.fit = spy
    try: train_transformer(model, d.tokens, d.y, training="layer-wise", opts=FitOptions(epochs=2, lr=3e-3, batch_size=32, progress=False))
    finally: tr.fit = orig
    final = dict(model.named_parameters())
    assert len(snapshots) == 3
    for s in range(1, 3):                                   # what stage s starts with, in blocks < s and the embeddings, is what the model ends with
        for k, v in snapshots[s].items():
            if k.startswith(tuple(f"blocks.{b}." for b in range(s))) or k.startswith(("embed.", "pos_embed.")):
                assert torch.equal(final[k], v), (s, k)
    assert not torch.equal(final["blocks.2.mlp.W_in"], snapshots[2]["blocks.2.mlp.W_in"])   # the last block did train
