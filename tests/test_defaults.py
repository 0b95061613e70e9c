"Defaults that do not mislead, and a trust report on every map (issue 27): tiny models built from configs, nothing downloaded."
import itertools, json, statistics, subprocess, sys, time, warnings
from pathlib import Path
import numpy as np, pandas as pd, pytest, torch
from torch import nn
from gwpaper import layer_map, compare_models
from gwpaper.gw import LayerMatrix, CrossLayerMatrix
from gwpaper.maps import LayerMap, Representations, model_representations
from gwpaper.representations import load_encoder, hf_hidden_states, layer_diagnostics, OFFLINE_ENCODER
from gwpaper.subnetworks import segment

ROOT = Path(__file__).parents[1]
TEXTS = [f"{w} number {i} {'sat on the mat' if i % 3 else 'ran in the park'}" + " and more words"*(i % 4)
         for i, w in zip(range(24), itertools.cycle(["the cat", "a dog", "one bird", "some fish"]))]

def gwpaper_cmd(*args, timeout=300):
    exe = Path(sys.executable).parent/"gwpaper"
    return subprocess.run([str(exe), *args], capture_output=True, text=True, timeout=timeout)

# ---------------------------------------------------------------- pooling by model kind
def tiny_llama(vocab:int, layers:int=3, seed:int=0):
    from transformers import LlamaConfig, LlamaModel
    torch.manual_seed(seed)
    return LlamaModel(LlamaConfig(vocab_size=vocab, hidden_size=32, intermediate_size=64, num_hidden_layers=layers, num_attention_heads=4,
                                  num_key_value_heads=2, max_position_embeddings=64, rms_norm_eps=1e-5)).eval()

def test_auto_pooling_is_last_for_a_decoder_and_mean_for_an_encoder():
    from transformers import BertConfig, BertModel
    _, tok = load_encoder(OFFLINE_ENCODER)
    torch.manual_seed(0)
    enc = BertModel(BertConfig(vocab_size=tok.vocab_size, hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64)).eval()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")                                   # random models' layers may be flagged; not the point here
        dec_map = layer_map(tiny_llama(tok.vocab_size), TEXTS, tokenizer=tok, progress=False, n_boot=0)
        enc_map = layer_map(enc, TEXTS, tokenizer=tok, progress=False, n_boot=0)
    assert dec_map.info["pooling"] == "last" and "decoder" in dec_map.info["pooling_note"]
    assert enc_map.info["pooling"] == "mean" and "encoder" in enc_map.info["pooling_note"]
    # "auto" is exactly the explicit choice it names
    last = hf_hidden_states(tiny_llama(tok.vocab_size), TEXTS, pooling="last", tokenizer=tok, progress=False)
    np.testing.assert_allclose(dec_map.representations.reps[2], last[2], rtol=1e-5, atol=1e-6)

def test_one_direction_warning_names_the_layer():
    g = np.random.default_rng(0); n = 60
    lengths = g.integers(3, 30, size=n)
    spread = g.normal(size=(n, 8))
    sink = np.outer(1/lengths, g.normal(size=8)*50) + 1e-4*g.normal(size=(n, 8))   # one direction, weight 1/length
    r = Representations([spread, sink, spread + 0.1*g.normal(size=(n, 8))], ["a", "sink", "c"], "test", "mean", "given", list(lengths))
    with pytest.warns(UserWarning, match=r"sink \(one direction, tracks length") as rec:
        m = layer_map(None, r, progress=False, n_boot=0)
    assert not any("'a'" in str(w.message) or " a (" in str(w.message) for w in rec)
    assert "pooling='last'" in str(rec[0].message)                          # suggests the other pooling
    d = m.representations.diagnostics.set_index("layer")
    assert d.loc["sink", "top_share"] >= 0.99 and abs(d.loc["sink", "length_rho"]) >= 0.9 and d.loc["a", "flagged"] == ""

