"""The template every forecaster follows (after sktime's ``BaseForecaster``,
kept thin): public methods validate pandas once and call private ``_fit`` /
``_predict`` on float arrays.

Subclasses implement

* ``_fit(Y, E)``: ``Y`` (T, k) float history, ``E`` (T, e) exogenous or None;
* ``_predict(n, E_future)``: (n, k) forecasts of the next ``n`` steps after
  the stored history ``self._Y`` (``E_future`` (n, e) or None);
* optionally ``_min_history(n)`` (shortest history they can forecast from)
  and ``_on_update(n_new)`` (state to advance after :meth:`update`).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, clone
from sklearn.utils.validation import check_is_fitted

from ._validation import (check_exog, check_series, future_index,
                          future_positions)

__all__ = ["BaseForecaster"]

# at most this many rolling origins feed the conformal residuals
MAX_CALIBRATION_ORIGINS = 100


class BaseForecaster(BaseEstimator):
    """Shared pandas plumbing: fit, predict, update, predict_interval."""

    _supports_exog = True

    # -- public API --------------------------------------------------------
    def fit(self, y, X=None):
        """Fit on the history ``y`` (and exogenous columns ``X``).

        Parameters
        ----------
        y : pandas.Series or pandas.DataFrame
            On a regular DatetimeIndex (its ``freq`` set or inferable),
            PeriodIndex or RangeIndex; sorted, unique, without gaps.
        X : pandas.DataFrame, optional
            Exogenous columns on exactly ``y``'s index.

        Returns
        -------
        self
        """
        nan_policy = getattr(self, "nan_policy", "raise")
        Y, info, n_filled = check_series(y, "y", nan_policy=nan_policy)
        E, exog_columns = None, None
        if X is not None:
            if not self._supports_exog:
                raise ValueError(f"{type(self).__name__} does not use exogenous "
                                 "columns; pass X=None.")
            E, exog_columns = check_exog(X, y.index, name="X", nan_policy=nan_policy)
        self._info = info
        self._index = y.index
        self._Y = Y
        self._E = E
        self.exog_columns_ = exog_columns
        self.n_interpolated_ = n_filled
        self.n_series_ = Y.shape[1]
        self.freq_ = info.freq
        self._calibration = None
        self._fit(Y, E)
        self.cutoff_ = info.last
        return self

    def predict(self, horizon, X=None):
        """Forecast the steps after the end of the history.

        Parameters
        ----------
        horizon : int or pandas.Index
            Number of steps ahead, or the future labels themselves (sorted,
            on the series' frequency grid; they may skip steps).
        X : pandas.DataFrame, optional
            Exogenous columns for every future step up to the last requested
            one (index ``future_index(n)``); required iff ``fit`` had ``X``.

        Returns
        -------
        pandas.Series or pandas.DataFrame
            On the future index, with the series' name / column names.
        """
        check_is_fitted(self, "cutoff_")
        pos, index = future_positions(self._info, horizon)
        n = int(pos[-1])
        E_future = self._future_exog(X, n)
        F = self._predict(n, E_future)
        return self._wrap(F[pos - 1], index)

    def update(self, y_new, X_new=None):
        """Append new observations; later forecasts start after them.

        The model is not refitted: its parameters stay, only the history
        (and the warmed-up state) moves on.

        Parameters
        ----------
        y_new : pandas.Series or pandas.DataFrame
            Observations for the steps right after the current history
            (its index must continue the history's exactly).
        X_new : pandas.DataFrame, optional
            Exogenous columns on ``y_new``'s index; required iff ``fit`` had ``X``.

        Returns
        -------
        self
        """
        check_is_fitted(self, "cutoff_")
        info = self._info
        if not isinstance(y_new, (pd.Series, pd.DataFrame)):
            raise TypeError(f"y_new must be a pandas Series or DataFrame; got "
                            f"{type(y_new).__name__}.")
        frame = y_new.to_frame() if isinstance(y_new, pd.Series) else y_new
        if isinstance(y_new, pd.DataFrame) and list(frame.columns) != list(info.columns):
            raise ValueError(f"y_new has columns {list(frame.columns)} but the "
                             f"forecaster was fitted on {list(info.columns)}.")
        if frame.shape[1] != len(info.columns):
            raise ValueError(f"y_new has {frame.shape[1]} columns; expected "
                             f"{len(info.columns)}.")
        if len(frame) == 0:
            return self
        expected = future_index(info, len(frame))
        if not frame.index.equals(expected):
            raise ValueError(
                f"y_new's index must continue the history: expected {len(frame)} "
                f"labels from {expected[0]!r} to {expected[-1]!r} (frequency "
                f"{info.freq}), got {frame.index[0]!r} to {frame.index[-1]!r}.")
        nan_policy = getattr(self, "nan_policy", "raise")
        try:
            values = frame.to_numpy(dtype=np.float64, na_value=np.nan)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"y_new must hold numbers ({exc}).") from None
        if np.isnan(values).any():
            if nan_policy == "raise":
                row = int(np.flatnonzero(np.isnan(values).any(axis=1))[0])
                raise ValueError(f"y_new contains NaN at position {row}; "
                                 "nan_policy='interpolate' fills NaN inside the "
                                 "series (fill y_new yourself first).")
            # interpolate across the junction with the history
            both = np.vstack([self._Y, values])
            both = pd.DataFrame(both).interpolate(limit_area="inside").to_numpy()
            if np.isnan(both[-len(values):]).any():
                raise ValueError("y_new ends with NaN, which interpolation cannot "
                                 "fill; trim it.")
            values = both[-len(values):]
        E_new = None
        if self.exog_columns_ is not None:
            if X_new is None:
                raise ValueError("X_new is required: the forecaster was fitted with "
                                 f"exogenous columns {self.exog_columns_}.")
            E_new, _ = check_exog(X_new, frame.index, self.exog_columns_,
                                  name="X_new", nan_policy=nan_policy)
        elif X_new is not None:
            raise ValueError("X_new given but the forecaster was fitted without "
                             "exogenous columns.")
        self._Y = np.vstack([self._Y, values])
        if E_new is not None:
            self._E = np.vstack([self._E, E_new])
        if info.kind == "range":
            self._index = pd.RangeIndex(self._index[0], int(expected[-1]) + info.freq,
                                        info.freq, name=info.index_name)
        elif info.kind == "datetime":
            self._index = pd.DatetimeIndex(self._index.append(expected),
                                           freq=info.freq, name=info.index_name)
        else:
            self._index = self._index.append(expected)
        info.last = expected[-1]
        self.cutoff_ = info.last
        self._on_update(len(values))
        return self

    def predict_interval(self, horizon, coverage=0.9, X=None):
        """Conformal prediction intervals from the model's own backtest.

        The history's last ``calibration_size`` observations serve as rolling
        forecast origins for a copy of this forecaster fitted on the data
        before them (advanced with :meth:`update`, not refitted). For each
        step ahead h, the interval is the point forecast plus or minus the
        ``ceil((n + 1) * coverage) / n`` empirical quantile of the ``n``
        absolute h-step residuals (split conformal). Computed once and cached.

        Parameters
        ----------
        horizon : int or pandas.Index
        coverage : float in (0, 1), default=0.9
        X : pandas.DataFrame, optional
            Future exogenous columns, as in :meth:`predict`.

        Returns
        -------
        pandas.DataFrame
            Columns ``lower`` and ``upper`` (for a multivariate series, a
            MultiIndex ``(column, "lower"/"upper")``) on the future index.
        """
        check_is_fitted(self, "cutoff_")
        if isinstance(coverage, (bool, np.bool_)) or not isinstance(
                coverage, (int, float, np.floating)) or not 0 < coverage < 1:
            raise ValueError(f"coverage={coverage!r} must be a number in (0, 1), "
                             "e.g. 0.9.")
        pos, index = future_positions(self._info, horizon)
        n = int(pos[-1])
        residuals = self._calibration_residuals(n)          # (n_origins, n, k)
        n_cal = residuals.shape[0]
        level = min(1.0, math.ceil((n_cal + 1) * coverage) / n_cal)
        if math.ceil((n_cal + 1) * coverage) > n_cal:
            import warnings
            from ._warnings import ForecastingWarning
            warnings.warn(
                f"Only {n_cal} calibration residuals per step: coverage={coverage} "
                "needs more for a finite conformal quantile; the largest residual "
                "is used. Increase calibration_size.", ForecastingWarning,
                stacklevel=2)
        q = np.quantile(residuals, level, axis=0, method="higher")   # (n, k)
        point = self._predict(n, self._future_exog(X, n))
        lower, upper = point - q, point + q
        lower, upper = lower[pos - 1], upper[pos - 1]
        cols = self._info.columns
        if self._info.was_series:
            return pd.DataFrame({"lower": lower[:, 0], "upper": upper[:, 0]},
                                index=index)
        data = {}
        for j, c in enumerate(cols):
            data[(c, "lower")] = lower[:, j]
            data[(c, "upper")] = upper[:, j]
        return pd.DataFrame(data, index=index)

    # -- helpers -----------------------------------------------------------
    def _min_history(self, horizon):
        return 1

    def _on_update(self, n_new):
        pass

    def _future_exog(self, X, n):
        if self.exog_columns_ is None:
            if X is not None:
                raise ValueError("X given to predict but the forecaster was fitted "
                                 "without exogenous columns; pass X=None or refit "
                                 "with X.")
            return None
        if X is None:
            raise ValueError(
                f"X is required: the forecaster was fitted with exogenous columns "
                f"{self.exog_columns_}; pass their values for the {n} future steps "
                f"({future_index(self._info, n)[0]!r} to "
                f"{future_index(self._info, n)[-1]!r}).")
        E, _ = check_exog(X, future_index(self._info, n), self.exog_columns_,
                          name="X", nan_policy="raise")
        return E

    def _wrap(self, F, index):
        info = self._info
        if info.was_series:
            return pd.Series(F[:, 0], index=index, name=info.name)
        return pd.DataFrame(F, index=index, columns=info.columns)

    def _history_pandas(self, stop=None):
        """(y, X) of the history up to ``stop`` (exclusive) as pandas."""
        index = self._index[:stop]
        Y = self._Y[:stop]
        if self._info.was_series:
            y = pd.Series(Y[:, 0], index=index, name=self._info.name)
        else:
            y = pd.DataFrame(Y, index=index, columns=self._info.columns)
        X = None
        if self._E is not None:
            X = pd.DataFrame(self._E[:stop], index=index, columns=self.exog_columns_)
        return y, X

    def _calibration_origins(self, horizon):
        T = len(self._Y)
        size = getattr(self, "calibration_size", 0.2)
        C = int(round(size * T)) if isinstance(size, float) else int(size)
        first = max(T - C, self._min_history(horizon))
        last = T - horizon            # last origin with all h-step actuals
        if last < first:
            raise ValueError(
                f"predict_interval needs rolling origins in the history's last "
                f"calibration_size={size} observations ({C} of {T}) with a "
                f"horizon of {horizon} actuals after each and at least "
                f"{self._min_history(horizon)} observations before the first: "
                "increase calibration_size, shorten the horizon or pass a longer "
                "series.")
        n = last - first + 1
        stride = max(1, math.ceil(n / MAX_CALIBRATION_ORIGINS))
        return np.arange(first, last + 1, stride)

    def _calibration_residuals(self, horizon):
        cached = self._calibration
        if cached is not None and cached.shape[1] >= horizon:
            return cached[:, :horizon]
        origins = self._calibration_origins(horizon)
        y0, X0 = self._history_pandas(origins[0])
        model = clone(self).fit(y0, X0)
        out = np.empty((len(origins), horizon, self._Y.shape[1]))
        done = origins[0]
        for i, origin in enumerate(origins):
            if origin > done:
                y_new, X_new = self._history_pandas(origin)
                model.update(y_new.iloc[done:], None if X_new is None else X_new.iloc[done:])
                done = origin
            E_f = None if self._E is None else self._E[origin:origin + horizon]
            F = model._predict(horizon, E_f)
            out[i] = np.abs(self._Y[origin:origin + horizon] - F)
        self._calibration = out
        return out
