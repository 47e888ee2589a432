"""Echo State Networks and recurrent networks for time series.

Public names::

    from reservoir import Reservoir, ESNRegressor, ESNClassifier, NVARRegressor
    from reservoir import ReservoirWarning
    from reservoir import SimpleRNNRegressor, GRURegressor, LSTMRegressor, CWRNNRegressor
    from reservoir import SimpleRNNClassifier, GRUClassifier, LSTMClassifier, CWRNNClassifier
    from reservoir import SequenceScaler, datasets, metrics, save, load

``import reservoir`` loads only the Echo State Network; every other name is
imported on first use (the recurrent networks, the classifiers, NVAR, the
datasets, metrics and the save/load format), so a process that fits one
ESN does not pay for the rest.
"""

import importlib

from ._warnings import ReservoirWarning
from .esn import ESNRegressor, Reservoir

__all__ = ["Reservoir", "ESNRegressor", "ESNClassifier", "NVARRegressor",
           "SimpleRNNRegressor", "GRURegressor", "LSTMRegressor", "CWRNNRegressor",
           "SimpleRNNClassifier", "GRUClassifier", "LSTMClassifier", "CWRNNClassifier",
           "SequenceScaler", "ReservoirWarning", "datasets", "metrics", "save", "load"]

# public name -> (module, attribute; None for the module itself)
_LAZY = {
    "ESNClassifier": (".esn_classifier", "ESNClassifier"),
    "NVARRegressor": (".nvar", "NVARRegressor"),
    "SequenceScaler": (".preprocessing", "SequenceScaler"),
    "save": ("._io", "save"),
    "load": ("._io", "load"),
    "datasets": (".datasets", None),
    "metrics": (".metrics", None),
    **{name: (".rnn", name) for name in (
        "SimpleRNNRegressor", "GRURegressor", "LSTMRegressor", "CWRNNRegressor",
        "SimpleRNNClassifier", "GRUClassifier", "LSTMClassifier", "CWRNNClassifier")},
}


def __getattr__(name):
    try:
        module, attr = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'reservoir' has no attribute {name!r}") from None
    value = importlib.import_module(module, __name__)
    if attr is not None:
        value = getattr(value, attr)
    globals()[name] = value          # later look-ups skip this function
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
