"""The template every forecaster follows (after sktime's ``BaseForecaster``,
kept thin): public methods validate pandas once and call private ``_fit`` /
``_predict`` on float arrays.

Subclasses implement

* ``_fit(Y, E)``: ``Y`` (T, k) float history, ``E`` (T, e) exogenous or None;
* ``_predict(n, E_future)``: (n, k) forecasts of the next ``n`` steps after
  the stored history ``self._Y`` (``E_future`` (n, e) or None);
* optionally ``_validate_params()`` (check their parameters, before any
  data is read), ``_min_history(n)`` (shortest history they can forecast
  from) and ``_on_update(n_new)`` (state to advance after :meth:`update`).

:func:`rolling_forecasts` is the one fit-then-update loop: the conformal
calibration of :meth:`BaseForecaster.predict_interval` and
:func:`forecasting.backtest` both run it.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, clone
from sklearn.utils.validation import check_is_fitted

from ._validation import (_NAN_POLICIES, check_choice, check_count_or_fraction,
                          check_exog, check_param, check_series, future_index,
                          future_positions)
from ._warnings import ForecastingWarning

__all__ = ["BaseForecaster", "rolling_forecasts"]

# at most this many rolling origins feed the conformal residuals
MAX_CALIBRATION_ORIGINS = 100


def rolling_forecasts(template, y, X, fit_end, origins, horizon):
    """Fit a clone of ``template`` once, then move it from origin to origin.

    The clone is fitted on ``y[:fit_end]`` (and ``X``'s rows), then for each
    of the increasing ``origins`` (all ``>= fit_end``) it is advanced with
    ``update`` over the observations before the origin (never refitted) and
    forecasts ``horizon`` steps from it.

    Yields
    ------
    origin : int
    forecast : ndarray of shape (horizon, n_columns)
    """
    def rows(a, b):
        return None if X is None else X.iloc[a:b]

    model = clone(template).fit(y.iloc[:fit_end], rows(0, fit_end))
    done = fit_end
    for origin in origins:
        origin = int(origin)
        if origin > done:
            model.update(y.iloc[done:origin], rows(done, origin))
            done = origin
        F = model.predict(horizon, rows(origin, origin + horizon))
        yield origin, np.asarray(F, dtype=np.float64).reshape(horizon, -1)


def _check_finite_forecast(F, what="forecast"):
    """A forecast must be finite: NaN or inf means the closed loop diverged
    or the series' scale overflowed, and is an error, not a result."""
    bad = ~np.isfinite(F)
    if bad.any():
        step = int(np.flatnonzero(bad.any(axis=1))[0]) + 1
        raise ValueError(
            f"The {what} is not finite from step {step} on: the model diverged in "
            "closed loop or the series' values overflow float64. Rescale y, "
            "regularise the estimator (e.g. a larger alpha or a smaller "
            "spectral_radius) or forecast fewer steps.")
    return F


class BaseForecaster(BaseEstimator):
    """Shared pandas plumbing: fit, predict, update, predict_interval."""

    _supports_exog = True

    # -- parameters ----------------------------------------------------------
    def _check_params(self):
        """Check every parameter before any data is read; keep Python-typed
        copies in private attributes (the public ones stay as given)."""
        self._nan_policy = check_choice(getattr(self, "nan_policy", "raise"),
                                        "nan_policy", _NAN_POLICIES)
        self._calibration_size = check_count_or_fraction(
            getattr(self, "calibration_size", 0.2), "calibration_size")
        self._validate_params()

    def _validate_params(self):
        pass

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
        self._check_params()
        if X is not None and not self._supports_exog:
            raise ValueError(f"{type(self).__name__} does not use exogenous "
                             "columns; pass X=None.")
        Y, info, n_filled = check_series(y, "y", nan_policy=self._nan_policy)
        E, exog_columns = None, None
        if X is not None:
            E, exog_columns = check_exog(X, y.index, name="X",
                                         nan_policy=self._nan_policy)
        self._info = info
        self._index = y.index
        self._Y = Y
        self._E = E
        self.exog_columns_ = exog_columns
        self.n_interpolated_ = n_filled
        self.n_series_ = Y.shape[1]
        self.freq_ = info.freq
        self._calibration = {}
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
        F = _check_finite_forecast(self._predict(n, E_future))
        return self._wrap(F[pos - 1], index)

    def update(self, y_new, X_new=None):
        """Append new observations; later forecasts start after them.

        The model is not refitted: its parameters stay, only the history
        (and the warmed-up state) moves on. ``y_new`` goes through the same
        checks as ``fit``'s ``y`` (numbers only, no infinity, NaN by
        ``nan_policy``, interpolated across the junction with the history).

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
        values, _, _ = check_series(y_new, "y_new", nan_policy=self._nan_policy,
                                    fitted=info, continuing=True,
                                    previous=self._Y[-1])
        E_new = None
        if self.exog_columns_ is not None:
            if X_new is None:
                raise ValueError("X_new is required: the forecaster was fitted with "
                                 f"exogenous columns {self.exog_columns_}.")
            E_new, _ = check_exog(X_new, y_new.index, self.exog_columns_,
                                  name="X_new", nan_policy=self._nan_policy)
        elif X_new is not None:
            raise ValueError("X_new given but the forecaster was fitted without "
                             "exogenous columns.")
        expected = future_index(info, len(values), "y_new")
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
        self._calibration = {}          # the residuals were of the old history
        self._on_update(len(values))
        return self

    def predict_interval(self, horizon, coverage=0.9, X=None):
        """Conformal prediction intervals from the model's own backtest.

        The history's last ``calibration_size`` observations serve as rolling
        forecast origins for a copy of this forecaster fitted on the data
        before them (advanced with :meth:`update`, not refitted). For each
        step ahead h, the interval is the point forecast plus or minus the
        ``ceil((n + 1) * coverage) / n`` empirical quantile of the ``n``
        absolute h-step residuals (split conformal). The residuals are
        computed once per horizon and history: :meth:`update` discards them,
        so intervals depend only on the data seen, not on earlier calls.

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
        coverage = check_param(coverage, "coverage", low=0, high=1,
                               low_inclusive=False, high_inclusive=False,
                               hint="E.g. 0.9 for a 90% interval.")
        pos, index = future_positions(self._info, horizon)
        n = int(pos[-1])
        E_future = self._future_exog(X, n)
        residuals = self._calibration_residuals(n)          # (n_origins, n, k)
        n_cal = residuals.shape[0]
        level = min(1.0, math.ceil((n_cal + 1) * coverage) / n_cal)
        if math.ceil((n_cal + 1) * coverage) > n_cal:
            warnings.warn(
                f"Only {n_cal} calibration residuals per step: coverage={coverage} "
                "needs more for a finite conformal quantile; the largest residual "
                "is used. Increase calibration_size.", ForecastingWarning,
                stacklevel=2)
        q = np.quantile(residuals, level, axis=0, method="higher")   # (n, k)
        point = _check_finite_forecast(self._predict(n, E_future))
        lower, upper = point - q, point + q
        lower, upper = lower[pos - 1], upper[pos - 1]
        if self._info.was_series:
            return pd.DataFrame({"lower": lower[:, 0], "upper": upper[:, 0]},
                                index=index)
        data = {}
        for j, c in enumerate(self._info.columns):
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
        future = future_index(self._info, n)
        if X is None:
            raise ValueError(
                f"X is required: the forecaster was fitted with exogenous columns "
                f"{self.exog_columns_}; pass their values for the {n} future steps "
                f"({future[0]!r} to {future[-1]!r}).")
        E, _ = check_exog(X, future, self.exog_columns_, name="X", nan_policy="raise")
        return E

    def _wrap(self, F, index):
        info = self._info
        if info.was_series:
            return pd.Series(F[:, 0], index=index, name=info.name)
        return pd.DataFrame(F, index=index, columns=info.columns)

    def _history_pandas(self):
        """(y, X) of the whole history as pandas."""
        index = self._index
        if self._info.was_series:
            y = pd.Series(self._Y[:, 0], index=index, name=self._info.name)
        else:
            y = pd.DataFrame(self._Y, index=index, columns=self._info.columns)
        X = None
        if self._E is not None:
            X = pd.DataFrame(self._E, index=index, columns=self.exog_columns_)
        return y, X

    def _calibration_origins(self, horizon):
        T = len(self._Y)
        size = self._calibration_size
        C = int(round(size * T)) if isinstance(size, float) else size
        first = max(T - C, self._min_history(horizon))
        last = T - horizon            # last origin with all h-step actuals
        if last < first:
            raise ValueError(
                f"predict_interval needs rolling origins in the history's last "
                f"calibration_size={self.calibration_size} observations ({C} of "
                f"{T}) with a horizon of {horizon} actuals after each and at least "
                f"{self._min_history(horizon)} observations before the first: "
                "increase calibration_size, shorten the horizon or pass a longer "
                "series.")
        n = last - first + 1
        stride = max(1, math.ceil(n / MAX_CALIBRATION_ORIGINS))
        return np.arange(first, last + 1, stride)

    def _calibration_residuals(self, horizon):
        cached = self._calibration.get(horizon)
        if cached is not None:
            return cached
        origins = self._calibration_origins(horizon)
        y, X = self._history_pandas()
        out = np.empty((len(origins), horizon, self._Y.shape[1]))
        runs = rolling_forecasts(self, y, X, origins[0], origins, horizon)
        for i, (origin, F) in enumerate(runs):
            out[i] = np.abs(self._Y[origin:origin + horizon] - F)
        self._calibration[horizon] = out
        return out
