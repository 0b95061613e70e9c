"Freezing by hidden state on encoders with parameters shared outside their layers (MPNet), built from tiny configs (nothing downloaded)."
import pytest, torch
from transformers import MPNetConfig, MPNetForSequenceClassification, BertConfig, BertForSequenceClassification
from gwpaper.paper.finetune import train_only_states, freeze_layers_below

def tiny(kind):
    kw = dict(vocab_size=50, hidden_size=16, num_hidden_layers=4, num_attention_heads=2, intermediate_size=32, max_position_embeddings=40, num_labels=2)
    torch.manual_seed(0)
    return MPNetForSequenceClassification(MPNetConfig(**kw)) if kind == "mpnet" else BertForSequenceClassification(BertConfig(**kw))

@pytest.mark.parametrize("kind", ["mpnet", "bert"])
def test_block_trains_only_its_layers(kind):
    model = tiny(kind); prefix = model.base_model_prefix
    names = train_only_states(model, 2, 4)
    layers = {n.split(".")[3] for n in names if n.startswith(f"{prefix}.encoder.layer.")}
    assert layers == {"1", "2"}                         # hidden states 2, 3 are layers 1, 2 (0-based)
    assert not any(n.startswith(f"{prefix}.embeddings") for n in names)
    assert any(n.startswith("classifier") for n in names)

def test_mpnet_shared_position_bias_goes_with_hidden_state_0():
    model = tiny("mpnet")
    bias = "mpnet.encoder.relative_attention_bias.weight"
    assert bias not in freeze_layers_below(model, 2)     # a frozen layer must not see a moving position bias
    assert bias in train_only_states(model, 0, 2)
    assert len(freeze_layers_below(model, None)) == len(list(model.parameters()))

def test_frozen_layers_compute_the_same_after_a_step():
    model = tiny("mpnet"); model.train(False)
    x = torch.randint(5, 50, (3, 7)); mask = torch.ones_like(x)
    before = model.mpnet(x, attention_mask=mask, output_hidden_states=True).hidden_states
    train_only_states(model, 3)
    opt = torch.optim.SGD([q for q in model.parameters() if q.requires_grad], lr=0.5)
    loss = model(x, attention_mask=mask, labels=torch.tensor([0, 1, 0])).loss; loss.backward(); opt.step()
    after = model.mpnet(x, attention_mask=mask, output_hidden_states=True).hidden_states
    for l in range(3): assert torch.equal(before[l], after[l]), l      # hidden states 0..2 frozen
    assert not torch.equal(before[4], after[4])

def test_bad_ranges_are_named():
    model = tiny("bert")
    with pytest.raises(ValueError, match="L=4"): train_only_states(model, 2, 9)
    with pytest.raises(ValueError, match="between 0 and L=4"): freeze_layers_below(model, 5)
