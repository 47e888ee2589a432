"""Echo State Networks and recurrent networks for time series.

Public names::

    from reservoir import Reservoir, ESNRegressor, ESNClassifier, NVARRegressor
    from reservoir import ReservoirWarning
    from reservoir import SimpleRNNRegressor, GRURegressor, LSTMRegressor, CWRNNRegressor
    from reservoir import SimpleRNNClassifier, GRUClassifier, LSTMClassifier, CWRNNClassifier
    from reservoir import SequenceScaler, datasets, metrics, save, load
"""

from . import datasets, metrics
from ._io import load, save
from ._warnings import ReservoirWarning
from .esn import ESNRegressor, Reservoir
from .esn_classifier import ESNClassifier
from .nvar import NVARRegressor
from .preprocessing import SequenceScaler
from .rnn import (CWRNNClassifier, CWRNNRegressor, GRUClassifier, GRURegressor,
                  LSTMClassifier, LSTMRegressor, SimpleRNNClassifier,
                  SimpleRNNRegressor)

__all__ = ["Reservoir", "ESNRegressor", "ESNClassifier", "NVARRegressor",
           "SimpleRNNRegressor", "GRURegressor", "LSTMRegressor", "CWRNNRegressor",
           "SimpleRNNClassifier", "GRUClassifier", "LSTMClassifier", "CWRNNClassifier",
           "SequenceScaler", "ReservoirWarning", "datasets", "metrics", "save", "load"]
