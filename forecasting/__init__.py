"""Forecasting pandas series with :mod:`reservoir` estimators.

Public names::

    from forecasting import Forecaster, backtest, BacktestResult
    from forecasting import NaiveForecaster, SeasonalNaiveForecaster
    from forecasting import metrics, ForecastingWarning
"""

from . import metrics
from ._warnings import ForecastingWarning
from .backtest import BacktestResult, backtest
from .baselines import NaiveForecaster, SeasonalNaiveForecaster
from .forecaster import Forecaster, default_estimator

__all__ = ["Forecaster", "backtest", "BacktestResult", "NaiveForecaster",
           "SeasonalNaiveForecaster", "ForecastingWarning", "default_estimator",
           "metrics"]
