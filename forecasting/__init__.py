"""Forecasting pandas series with :mod:`reservoir` estimators.

Public names::

    from forecasting import Forecaster, backtest, BacktestResult
    from forecasting import NaiveForecaster, SeasonalNaiveForecaster
    from forecasting import metrics, ForecastingWarning
    from forecasting import AnomalyDetector, AnomalyResult
    from forecasting import RollingZScoreDetector, SeasonalNaiveDetector
    from forecasting import detection_metrics
    from forecasting import regularise, RegularisedSeries
"""

from . import detection_metrics, metrics
from .anomaly import (AnomalyDetector, AnomalyResult, RollingZScoreDetector,
                      SeasonalNaiveDetector)
from ._validation import RegularisedSeries, regularise
from ._warnings import ForecastingWarning
from .backtest import BacktestResult, backtest
from .baselines import NaiveForecaster, SeasonalNaiveForecaster
from .forecaster import Forecaster, default_estimator

__all__ = ["Forecaster", "backtest", "BacktestResult", "NaiveForecaster",
           "SeasonalNaiveForecaster", "ForecastingWarning", "default_estimator",
           "metrics", "AnomalyDetector", "AnomalyResult", "RollingZScoreDetector",
           "SeasonalNaiveDetector", "detection_metrics", "regularise",
           "RegularisedSeries"]
