"One call from a model to its sub-networks: layer_map, compare_models, decoders, and the `gwpaper` command (issue 13)."
import json, os, subprocess, sys, time
from pathlib import Path
import numpy as np, pandas as pd, pytest, torch
from torch import nn
from gwpaper import layer_map, compare_models, LayerMap, ModelComparison
from gwpaper.gw import CrossLayerMatrix
from gwpaper.representations import hf_hidden_states, load_encoder, OFFLINE_ENCODER

FOUR_FILES = ["blocks.json", "layer_map.pdf", "layer_map.png", "matrix.csv"]

def small_cnn(seed:int)->nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Conv2d(1, 6, 3), nn.ReLU(), nn.Conv2d(6, 12, 3), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(12*2*2, 24), nn.ReLU(), nn.Linear(24, 10))

def images(n=90, seed=0):
    return torch.randn(n, 1, 8, 8, generator=torch.Generator().manual_seed(seed))

def check_map(m:LayerMap, labels:list[str], n:int, tmp_path:Path):
    assert isinstance(m, LayerMap)
    assert m.matrix.labels == labels and m.info["n"] == n
    assert sum(m.blocks, []) == labels                           # blocks are names, in order, covering every layer
    assert all(isinstance(x, str) for b in m.blocks for x in b)
    assert len(m.boundaries) == m.segmentation.k - 1 and all("|" in b for b in m.boundaries)
    paths = m.save(tmp_path)
    assert sorted(p.name for p in paths) == FOUR_FILES and all(p.stat().st_size > 0 for p in paths)
    saved = json.loads((tmp_path/"blocks.json").read_text())
    assert saved["blocks"] == m.blocks and saved["boundaries"] == m.boundaries and saved["k"] == m.segmentation.k
    assert {"metric", "n", "model", "pooling"} <= set(saved)
    frame = pd.read_csv(tmp_path/"matrix.csv", index_col=0)
    assert list(frame.index.astype(str)) == labels
    np.testing.assert_allclose(frame.values, m.matrix.values)

def test_cnn_default_layers_and_pooling(tmp_path):
    m = layer_map(small_cnn(0), images(), progress=False)
    check_map(m, ["1", "3", "7"], 90, tmp_path)                  # every activation module, by its module name
    assert m.info["pooling"] == "mean" and m.info["model"] == "Sequential"
    assert (m.gaps.values >= -1e-12).all() and m.gaps.shape == (3, 3)

def test_transformer_encoder_named_layers(tmp_path):
    torch.manual_seed(0)
    enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(d_model=16, nhead=2, dim_feedforward=32, batch_first=True), num_layers=4)
    x = torch.randn(80, 7, 16)                                   # (batch, tokens, d): 3-D outputs, pooled over tokens
    layers = [f"layers.{i}" for i in range(4)]
    m = layer_map(enc, x, layers=layers, n=60, progress=False)
    check_map(m, layers, 60, tmp_path)

def test_offline_encoder_texts(tmp_path):
    texts = [f"sentence number {i} is {'good' if i % 2 else 'bad'}" for i in range(40)]
    m = layer_map(OFFLINE_ENCODER, texts, n=30, progress=False)
    check_map(m, [f"h{l}" for l in range(7)], 30, tmp_path)
    assert m.info["model"] == OFFLINE_ENCODER and m.info["pooling"] == "mean"

def test_precomputed_mixed_widths(tmp_path):
    g = np.random.default_rng(0); base = g.normal(size=(70, 4))
    reps = [base @ g.normal(size=(4, d)) + 0.01*g.normal(size=(70, d)) for d in (3, 50, 8)] + [np.tanh(base @ g.normal(size=(4, 200)))]
    m = layer_map(None, reps, layers=["w3", "w50", "w8", "w200"], progress=False)
    check_map(m, ["w3", "w50", "w8", "w200"], 70, tmp_path)
    k2 = layer_map(None, reps, k=2, progress=False)
    assert k2.segmentation.k == 2 and k2.matrix.labels == ["0", "1", "2", "3"]

