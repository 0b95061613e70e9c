import os
# Tests never reach the Hugging Face hub: fail fast instead of retrying (the Makefile sets the same).
for var in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "TRANSFORMERS_OFFLINE"): os.environ.setdefault(var, "1")
import numpy as np, pytest

def random_mlp_reps(n=80, widths=(16, 32, 32, 24, 16, 16, 8), d_in=6, seed=0):
    "Representations of n standard-normal inputs in a random He-initialised deep ReLU MLP."
    g = np.random.default_rng(seed); R = g.normal(size=(n, d_in)); out = []
    for w in widths:
        R = np.maximum(R @ (g.normal(size=(R.shape[1], w))*np.sqrt(2/R.shape[1])), 0); out.append(R)
    return out

@pytest.fixture
def mlp_reps(): return random_mlp_reps()
