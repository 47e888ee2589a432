"""Gradient-trained recurrent estimators: Elman (SRN), GRU, LSTM and Clockwork RNN,
as regressors (an output at every step) and classifiers (of whole sequences or
of every step)."""

from ._classifiers import (CWRNNClassifier, GRUClassifier, LSTMClassifier,
                           SimpleRNNClassifier)
from ._estimators import (CWRNNRegressor, GRURegressor, LSTMRegressor,
                          SimpleRNNRegressor)

__all__ = ["SimpleRNNRegressor", "GRURegressor", "LSTMRegressor", "CWRNNRegressor",
           "SimpleRNNClassifier", "GRUClassifier", "LSTMClassifier", "CWRNNClassifier"]
