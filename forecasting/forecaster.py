"""Forecaster: fit a pandas series with any ``reservoir`` estimator, predict a
future index."""

from __future__ import annotations

import warnings
from numbers import Integral

import numpy as np
from sklearn.base import clone

from . import _transforms as tf
from ._base import BaseForecaster
from ._validation import (check_bool, check_choice, check_param,
                          power_of_two_scale, resolve_seasons)

__all__ = ["Forecaster", "default_estimator"]

_STRATEGIES = ("recursive", "direct")
_TRENDS = ("auto", "none", "difference", "linear")
_SEASONALITIES = ("none", "fourier", "difference")


def default_estimator():
    """The ESN a :class:`Forecaster` uses when given ``estimator=None``.

    A 200-unit leaky reservoir (measured on the backtests of
    ``benchmarks/bench_forecasting.py``), ridge ``alpha=1e-3`` on
    standardised data, 50 washout steps, ``random_state=0``.
    """
    from reservoir import ESNRegressor
    return ESNRegressor(n_reservoir=200, spectral_radius=0.9, input_scaling=0.5,
                        density=0.1, leak_rate=0.5, bias_scaling=0.2, alpha=1e-3,
                        washout=50, random_state=0)


class Forecaster(BaseForecaster):
    """Forecast a pandas series with a recurrent estimator.

    The series is detrended or differenced, standardised, and turned into a
    sequence whose row ``t`` holds the value at ``t`` and the known features
    of ``t + 1`` (Fourier terms of the seasons, exogenous columns). The
    estimator learns to predict ``t + 1`` (``strategy="recursive"``) or all of
    ``t + 1 .. t + max_horizon`` at once (``strategy="direct"``). Before
    forecasting, the network runs over the history (its state warms up), and
    the forecast goes back through the inverse transforms.

    Parameters
    ----------
    estimator : estimator with ``fit(X, y)`` / ``predict(X)`` on sequences, default=None
        ``None`` uses :func:`default_estimator` (an :class:`~reservoir.ESNRegressor`).
        Its parameters can be set as ``estimator__<name>`` with
        :meth:`set_params` (and read with ``get_params``), also when it is
        None (the default is then put in).
    strategy : {"recursive", "direct"}, default="recursive"
        ``"recursive"``: one-step model run in closed loop (its forecast fed
        back as input). ``"direct"``: one output per step ahead, column
        ``h - 1`` predicting ``t + h``; for an ESN all horizons come from one
        reservoir run. Needs ``max_horizon``.
    max_horizon : int, default=None
        Steps ahead the direct strategy is trained for (predict beyond it is
        an error). Ignored by the recursive strategy.
    trend : {"auto", "none", "difference", "linear"}, default="auto"
        Trend handling before scaling. ``"auto"`` differences the series when
        its level drifts monotonically by more than its typical spread
        (:func:`forecasting._transforms.has_trend`: five block means moving one
        way, first-to-last change above the mean within-block standard
        deviation) and leaves it alone otherwise; ``trend_`` tells which. A
        bounded network cannot extrapolate a level it never saw, so a
        trending series is differenced; on a stationary one differencing
        costs accuracy (see ``benchmarks/forecasting_results.md``).
    seasonality : {"fourier", "difference", "none"}, default="fourier"
        ``"fourier"``: sin/cos of each season as extra inputs;
        ``"difference"``: seasonal differencing at the first season length.
    season_length : "auto", None, float or tuple of floats, default="auto"
        Seasonal periods in steps (finite numbers > 1). ``"auto"`` from the
        frequency (30-minute data: 48 and 336; hourly: 24, 168; daily: 7,
        365.25; weekly: 52.18; monthly: 12; quarterly: 4; none for a
        RangeIndex).
    n_fourier : int, default=3
        Harmonics per season for ``seasonality="fourier"``.
    scale : bool, default=True
        Standardise the (transformed) target and the exogenous columns with
        the mean and standard deviation of the training history. Whatever
        its value, a column whose magnitude is beyond ``2**100`` (or below
        ``2**-100``) is first divided by a power of two, an exact change of
        units undone on the forecast, so series near 1e300 or 1e-300 do not
        overflow or underflow.
    context_length : int, default=None
        Rows of the trailing history that warm the state up before each
        forecast (None: all of it). Estimators without ``generate``
        forecast recursively by re-running ``predict`` on this context once
        per step ahead, costing ``horizon * context_length`` steps: bound it
        for long series.
    nan_policy : {"raise", "interpolate"}, default="raise"
        NaN in ``y``/``X``: an error naming the first position, or linear
        interpolation inside the series (leading/trailing NaN stay an error).
    calibration_size : float or int, default=0.2
        Share (float) or number (int) of the last observations used as
        rolling origins for :meth:`predict_interval`.

    Attributes
    ----------
    estimator_ : estimator
        The fitted estimator.
    seasons_ : tuple of float
        Seasonal periods in use.
    trend_ : {"none", "difference", "linear"}
        Trend handling in use (``trend="auto"`` resolved).
    freq_ : pandas.DateOffset or int
        Frequency of the index.
    cutoff_ : label
        Last observed label (moves with :meth:`update`).
    n_features_model_ : int
        Input columns of the estimator (targets + Fourier + exogenous).
    exog_columns_ : list or None
    n_interpolated_ : int
        Values filled by ``nan_policy="interpolate"``.

    See Also
    --------
    forecasting.backtest : rolling-origin evaluation.
    forecasting.NaiveForecaster, forecasting.SeasonalNaiveForecaster : baselines.

    Notes
    -----
    Recursive forecasting uses the estimator's ``generate`` (the ESN's and
    the recurrent regressors' each run in one compiled call), with
    the Fourier and exogenous inputs of the future passed as ``X_future``;
    estimators without ``generate`` re-run ``predict`` on the trailing
    context once per step ahead. The direct strategy runs the context once
    per forecast, whatever the estimator.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from forecasting import Forecaster
    >>> t = np.arange(400)
    >>> y = pd.Series(np.sin(2 * np.pi * t / 24), pd.date_range("2024", periods=400, freq="h"))
    >>> f = Forecaster().fit(y)
    >>> f.predict(3).index[0]
    Timestamp('2024-01-17 16:00:00')
    """

    def __init__(self, estimator=None, *, strategy="recursive", max_horizon=None,
                 trend="auto", seasonality="fourier", season_length="auto",
                 n_fourier=3, scale=True, context_length=None, nan_policy="raise",
                 calibration_size=0.2):
        self.estimator = estimator
        self.strategy = strategy
        self.max_horizon = max_horizon
        self.trend = trend
        self.seasonality = seasonality
        self.season_length = season_length
        self.n_fourier = n_fourier
        self.scale = scale
        self.context_length = context_length
        self.nan_policy = nan_policy
        self.calibration_size = calibration_size

    def set_params(self, **params):
        """Set parameters; ``estimator__<name>`` also works with ``estimator=None``."""
        if (self.estimator is None and "estimator" not in params
                and any(k.startswith("estimator__") for k in params)):
            self.estimator = default_estimator()
        return super().set_params(**params)

    # -- validation --------------------------------------------------------
    def _validate_params(self):
        """Check the parameters; keep Python-typed copies (``_max_horizon``,
        ``_n_fourier``, ``_context_length``, ``_scale``)."""
        check_choice(self.strategy, "strategy", _STRATEGIES)
        check_choice(self.trend, "trend", _TRENDS)
        check_choice(self.seasonality, "seasonality", _SEASONALITIES)
        mh = self.max_horizon
        if self.strategy == "direct" and mh is None:
            raise ValueError("strategy='direct' needs max_horizon, the number of "
                             "steps ahead to train readouts for (e.g. 48).")
        self._max_horizon = None if mh is None else check_param(
            mh, "max_horizon", kind=Integral, low=1,
            hint="It counts the steps ahead of the direct strategy.")
        self._n_fourier = check_param(self.n_fourier, "n_fourier", kind=Integral,
                                      low=0, hint="Harmonics per season.")
        cl = self.context_length
        self._context_length = None if cl is None else check_param(
            cl, "context_length", kind=Integral, low=1,
            hint="Pass None (all of the history) or a number of rows.")
        self._scale = check_bool(self.scale, "scale")
        resolve_seasons(self.season_length, None)        # its type, before the data
        est = self.estimator
        if est is not None and not (hasattr(est, "fit") and hasattr(est, "predict")):
            raise TypeError(f"estimator={est!r} must have fit(X, y) and predict(X) "
                            "on sequences (e.g. reservoir.ESNRegressor).")

    # -- template hooks ----------------------------------------------------
    def _horizon_rows(self):
        return self._max_horizon if self.strategy == "direct" else 1

    def _washout(self):
        w = getattr(self.estimator_ if hasattr(self, "estimator_") else
                    (self.estimator or default_estimator()), "washout", 0)
        return int(w) if isinstance(w, Integral) else 0

    def _min_history(self, horizon):
        return self._plan.n_lost + self._horizon_rows() + self._washout() + 2

    def _fit(self, Y, E):
        # extreme magnitudes: work in exactly rescaled units (power_of_two_scale)
        self._y_scale = power_of_two_scale(Y)
        Y = Y / self._y_scale
        if E is not None:
            self._e_scale = power_of_two_scale(E)
            E = E / self._e_scale
        seasons = resolve_seasons(self.season_length, self._info)
        plan_lags = []
        if self.seasonality == "difference":
            if not seasons:
                raise ValueError(
                    "seasonality='difference' needs a season: the frequency "
                    f"{self._info.freq!r} suggests none; pass season_length.")
            plan_lags.append(int(round(seasons[0])))
        trend = self.trend
        if trend == "auto":
            trend = "difference" if tf.has_trend(Y) else "none"
        self.trend_ = trend
        if trend == "difference":
            plan_lags.append(1)
        coef = tf.fit_linear_trend(Y) if trend == "linear" else None
        self._plan = tf.Plan(coef, plan_lags)
        self.seasons_ = seasons if self.seasonality == "fourier" else (
            seasons[:1] if self.seasonality == "difference" else ())
        self._fourier_seasons = seasons if self.seasonality == "fourier" else ()

        est = default_estimator() if self.estimator is None else self.estimator
        self.estimator_ = clone(est)
        washout = self._washout()
        H = self._horizon_rows()
        T = len(Y)
        n_rows = T - self._plan.n_lost - H
        if n_rows <= washout + 1:
            need = self._plan.n_lost + H + washout + 2
            raise ValueError(
                f"y has {T} observations, too short for the estimator's "
                f"washout={washout}"
                + (f", max_horizon={H}" if self.strategy == "direct" else "")
                + (f" and {self._plan.n_lost} lost to differencing"
                   if self._plan.n_lost else "")
                + f": at least {need} are needed. Pass a longer series or reduce "
                "washout (estimator__washout).")

        Z, _ = tf.forward(self._plan, Y)
        if self._scale:
            self._z_mean = Z.mean(axis=0)
            sd = Z.std(axis=0)
            self._z_std = np.where(sd > 0, sd, 1.0)
        else:
            self._z_mean = np.zeros(Z.shape[1])
            self._z_std = np.ones(Z.shape[1])
        if E is not None and self._scale:
            self._e_mean = E.mean(axis=0)
            sd = E.std(axis=0)
            self._e_std = np.where(sd > 0, sd, 1.0)
        elif E is not None:
            self._e_mean, self._e_std = np.zeros(E.shape[1]), np.ones(E.shape[1])

        U = self._inputs(Y, E, None)           # rows t = d .. T-1; last row needs t = T
        Zs = (Z - self._z_mean) / self._z_std
        k = Zs.shape[1]
        if self.strategy == "recursive":
            X_fit, y_fit = U[:-1], Zs[1:]
        else:
            L = len(Zs)
            y_fit = np.empty((L - H, H * k))
            for h in range(1, H + 1):
                y_fit[:, (h - 1) * k:h * k] = Zs[h:L - H + h]
            X_fit = U[:L - H]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            self.estimator_.fit(X_fit, y_fit)
        self.n_features_model_ = U.shape[1]
        return self

    # -- features ----------------------------------------------------------
    def _features(self, t, E_rows):
        """Known inputs for time positions ``t``: Fourier terms and scaled exog."""
        parts = [tf.fourier_features(t, self._fourier_seasons, self._n_fourier)]
        if E_rows is not None:
            parts.append((E_rows - self._e_mean) / self._e_std)
        return np.hstack(parts) if parts else np.empty((len(t), 0))

    def _inputs(self, Y, E, E_next):
        """Model inputs for the history: row i = [zs(t), features(t + 1)] for
        t = d .. T-1 (the last row uses ``E_next``, the first future exog row,
        or is left without it at fit time)."""
        Z, _ = tf.forward(self._plan, Y)
        Zs = (Z - self._z_mean) / self._z_std
        d = self._plan.n_lost
        T = len(Y)
        t_next = np.arange(d + 1, T + 1)
        if E is None:
            E_rows = None
        else:
            E_rows = np.empty((len(t_next), E.shape[1]))
            E_rows[:-1] = E[d + 1:]
            E_rows[-1] = E_next if E_next is not None else E[-1]
        return np.ascontiguousarray(np.hstack([Zs, self._features(t_next, E_rows)]))

    # -- prediction --------------------------------------------------------
    def _predict(self, n, E_future):
        if self.strategy == "direct" and n > self._max_horizon:
            raise ValueError(f"horizon {n} exceeds max_horizon={self.max_horizon} "
                             "of the direct strategy; refit with a larger "
                             "max_horizon or use strategy='recursive'.")
        Y = self._Y / self._y_scale
        E = None if self._E is None else self._E / self._e_scale
        if E_future is not None:
            E_future = E_future / self._e_scale
        T = len(Y)
        U = self._inputs(Y, E, None if E_future is None else E_future[0])
        if self._context_length is not None:
            U = U[-self._context_length:]
        k = Y.shape[1]
        if self.strategy == "direct":
            out = np.asarray(self.estimator_.predict(U)).reshape(len(U), -1)[-1]
            Zs_f = out.reshape(-1, k)[:n]
        else:
            Zs_f = self._recursive(U, n, T, E_future, k)
        Z_f = Zs_f * self._z_std + self._z_mean
        _, levels = tf.forward(self._plan, Y)
        with np.errstate(over="ignore", invalid="ignore"):
            # an overflow here is reported by the caller's finiteness check
            return tf.inverse(self._plan, Z_f, levels, T) * self._y_scale

    def _future_features(self, T, n, E_future):
        """Features of t + 1 for future rows t = T .. T + n - 2."""
        t = np.arange(T + 1, T + n)
        E_rows = None if E_future is None else E_future[1:n]
        return self._features(t, E_rows)

    def _recursive(self, U, n, T, E_future, k):
        est = self.estimator_
        F = self._future_features(T, n, E_future)        # (n - 1, extra)
        if hasattr(est, "generate"):
            out = np.asarray(est.generate(n, X_warmup=U,
                                          X_future=F if F.shape[1] else None))
            return out.reshape(n, k)
        # generic: re-run predict on the trailing context once per step ahead
        out = np.empty((n, k))
        context = U
        for h in range(n):
            out[h] = np.asarray(est.predict(context)).reshape(len(context), -1)[-1]
            if h + 1 < n:
                new = np.concatenate([out[h], F[h]])[None, :]
                context = np.vstack([context, new])
                if self._context_length is not None:
                    context = context[-self._context_length:]
        return out
