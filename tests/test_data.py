"Offline sentiment data, the offline encoder, and the clear error for hub-only datasets."
import numpy as np, pytest
from gwpaper.data import load_sentiment, fetch_source, OFFLINE_SOURCES, sha256_file
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
