"""Echo State Networks and recurrent networks for time series.

Public names::

    from reservoir import Reservoir, ESNRegressor, ReservoirWarning
    from reservoir import SimpleRNNRegressor, GRURegressor, LSTMRegressor, CWRNNRegressor
    from reservoir import datasets, metrics, save, load
"""

from . import datasets, metrics
from ._io import load, save
from ._warnings import ReservoirWarning
from .esn import ESNRegressor, Reservoir
from .rnn import CWRNNRegressor, GRURegressor, LSTMRegressor, SimpleRNNRegressor

__all__ = ["Reservoir", "ESNRegressor", "SimpleRNNRegressor", "GRURegressor",
           "LSTMRegressor", "CWRNNRegressor", "ReservoirWarning", "datasets",
           "metrics", "save", "load"]