def test_compare_two_seeds_and_identical_models():
    a, b = small_cnn(0), small_cnn(1)
    cm = compare_models(a, b, images(), progress=False)
    assert isinstance(cm, ModelComparison) and isinstance(cm.matrix, CrossLayerMatrix) and cm.values.shape == (3, 3)
    assert cm.row_labels == cm.col_labels == ["1", "3", "7"]
    assert list(cm.to_frame().index) == ["1", "3", "7"] and (cm.values > 0).all()
    same = compare_models(a, a, images(), n=50, progress=False)
    assert same.matches()["match"].tolist() == ["1", "3", "7"]
    np.testing.assert_allclose(np.diag(same.values), 0, atol=1e-8)
    assert cm.plot() is not None

def test_compare_uses_the_same_inputs_for_both_models():
    g = np.random.default_rng(1); reps = [g.normal(size=(40, d)) for d in (3, 5)]
    cm = compare_models(None, None, (reps, reps), n=25, progress=False)
    np.testing.assert_allclose(np.diag(cm.values), 0, atol=1e-10)   # the same 25 rows were drawn for both

@pytest.mark.filterwarnings("ignore:layer 'h0' is constant")   # Llama has no position embeddings: h0 of the last token ([SEP]) is one vector
@pytest.mark.parametrize("arch", ["gpt2", "llama"])
def test_tiny_causal_lm(arch):
    from transformers import GPT2Config, GPT2LMHeadModel, LlamaConfig, LlamaForCausalLM
    _, tok = load_encoder(OFFLINE_ENCODER)                        # any tokenizer will do for a random model
    torch.manual_seed(0)
    if arch == "gpt2": model = GPT2LMHeadModel(GPT2Config(vocab_size=tok.vocab_size, n_positions=64, n_embd=32, n_layer=3, n_head=2))
    else: model = LlamaForCausalLM(LlamaConfig(vocab_size=tok.vocab_size, hidden_size=32, intermediate_size=64, num_hidden_layers=3,
                                                num_attention_heads=2, num_key_value_heads=2, max_position_embeddings=64))
    texts = ["a short one", "a somewhat longer sentence here", "mid length text", "x", "another text of some length"]
    for pooling in ("last", "mean"):
        hs = hf_hidden_states(model, texts, pooling=pooling, tokenizer=tok, progress=False)
        assert [h.shape for h in hs] == [(5, 32)]*4
        one = hf_hidden_states(model, texts, pooling=pooling, tokenizer=tok, batch_size=1, progress=False)
        np.testing.assert_allclose(np.stack(one), np.stack(hs), rtol=1e-4, atol=1e-4)   # padding changes nothing
    m = layer_map(model, texts, pooling="last", tokenizer=tok, progress=False)
    assert m.matrix.labels == ["h0", "h1", "h2", "h3"]

# ---------------------------------------------------------------- the command line
def gwpaper_cmd(*args, timeout=300):
    exe = Path(sys.executable).parent/"gwpaper"
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "gwpaper"]
    return subprocess.run([*cmd, *args], capture_output=True, text=True, timeout=timeout)

def test_console_script_is_installed():
    assert (Path(sys.executable).parent/"gwpaper").exists()

