"""``import reservoir`` loads the ESN only; the rest is imported on first use."""

import importlib
import subprocess
import sys

import pytest

import reservoir

# What a fit of an ESN does not need, and must not pay for at start-up.
LAZY = ["reservoir.rnn", "reservoir._io", "reservoir.datasets", "reservoir.metrics",
        "reservoir.nvar", "reservoir.esn_classifier", "reservoir.preprocessing",
        "forecasting", "torch", "dask", "distributed", "matplotlib", "skops",
        "sklearn.metrics"]   # (scikit-learn itself imports scipy.sparse.linalg)

CHECK = """
import sys
import numpy as np
import reservoir
after_import = sorted(m for m in {lazy!r} if m in sys.modules)
u = np.sin(np.arange(300) / 7.0)[:, None]
esn = reservoir.ESNRegressor(n_reservoir=50, random_state=0).fit(u[:-1], u[1:, 0])
esn.predict(u[:-1])
after_fit = sorted(m for m in {lazy!r} if m in sys.modules)
print(after_import, after_fit)
"""


def test_import_and_small_fit_do_not_load_the_lazy_modules():
    # a fresh interpreter: this test process has imported everything already
    out = subprocess.run([sys.executable, "-c", CHECK.format(lazy=LAZY)],
                         check=True, capture_output=True, text=True).stdout
    assert out.strip() == "[] []"


def test_every_public_name_imports_and_is_listed():
    for name in reservoir.__all__:
        assert name in dir(reservoir)
        exec(f"from reservoir import {name}", {})
        assert getattr(reservoir, name) is not None
    from reservoir import LSTMRegressor
    from reservoir.rnn import LSTMRegressor as direct
    assert LSTMRegressor is direct
    from reservoir import datasets, metrics, save
    assert save is importlib.import_module("reservoir._io").save
    assert datasets.__name__ == "reservoir.datasets" and metrics.__name__ == "reservoir.metrics"


def test_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'NoSuchThing'"):
        reservoir.NoSuchThing
    with pytest.raises(ImportError):
        exec("from reservoir import NoSuchThing", {})
