"""Forecaster: fit a pandas series with any ``reservoir`` estimator, predict a
future index."""

from __future__ import annotations

import warnings
from numbers import Integral

import numpy as np
import pandas as pd
from sklearn.base import clone

from . import _transforms as tf
from ._base import BaseForecaster
from ._validation import (check_bool, check_choice, check_param, grid_steps,
                          power_of_two_scale, resolve_seasons)

__all__ = ["Forecaster", "default_estimator"]

_STRATEGIES = ("recursive", "direct")
_TRENDS = ("auto", "none", "difference", "linear")
_SEASONALITIES = ("none", "fourier", "difference")

#: The readout penalties :class:`Forecaster` tries by default (``alphas``).
DEFAULT_ALPHAS = (1e-4, 1e-3, 1e-2, 1e-1, 1.0, 10.0, 100.0, 1000.0)
# share of every series' training rows held out to choose the penalty
_ALPHA_VALIDATION = 0.2


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
    transform : {None, "log", "log1p", "box-cox"}, default=None
        Target transform for positive series, applied before the trend
        handling and inverted on the forecast and on the bounds of
        :meth:`predict_interval` (whose residuals are taken in the
        transformed space). ``"log"`` and ``"box-cox"`` need values > 0 and
        give forecasts > 0; ``"log1p"`` (``log(1 + y)``) takes zeros (counts)
        and gives forecasts > -1. Box-Cox's parameter is Guerrero's (the one
        that makes the spread of consecutive seasons, or pairs of
        observations without a season, most nearly proportional to their
        level), estimated at fit per column and kept by :meth:`update`
        (``lambda_``). Values outside the domain are an error, at fit and
        at update.
    alphas : tuple of float or None, default=(1e-4, 1e-3, 1e-2, 1e-1, 1.0, 10.0, 100.0, 1000.0)
        Ridge penalties tried for the readout of an estimator that can
        re-solve it (``refit_readout``, as :class:`~reservoir.ESNRegressor`),
        as scikit-learn's ``RidgeCV`` does: the estimator is fitted on the
        first 80 % of the training rows of every series, the penalty with
        the lowest one-step squared error on the last 20 % is kept
        (``alpha_``), and the estimator is fitted on all rows with it. A
        fixed penalty is too weak for a short series (200 reservoir units
        fitted on 160 quarters learn the noise, and a recursive forecast
        integrates it) and needlessly strong for a long one. None: use the
        estimator's ``alpha`` as given (e.g. to tune ``estimator__alpha``
        yourself); estimators without ``refit_readout`` always are.
    freq : str, pandas.DateOffset, int, "auto" or None, default=None
        Put irregular data on a regular grid on purpose before anything else
        (:func:`forecasting.regularise`): rows sorted by time, the rows of
        one step (duplicated timestamps, or a coarser step than the data)
        averaged, steps with no observation inserted and filled by linear
        interpolation. ``"h"``, ``"5min"``, ``"D"``, ``"MS"``, ...; an
        integer step for an integer index; ``"auto"``: the median step of
        the data. The same is done to ``X``, to the new rows of
        :meth:`update` (which must start on the next step of the grid) and
        to a ``y`` given to :meth:`predict`. ``regularised_`` reports what
        was done. None: the data must already be regular, and an irregular
        index is an error that says how to resample.

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
    n_interpolated_ : int or list of int
        Values filled by ``nan_policy="interpolate"`` (per series for a panel).
    alpha_ : float or None
        The readout penalty chosen from ``alphas`` (None when none was).
    lambda_ : ndarray of shape (n_columns,) or None
        Box-Cox parameters (``transform="box-cox"``; a list per series for
        a panel).
    n_series_ : int
        Series fitted (1 for one Series or DataFrame).
    regularised_ : RegularisedSeries, list of them, or None
        With ``freq``: what :func:`forecasting.regularise` did to the data of
        the last :meth:`fit` or :meth:`update` (counts of merged, inserted
        and filled rows; ``summary()`` says it in a sentence); a list per
        series for a panel. None without ``freq``.

    For a panel (a list ``y``), ``trend_`` and ``cutoff_`` are lists, one
    entry per series; ``seasons_`` and ``freq_`` are shared.

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
                 calibration_size=0.2, alphas=DEFAULT_ALPHAS, transform=None,
                 freq=None):
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
        self.alphas = alphas
        self.freq = freq
        self.transform = transform

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
        self._alphas = _check_alphas(self.alphas)
        if self.transform is not None:
            check_choice(self.transform, "transform", tuple(tf.TARGET_TRANSFORMS))
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
        return self._n_lost + self._horizon_rows() + self._washout() + 2

    def _fit(self, hists):
        info = hists[0].info
        seasons = resolve_seasons(self.season_length, info)
        self._season_lag = None
        if self.seasonality == "difference":
            if not seasons:
                raise ValueError(
                    "seasonality='difference' needs a season: the frequency "
                    f"{info.freq!r} suggests none; pass season_length.")
            self._season_lag = int(round(seasons[0]))
        self.seasons_ = seasons if self.seasonality == "fourier" else (
            seasons[:1] if self.seasonality == "difference" else ())
        self._fourier_seasons = seasons if self.seasonality == "fourier" else ()
        self._ref_label = hists[0].index[0]

        est = default_estimator() if self.estimator is None else self.estimator
        self.estimator_ = clone(est)
        names = ([f"y[{i}]" for i in range(len(hists))] if self._panel else ["y"])
        preps = [self._prepare(h, name, fitting=True) for h, name in zip(hists, names)]
        self._preps = preps
        self._n_lost = max(p.plan.n_lost for p in preps)
        H = self._horizon_rows()
        X_fit, y_fit = [], []
        for h, p in zip(hists, preps):
            U, Zs = self._inputs(p, h.Y, h.E, None, with_target=True)
            k = Zs.shape[1]
            if self.strategy == "recursive":
                X_fit.append(U[:-1])
                y_fit.append(Zs[1:])
            else:
                L = len(Zs)
                target = np.empty((L - H, H * k))
                for step in range(1, H + 1):
                    target[:, (step - 1) * k:step * k] = Zs[step:L - H + step]
                X_fit.append(U[:L - H])
                y_fit.append(target)
        self.alpha_ = None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            if self._alphas is not None and hasattr(self.estimator_, "refit_readout"):
                self.alpha_ = self._select_alpha(X_fit, y_fit)
                if self.alpha_ is not None:
                    self.estimator_.set_params(alpha=self.alpha_)
            if not self._panel:
                X_fit, y_fit = X_fit[0], y_fit[0]
            self.estimator_.fit(X_fit, y_fit)
        trends = [p.trend for p in preps]
        self.trend_ = trends if self._panel else trends[0]
        lams = [p.lam for p in preps]
        self.lambda_ = lams if self._panel else lams[0]
        self.n_features_model_ = (X_fit[0] if self._panel else X_fit).shape[1]
        return self

    def _select_alpha(self, X_fit, y_fit):
        """The penalty of ``alphas`` with the lowest one-step squared error on
        the last ``_ALPHA_VALIDATION`` of every series' rows, the readout
        fitted on the rows before (None if a series is too short to split)."""
        washout = self._washout()
        cut = []
        for x in X_fit:
            n = len(x)
            n_val = int(round(_ALPHA_VALIDATION * n))
            if n_val < 1 or n - n_val <= washout + 1:
                return None
            cut.append(n - n_val)
        probe = clone(self.estimator_)
        heads_X = [x[:c] for x, c in zip(X_fit, cut)]
        heads_y = [t[:c] for t, c in zip(y_fit, cut)]
        one = len(X_fit) == 1
        probe.fit(heads_X[0] if one else heads_X, heads_y[0] if one else heads_y)
        errors = []
        for a in self._alphas:
            probe.refit_readout(a)
            pred = probe.predict(X_fit[0] if one else X_fit)
            pred = [pred] if one else pred
            sse, count = 0.0, 0
            for p, t, c in zip(pred, y_fit, cut):
                r = np.asarray(p).reshape(len(t), -1)[c:] - t[c:]
                sse += float(np.sum(r * r))
                count += r.size
            errors.append(sse / count)
        errors = np.asarray(errors)
        if not np.isfinite(errors).any():
            return None
        return float(self._alphas[int(np.nanargmin(np.where(np.isfinite(errors),
                                                            errors, np.nan)))])

    # -- per-series preprocessing -------------------------------------------
    def _prepare(self, hist, name="y", fitting=False):
        """The series' own preprocessing, fixed from its history: units,
        trend handling, differencing plan, standardisation, seasonal phase."""
        p = _Prep()
        Y, E = hist.Y, hist.E
        p.transform = self.transform
        if p.transform is not None:
            self._check_domain(Y, name, hist.index)
            if p.transform == "box-cox":
                p.t_scale = power_of_two_scale(Y)
                period = self._season_lag or (
                    int(round(self._fourier_seasons[0])) if self._fourier_seasons
                    else 2)
                p.lam = np.array([tf.guerrero_lambda(Y[:, j] / p.t_scale[j], period)
                                  for j in range(Y.shape[1])])
            Y = tf.target_forward(p.transform, p.lam, Y / p.t_scale)
        # extreme magnitudes: work in exactly rescaled units (power_of_two_scale)
        p.y_scale = power_of_two_scale(Y)
        Y = Y / p.y_scale
        if E is not None:
            p.e_scale = power_of_two_scale(E)
            E = E / p.e_scale
        lags = [] if self._season_lag is None else [self._season_lag]
        trend = self.trend
        if trend == "auto":
            trend = "difference" if tf.has_trend(Y) else "none"
        p.trend = trend
        if trend == "difference":
            lags.append(1)
        coef = tf.fit_linear_trend(Y) if trend == "linear" else None
        p.plan = tf.Plan(coef, lags)
        p.t0 = self._phase(hist.index, name)

        washout = self._washout()
        H = self._horizon_rows()
        T = len(Y)
        if fitting and T - p.plan.n_lost - H <= washout + 1:
            need = p.plan.n_lost + H + washout + 2
            raise ValueError(
                f"{name} has {T} observations, too short for the estimator's "
                f"washout={washout}"
                + (f", max_horizon={H}" if self.strategy == "direct" else "")
                + (f" and {p.plan.n_lost} lost to differencing"
                   if p.plan.n_lost else "")
                + f": at least {need} are needed. Pass a longer series or reduce "
                "washout (estimator__washout).")
        if not fitting and T < p.plan.n_lost + 2:
            raise ValueError(f"{name} has {T} observations; at least "
                             f"{p.plan.n_lost + 2} are needed to forecast from it.")
        Z, _ = tf.forward(p.plan, Y)
        if self._scale:
            p.z_mean = Z.mean(axis=0)
            sd = Z.std(axis=0)
            p.z_std = np.where(sd > 0, sd, 1.0)
        else:
            p.z_mean, p.z_std = np.zeros(Z.shape[1]), np.ones(Z.shape[1])
        if E is not None and self._scale:
            p.e_mean = E.mean(axis=0)
            sd = E.std(axis=0)
            p.e_std = np.where(sd > 0, sd, 1.0)
        elif E is not None:
            p.e_mean, p.e_std = np.zeros(E.shape[1]), np.ones(E.shape[1])
        return p

    def _phase(self, index, name):
        """Steps from the first fitted label to ``index[0]``: the seasonal
        (Fourier) phase of a series, so series that start at other times
        share one calendar (0 for the first fitted series)."""
        ref, info = self._ref_label, self._histories[0].info
        first = index[0]
        if first == ref:
            return 0.0
        if info.kind == "datetime":
            step = grid_steps(pd.DatetimeIndex([first]), ref, info.freq)[0]
        elif info.kind == "period":
            step = float(first.ordinal - ref.ordinal)
        else:
            step = (int(first) - int(ref)) / info.freq
        if not np.isfinite(step):
            raise ValueError(
                f"{name} starts at {first!r}, which is not on the grid of the first "
                f"fitted series (frequency {info.freq}, first label {ref!r}); "
                "resample it onto that grid first.")
        return float(step)

    # -- features ----------------------------------------------------------
    def _features(self, p, t, E_rows):
        """Known inputs for time positions ``t``: Fourier terms and scaled exog."""
        parts = [tf.fourier_features(p.t0 + t, self._fourier_seasons,
                                     self._n_fourier)]
        if E_rows is not None:
            parts.append((E_rows - p.e_mean) / p.e_std)
        return np.hstack(parts) if parts else np.empty((len(t), 0))

    def _inputs(self, p, Y, E, E_next, with_target=False):
        """Model inputs for the history (in units divided by ``y_scale``,
        ``E`` unscaled): row i = [zs(t), features(t + 1)] for t = d .. T-1
        (the last row uses ``E_next``, the first future exog row, or is left
        without it at fit time). With ``with_target``, also the standardised
        target ``Zs``."""
        Y = self._target(p, Y)
        E = None if E is None else E / p.e_scale
        if E_next is not None:
            E_next = E_next / p.e_scale
        Z, _ = tf.forward(p.plan, Y)
        Zs = (Z - p.z_mean) / p.z_std
        d = p.plan.n_lost
        T = len(Y)
        t_next = np.arange(d + 1, T + 1)
        if E is None:
            E_rows = None
        else:
            E_rows = np.empty((len(t_next), E.shape[1]))
            E_rows[:-1] = E[d + 1:]
            E_rows[-1] = E_next if E_next is not None else E[-1]
        U = np.ascontiguousarray(np.hstack([Zs, self._features(p, t_next, E_rows)]))
        return (U, Zs) if with_target else U

    # -- prediction --------------------------------------------------------
    def _predict(self, j, hist, n, E_future):
        if self.strategy == "direct" and n > self._max_horizon:
            raise ValueError(f"horizon {n} exceeds max_horizon={self.max_horizon} "
                             "of the direct strategy; refit with a larger "
                             "max_horizon or use strategy='recursive'.")
        p = self._preps[j] if j is not None else self._prepare(hist)
        T = len(hist.Y)
        U = self._inputs(p, hist.Y, hist.E, None if E_future is None else E_future[0])
        if self._context_length is not None:
            U = U[-self._context_length:]
        k = hist.Y.shape[1]
        if self.strategy == "direct":
            out = np.asarray(self.estimator_.predict(U)).reshape(len(U), -1)[-1]
            Zs_f = out.reshape(-1, k)[:n]
        else:
            E_f = None if E_future is None else E_future / p.e_scale
            Zs_f = self._recursive(p, U, n, T, E_f, k)
        Z_f = Zs_f * p.z_std + p.z_mean
        _, levels = tf.forward(p.plan, self._target(p, hist.Y))
        with np.errstate(over="ignore", invalid="ignore"):
            # an overflow here is reported by the caller's finiteness check
            return self._untarget(p, tf.inverse(p.plan, Z_f, levels, T))

    # -- the target transform ------------------------------------------------
    def _target(self, p, Y):
        """Values ``Y`` in the units the trend handling starts from: the
        target transform, then the exact power-of-two rescaling."""
        if p.transform is not None:
            Y = tf.target_forward(p.transform, p.lam, Y / p.t_scale)
        return Y / p.y_scale

    def _untarget(self, p, Z):
        Z = Z * p.y_scale
        if p.transform is None:
            return Z
        return tf.target_inverse(p.transform, p.lam, Z) * p.t_scale

    def _prep_of(self, j, hist):
        return self._preps[j] if j is not None else self._prepare(hist)

    def _to_model_space(self, j, hist, Y):
        p = self._prep_of(j, hist)
        return Y if p.transform is None else self._target(p, Y)

    def _from_model_space(self, j, hist, Z):
        p = self._prep_of(j, hist)
        return Z if p.transform is None else self._untarget(p, Z)

    def _check_domain(self, Y, name, index):
        """Values of ``y`` must lie in the domain of the target transform."""
        if self.transform is None:
            return
        where = tf.target_domain_error(self.transform, Y)
        if where is None:
            return
        row, col = where
        bound = tf.TARGET_TRANSFORMS[self.transform]
        fix = ("transform='log1p' takes zeros (counts)" if bound == 0
               else "shift the series first")
        raise ValueError(
            f"transform={self.transform!r} needs values > {bound:g}; {name} has "
            f"{float(Y[row, col])!r} at position {row} ({index[row]!r}). Use "
            f"transform=None, or {fix}.")

    def _future_features(self, p, T, n, E_future):
        """Features of t + 1 for future rows t = T .. T + n - 2."""
        t = np.arange(T + 1, T + n)
        E_rows = None if E_future is None else E_future[1:n]
        return self._features(p, t, E_rows)

    def _recursive(self, p, U, n, T, E_future, k):
        est = self.estimator_
        F = self._future_features(p, T, n, E_future)        # (n - 1, extra)
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


def _check_alphas(alphas):
    """None, or a non-empty sequence of finite penalties >= 0 (as floats)."""
    if alphas is None:
        return None
    if isinstance(alphas, (str, bytes)) or not hasattr(alphas, "__len__") \
            or len(alphas) == 0:
        raise ValueError(f"alphas={alphas!r} must be None or a non-empty sequence "
                         "of ridge penalties (e.g. (1e-3, 1e-1, 10)).")
    return tuple(check_param(a, "alphas", low=0,
                             hint="Every penalty is a finite number >= 0.")
                 for a in alphas)


class _Prep:
    """One series' preprocessing, fixed at fit (or computed from a new
    series' history): ``y_scale``/``e_scale`` exact power-of-two units,
    ``trend``, differencing ``plan``, standardisation ``z_mean``/``z_std``
    and ``e_mean``/``e_std``, Fourier phase ``t0``."""

    e_scale = e_mean = e_std = None
    transform = lam = None
    t_scale = 1.0
