"""Echo State Networks and recurrent networks for time series.

Public names::

    from reservoir import Reservoir, ESNRegressor, ReservoirWarning
    from reservoir import datasets, metrics
"""

from . import datasets, metrics
from ._warnings import ReservoirWarning
from .esn import ESNRegressor, Reservoir

__all__ = ["Reservoir", "ESNRegressor", "ReservoirWarning", "datasets", "metrics"]
