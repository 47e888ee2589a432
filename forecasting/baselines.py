"""Reference forecasters: every result is shown against these."""

from __future__ import annotations

from numbers import Integral

import numpy as np

from ._base import BaseForecaster
from ._validation import check_param

__all__ = ["NaiveForecaster", "SeasonalNaiveForecaster"]


class NaiveForecaster(BaseForecaster):
    """Repeat the last observation: ``yhat(T + h) = y(T)``.

    Same interface as :class:`forecasting.Forecaster` (``fit``, ``predict``,
    ``update``, ``predict_interval``, ``backtest``); exogenous columns are
    not used.

    Parameters
    ----------
    nan_policy : {"raise", "interpolate"}, default="raise"
    calibration_size : float or int, default=0.2
        History share (or count) whose steps serve as conformal calibration
        origins for :meth:`predict_interval`.

    Examples
    --------
    >>> import pandas as pd
    >>> from forecasting import NaiveForecaster
    >>> NaiveForecaster().fit(pd.Series([1.0, 2.0, 3.0])).predict(2).tolist()
    [3.0, 3.0]
    """

    _supports_exog = False

    def __init__(self, *, nan_policy="raise", calibration_size=0.2):
        self.nan_policy = nan_policy
        self.calibration_size = calibration_size

    def _fit(self, Y, E):
        return self

    def _predict(self, n, E_future):
        return np.repeat(self._Y[-1:], n, axis=0)


class SeasonalNaiveForecaster(BaseForecaster):
    """Repeat the last season: ``yhat(T + h) = y(T + h - m * ceil(h / m))``.

    Parameters
    ----------
    season_length : int
        The period m in steps (48 for a daily cycle of 30-minute data).
    nan_policy : {"raise", "interpolate"}, default="raise"
    calibration_size : float or int, default=0.2

    Examples
    --------
    >>> import pandas as pd
    >>> from forecasting import SeasonalNaiveForecaster
    >>> y = pd.Series([1.0, 2.0, 3.0, 4.0])
    >>> SeasonalNaiveForecaster(2).fit(y).predict(3).tolist()
    [3.0, 4.0, 3.0]
    """

    _supports_exog = False

    def __init__(self, season_length, *, nan_policy="raise", calibration_size=0.2):
        self.season_length = season_length
        self.nan_policy = nan_policy
        self.calibration_size = calibration_size

    def _validate_params(self):
        self._m = check_param(self.season_length, "season_length", kind=Integral,
                              low=1, hint="It counts the steps per season.")

    def _min_history(self, horizon):
        return self._m

    def _fit(self, Y, E):
        m = self._m
        if len(Y) < m:
            raise ValueError(f"y has {len(Y)} observations, fewer than "
                             f"season_length={m}; pass at least one full season.")
        return self

    def _predict(self, n, E_future):
        m = self._m
        last = self._Y[-m:]
        reps = -(-n // m)
        return np.tile(last, (reps, 1))[:n]