# ---------------------------------------------------------------- the trust report
def test_report_flags_a_constant_layer_and_a_band_capped_block(tmp_path):
    g = np.random.default_rng(1); X = g.normal(size=(50, 6))
    reps = [np.tanh(X @ g.normal(size=(6, 6))*0.3 + 0.01*g.normal(size=(50, 6))) for _ in range(6)] + [np.ones((50, 4))]
    with pytest.warns(UserWarning, match="constant"):
        m = layer_map(None, reps, band=2, progress=False, n_boot=4)
    rep = m.report()
    assert "6" in set(rep.layers.layer) and "constant" in rep.layers.set_index("layer").loc["6", "flagged"]
    assert rep.capped_blocks and all(len(b) == 3 for b in rep.capped_blocks)
    assert "widen the band" in rep.summary() and rep.settings["band"] == 2 and rep.settings["n_boot"] == 4
    m.save(tmp_path)
    saved = json.loads((tmp_path/"blocks.json").read_text())
    assert saved["band"] == 2 and saved["report"]["summary"] == rep.summary()
    assert saved["report"]["capped_blocks"] == rep.capped_blocks and saved["report"]["settings"]["band"] == 2
    assert {r["layer"] for r in saved["report"]["flagged_layers"]} == set(rep.layers.layer)
    full = m.resegment(band=None)                                          # every pair: no block is capped any more
    assert full.matrix.band is None and not full.report().capped_blocks

def _matrix(values, lower):
    L = len(values)
    return LayerMatrix(np.array(values, float), [f"l{i}" for i in range(L)], "gw", lower_bounds=np.array(lower, float))

def test_report_certifies_a_clear_boundary_and_not_an_uncertain_one():
    V = np.array([[0, .01, .5, .5], [.01, 0, .5, .5], [.5, .5, 0, .01], [.5, .5, .01, 0]])
    tight, loose = _matrix(V, V*0.99), _matrix(V, V*0.01)                 # certified gap 1% / 99% of each value
    for m, certified in ((tight, True), (loose, False)):
        lm = LayerMap(m, segment(m, 2, alpha=None), dict(n=10, metric="gw", band=None, n_boot=0))
        rep = lm.report()
        assert lm.boundaries == ["l1|l2"] and rep.boundaries.certified.tolist() == [certified]
        assert len(rep.uncertain_pairs) == (0 if certified else 6)
        assert (f"{int(certified)}/1 certified") in rep.summary()

def test_report_counts_each_boundary_in_resamples():
    g = np.random.default_rng(2); X = g.normal(size=(80, 5))
    first, second = np.tanh(X @ g.normal(size=(5, 6))), np.maximum(X @ g.normal(size=(5, 6)), 0)**3
    reps = [first + 0.01*g.normal(size=first.shape) for _ in range(3)] + [second + 0.01*g.normal(size=second.shape) for _ in range(3)]
    m = layer_map(None, reps, k=2, progress=False, n_boot=6)
    rep = m.report()
    assert m.boundaries == ["2|3"] and rep.boundaries.frequency.tolist() == [1.0]
    assert "reappearing in 100% of 6 resamples" in rep.summary() and "trust:" in repr(m)

# ---------------------------------------------------------------- default layers of a torchvision-style ResNet
class BasicBlock(nn.Module):
    "torchvision's BasicBlock: one ReLU module called twice."
    def __init__(self, c_in, c_out, stride=1):
        super().__init__()
        self.conv1, self.bn1 = nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False), nn.BatchNorm2d(c_out)
        self.relu = nn.ReLU(inplace=True)
        self.conv2, self.bn2 = nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False), nn.BatchNorm2d(c_out)
        self.downsample = None if stride == 1 and c_in == c_out else nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride, bias=False), nn.BatchNorm2d(c_out))
    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + (x if self.downsample is None else self.downsample(x)))