@pytest.mark.parametrize("sub", ["map", "compare", "notebooks"])
def test_help_of_every_subcommand(sub):
    r = subprocess.run([sys.executable, "-m", "gwpaper", sub, "--help"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and f"usage: gwpaper {sub}" in r.stdout, r.stderr

def test_cli_map_offline_encoder_200_sentences(tmp_path):
    t = time.time()
    r = gwpaper_cmd("map", OFFLINE_ENCODER, "--dataset", "rotten_tomatoes", "--n", "200", "--out", str(tmp_path/"m"), "--jobs", "2")
    seconds = time.time() - t
    assert r.returncode == 0, r.stderr[-2000:]
    assert sorted(p.name for p in (tmp_path/"m").iterdir()) == FOUR_FILES
    assert "blocks:" in r.stdout and "wrote" in r.stdout
    assert seconds < 60, f"gwpaper map took {seconds:.1f} s"
    saved = json.loads((tmp_path/"m"/"blocks.json").read_text())
    assert saved["n"] == 200 and saved["model"] == OFFLINE_ENCODER

def test_cli_compare_writes_the_matrix(tmp_path):
    texts = tmp_path/"t.txt"; texts.write_text("\n".join(f"text {i} about {'cats' if i % 3 else 'dogs'}" for i in range(30)))
    r = gwpaper_cmd("compare", OFFLINE_ENCODER, OFFLINE_ENCODER, "--texts", str(texts), "--metric", "cka", "--out", str(tmp_path/"c"))
    assert r.returncode == 0, r.stderr[-2000:]
    assert {"compare.png", "compare.pdf", "compare.csv", "compare_matches.csv"} == {p.name for p in (tmp_path/"c").iterdir()}
    matches = pd.read_csv(tmp_path/"c"/"compare_matches.csv", index_col=0)
    assert list(matches["match"]) == list(matches.index)              # a model matches itself layer for layer

@pytest.mark.parametrize("args,fragment", [
    (["map", "no-such-model-xyz", "--dataset", "tweets"], "offline-minilm"),
    (["map", OFFLINE_ENCODER, "--texts", "/no/such/file.txt"], "no such file"),
    (["map", OFFLINE_ENCODER, "--dataset", "imdb"], "Unknown dataset"),
    (["map", OFFLINE_ENCODER], "one of the arguments --texts --dataset is required"),
    (["map", OFFLINE_ENCODER, "--dataset", "tweets", "--n", "abc"], "--n: must be an integer ≥ 3, got 'abc'"),
    (["notebooks", "--profile", "quick", "--only", "99"], "--only 99 matches no notebook"),
    (["notebooks", "--only", "10"], "the following arguments are required: --profile"),
    (["data"], "the following arguments are required: {fetch}"),
    (["frobnicate"], "invalid choice"),
])
def test_cli_errors_are_one_line(args, fragment):
    r = gwpaper_cmd(*args, timeout=120)
    assert r.returncode != 0
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0], r.stderr
    assert "Traceback" not in r.stderr

def test_cli_debug_shows_the_traceback():
    r = gwpaper_cmd("map", OFFLINE_ENCODER, "--texts", "/no/such/file.txt", "--debug", timeout=120)
    assert r.returncode != 0 and "Traceback" in r.stderr

def test_layer_map_with_a_band_keeps_blocks_within_it(tmp_path):
    "#18: `band` reaches layer_matrix through layer_map; the saved map (plot with NaN cells, CSV, blocks) still works."
    g = np.random.default_rng(0); X = g.normal(size=(60, 5))
    reps = [np.tanh(X @ g.normal(size=(5, 6))*s) for s in (0.5, 0.55, 0.6, 3, 3.2, 3.4, 8)]
    m = layer_map(None, reps, band=2, progress=False)
    assert m.matrix.band == 2 and m.segmentation.max_block == 3
    off = np.abs(np.subtract.outer(range(7), range(7)))
    np.testing.assert_array_equal(np.isnan(m.matrix.values), off > 2)
    assert all(len(b) <= 3 for b in m.blocks)
    assert sorted(p.name for p in m.save(tmp_path)) == FOUR_FILES
    assert pd.read_csv(tmp_path/"matrix.csv", index_col=0).isna().values.sum() == int((off > 2).sum())

def test_cli_map_band(tmp_path):
    texts = tmp_path/"t.txt"; texts.write_text("\n".join(f"text {i} about {'cats' if i % 3 else 'dogs'}" for i in range(40)))
    r = gwpaper_cmd("map", OFFLINE_ENCODER, "--texts", str(texts), "--band", "2", "--out", str(tmp_path/"m"))
    assert r.returncode == 0, r.stderr[-2000:]
    saved = json.loads((tmp_path/"m"/"blocks.json").read_text())
    assert all(len(b) <= 3 for b in saved["blocks"]) and sum(map(len, saved["blocks"])) == 7
    assert "--band" in gwpaper_cmd("map", "--help").stdout
