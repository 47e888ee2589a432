"""Gradient-trained recurrent estimators: Elman (SRN), GRU, LSTM and Clockwork RNN."""

from ._estimators import (CWRNNRegressor, GRURegressor, LSTMRegressor,
                          SimpleRNNRegressor)

__all__ = ["SimpleRNNRegressor", "GRURegressor", "LSTMRegressor", "CWRNNRegressor"]