class TinyResNet(nn.Module):
    "torchvision's ResNet layout (conv1, bn1, relu, maxpool, layer1..layer3 of BasicBlocks, avgpool, fc), small."
    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.conv1, self.bn1, self.relu, self.maxpool = nn.Conv2d(1, 8, 3, 1, 1, bias=False), nn.BatchNorm2d(8), nn.ReLU(inplace=True), nn.MaxPool2d(2)
        self.layer1 = nn.Sequential(BasicBlock(8, 8), BasicBlock(8, 8))
        self.layer2 = nn.Sequential(BasicBlock(8, 16, 2), BasicBlock(16, 16))
        self.layer3 = nn.Sequential(BasicBlock(16, 16, 2), BasicBlock(16, 16))
        self.avgpool, self.fc = nn.AdaptiveAvgPool2d(1), nn.Linear(16, 10)
    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer3(self.layer2(self.layer1(x)))
        return self.fc(torch.flatten(self.avgpool(x), 1))

def test_torchvision_style_resnet_maps_with_default_layers():
    x = torch.randn(40, 1, 16, 16, generator=torch.Generator().manual_seed(0))
    with pytest.warns(UserWarning, match=r"module 'layer1.0.relu' runs 2 times .* repeating blocks \(layer1.0 … layer3.1\)"):
        m = layer_map(TinyResNet(), x, progress=False, n_boot=0)
    assert m.matrix.labels == ["layer1.0", "layer1.1", "layer2.0", "layer2.1", "layer3.0", "layer3.1"]
    assert sum(m.blocks, []) == m.matrix.labels and m.info["pooling"] == "mean"

def test_default_layers_error_lists_layers_that_would_work():
    class Reuses(nn.Module):
        def __init__(self):
            super().__init__(); self.a, self.b, self.act = nn.Linear(4, 4), nn.Linear(4, 4), nn.ReLU()
        def forward(self, x): return self.act(self.b(self.act(self.a(x))))
    with pytest.raises(ValueError, match=r"module 'act' runs 2 times.*Pass `layers=`; these modules run exactly once: \['a', 'b'\]"):
        layer_map(Reuses(), torch.randn(10, 4), progress=False)

# ---------------------------------------------------------------- reuse: no second forward pass
def test_resegment_report_and_reuse_never_call_the_model(tmp_path):
    torch.manual_seed(0)
    model = nn.Sequential(*[m for _ in range(6) for m in (nn.Linear(8, 8), nn.Tanh())])
    calls = []; model.register_forward_hook(lambda *a: calls.append(1))
    x = torch.randn(60, 8)
    m = layer_map(model, x, progress=False, band=2, n_boot=0)
    ran = len(calls)                                                       # the extraction (and default_layers' probe of one batch)
    assert ran in (1, 2)
    more, wide, again = m.resegment(k=m.segmentation.k + 1), m.resegment(band=4), layer_map(None, m.representations, k=2, progress=False, n_boot=0)
    m.report(n_boot=3)
    assert len(calls) == ran                                               # none of them ran the model
    assert more.segmentation.k == m.segmentation.k + 1 and more.blocks != m.blocks and wide.matrix.band == 4
    assert again.matrix.labels == m.matrix.labels and again.info["pooling"] == m.info["pooling"]
    near = np.abs(np.subtract.outer(range(6), range(6))) <= 2               # the wider band kept the pairs it had
    np.testing.assert_array_equal(wide.matrix.values[near], m.matrix.values[near])
    cm = compare_models(None, None, (m.representations, again.representations), progress=False)
    assert cm.row_labels == m.matrix.labels and np.allclose(np.diag(cm.values), 0, atol=1e-8)

# ---------------------------------------------------------------- one-to-one matching
def test_one_to_one_matches_are_the_best_permutation():
    g = np.random.default_rng(3)
    V = g.random((5, 5)); V[:, 0] = 0.01                                   # every row's minimum is column 0
    cm = CrossLayerMatrix(V, [f"a{i}" for i in range(5)], [f"b{i}" for i in range(5)], "gw")
    greedy, best = cm.matches(), cm.matches(one_to_one=True)
    assert set(greedy["match"]) == {"b0"}
    assert sorted(best["match"]) == cm.col_labels                         # a permutation
    cost = lambda perm: sum(V[i, j] for i, j in enumerate(perm))
    chosen = [cm.col_labels.index(c) for c in best["match"]]
    assert np.isclose(cost(chosen), min(cost(p) for p in itertools.permutations(range(5))))

# ---------------------------------------------------------------- GGUF
def write_tiny_gguf(path:Path, layers:int=3, seed:int=0):
    "A random tiny Llama with its byte-level BPE tokenizer, written as GGUF the way llama.cpp's converter does; returns the torch model."
    import gguf
    from tokenizers import Tokenizer, models, trainers, pre_tokenizers, decoders
    tk = Tokenizer(models.BPE()); tk.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False); tk.decoder = decoders.ByteLevel()
    tk.train_from_iterator(TEXTS, trainers.BpeTrainer(vocab_size=320, special_tokens=["<|endoftext|>"], initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    spec = json.loads(tk.to_str())["model"]
    tokens = sorted(spec["vocab"], key=spec["vocab"].get)
    merges = [" ".join(m) if isinstance(m, list) else m for m in spec["merges"]]
    model = tiny_llama(len(tokens), layers, seed)
    c = model.config
    w = gguf.GGUFWriter(str(path), "llama")
    w.add_name("tiny-llama"); w.add_context_length(c.max_position_embeddings); w.add_embedding_length(c.hidden_size); w.add_block_count(layers)
    w.add_feed_forward_length(c.intermediate_size); w.add_head_count(c.num_attention_heads); w.add_head_count_kv(c.num_key_value_heads)
    w.add_layer_norm_rms_eps(c.rms_norm_eps); w.add_rope_dimension_count(c.hidden_size // c.num_attention_heads)
    w.add_rope_freq_base(float(c.rope_parameters["rope_theta"])); w.add_file_type(gguf.LlamaFileType.ALL_F32); w.add_vocab_size(len(tokens))
    w.add_tokenizer_model("gpt2"); w.add_token_list(tokens); w.add_token_merges(merges)
    w.add_token_types([gguf.TokenType.CONTROL if t == "<|endoftext|>" else gguf.TokenType.NORMAL for t in tokens])
    w.add_bos_token_id(0); w.add_eos_token_id(0)
    names = gguf.get_tensor_name_map(gguf.MODEL_ARCH.LLAMA, layers)
    permute = lambda a, h: a.reshape(h, 2, a.shape[0]//h//2, *a.shape[1:]).swapaxes(1, 2).reshape(a.shape)   # llama.cpp's q/k row order
    for k, v in model.state_dict().items():
        a = v.numpy().astype(np.float32)
        if k.endswith("q_proj.weight"): a = permute(a, c.num_attention_heads)
        if k.endswith("k_proj.weight"): a = permute(a, c.num_key_value_heads)
        w.add_tensor(names.get_name(k, try_suffixes=(".weight", ".bias")), a)
    w.write_header_to_file(); w.write_kv_data_to_file(); w.write_tensors_to_file(); w.close()
    return model

@pytest.fixture(scope="module")
def tiny_gguf(tmp_path_factory):
    folder = tmp_path_factory.mktemp("gguf")
    return folder, write_tiny_gguf(folder/"tiny-llama-f32.gguf")

def test_gguf_loads_through_layer_map(tiny_gguf):
    folder, original = tiny_gguf
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")                                   # a random tiny model's layers get flagged
        by_file = layer_map(str(folder/"tiny-llama-f32.gguf"), TEXTS, progress=False, n_boot=0)
        by_folder = layer_map(folder, TEXTS, progress=False, n_boot=0)
    assert by_file.matrix.labels == ["h0", "h1", "h2", "h3"] and by_file.info["pooling"] == "last"
    np.testing.assert_allclose(by_file.matrix.values, by_folder.matrix.values)
    _, tok = load_encoder(folder)
    expected = hf_hidden_states(original, TEXTS, pooling="last", tokenizer=tok, max_length=64, progress=False)
    for got, want in zip(by_file.representations.reps, expected): np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)

def test_gguf_through_the_cli(tiny_gguf, tmp_path):
    folder, _ = tiny_gguf
    texts = tmp_path/"t.txt"; texts.write_text("\n".join(TEXTS))
    r = gwpaper_cmd("map", str(folder), "--texts", str(texts), "--out", str(tmp_path/"m"), "--n-boot", "3")
    assert r.returncode == 0, r.stderr[-2000:]
    summary = [l for l in r.stdout.splitlines() if l.strip().startswith("trust:")]
    assert len(summary) == 1 and "resamples" in summary[0]          # the report's one line: "  trust:      <summary>"
    saved = json.loads((tmp_path/"m"/"blocks.json").read_text())
    assert saved["pooling"] == "last" and "band" in saved and saved["report"]["summary"] == "trust: " + summary[0].split(":", 1)[1].strip()
    assert saved["report"]["settings"]["n_boot"] == 3

def test_gguf_errors_name_the_problem(tmp_path):
    (tmp_path/"a.gguf").touch(); (tmp_path/"b.gguf").touch()
    with pytest.raises(ValueError, match="pass one of them"): layer_map(tmp_path, TEXTS, progress=False)
    with pytest.raises(ValueError, match="could not load GGUF file"): layer_map(tmp_path/"a.gguf", TEXTS, progress=False)
    r = gwpaper_cmd("map", str(tmp_path/"none.gguf"), "--texts", "/dev/null", timeout=60)
    assert r.returncode != 0 and "does not exist" in r.stderr

# ---------------------------------------------------------------- the command line starts fast
def test_help_is_fast():
    times = []
    for _ in range(3):
        t = time.perf_counter(); r = gwpaper_cmd("--help", timeout=60); times.append(time.perf_counter() - t)
        assert r.returncode == 0 and "map" in r.stdout
    assert statistics.median(times) < 1, f"gwpaper --help took {times} s"

# ---------------------------------------------------------------- notebooks
def _tqdm_warnings(nb_path:Path)->list[str]:
    import nbformat
    nb = nbformat.read(nb_path, as_version=4); found = []
    for c in nb.cells:
        for o in c.get("outputs", []):
            text = o.get("text", "") + json.dumps(o.get("data", {}))
            if "TqdmWarning" in text or "IProgress not found" in text: found.append(f"{nb_path.name}: {text[:120]}")
    return found

def test_executed_notebooks_hold_no_tqdm_warning(tmp_path):
    "A progress bar in a real kernel (papermill, as the pipeline runs notebooks) draws a widget, with no TqdmWarning; the library's own bars too."
    import nbformat, papermill as pm
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("from tqdm.auto import tqdm\nfor _ in tqdm(range(3)): pass"),
                nbformat.v4.new_code_cell("import numpy as np\nfrom gwpaper import layer_map\n"
                                          "m = layer_map(None, [np.random.default_rng(i).normal(size=(30, 3)) for i in range(4)], n_boot=0)")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, tmp_path/"bars.ipynb")
    pm.execute_notebook(str(tmp_path/"bars.ipynb"), str(tmp_path/"out.ipynb"), kernel_name="python3", progress_bar=False, cwd=str(tmp_path))
    out = nbformat.read(tmp_path/"out.ipynb", as_version=4)
    assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in out.cells[0].outputs)   # a widget, not text
    assert _tqdm_warnings(tmp_path/"out.ipynb") == []
    executed = [p for d in ("executed-lib", "executed-quick", "executed") for p in sorted((ROOT/"build"/d).glob("*.ipynb"))]
    assert [w for p in executed for w in _tqdm_warnings(p)] == []
