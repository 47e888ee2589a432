"""Rolling-origin evaluation of any forecaster of this package."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from numbers import Integral

import numpy as np
import pandas as pd
from sklearn.base import clone

from . import metrics as fm
from ._base import rolling_forecasts
from ._validation import (check_bool, check_count_or_fraction, check_exog,
                          check_horizon, check_param, check_series)

__all__ = ["backtest", "BacktestResult"]


@dataclass
class BacktestResult:
    """Forecasts of a rolling-origin backtest and their scores.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per origin, step ahead (and column of a multivariate
        series): ``origin`` (last label used), ``step`` (1..horizon),
        ``time`` (label forecast), ``actual``, ``forecast``, ``error``
        (actual - forecast), ``scaled_error`` (error / MASE scale of the
        history up to the origin); ``series`` for a DataFrame ``y``.
    summary : pandas.Series
        MAE, RMSE, MAPE, sMAPE, MASE, NRMSE over all rows (fractions, not
        percent; NRMSE is :func:`reservoir.metrics.nrmse` of the pooled rows).
    by_step : pandas.DataFrame
        The same metrics per step ahead (index ``step``).
    m : int
        Seasonal period of the MASE scale.
    origins : pandas.Index
        The forecast origins.
    """

    table: pd.DataFrame
    summary: pd.Series
    by_step: pd.DataFrame
    m: int
    origins: pd.Index

    def __repr__(self):
        return (f"BacktestResult({len(self.origins)} origins, horizon "
                f"{int(self.table['step'].max())}, m={self.m})\n"
                + self.summary.to_string())


def _scores(actual, forecast, scaled):
    try:
        nr = fm.nrmse(actual, forecast)
    except ValueError:
        nr = np.nan
    return {"MAE": fm.mae(actual, forecast), "RMSE": fm.rmse(actual, forecast),
            "MAPE": fm.mape(actual, forecast), "sMAPE": fm.smape(actual, forecast),
            "MASE": float(np.mean(np.abs(scaled))), "NRMSE": nr}


def _origins(T, initial, horizon, step):
    """Origin positions; ``initial`` already checked (a count or a share)."""
    if isinstance(initial, float):
        share, initial = initial, int(round(initial * T))
        if initial < 1:
            raise ValueError(f"initial={share} of the {T} observations leaves none "
                             "to fit; pass a larger share.")
    if initial + horizon > T:
        raise ValueError(f"initial={initial} plus horizon={horizon} exceeds the "
                         f"series length {T}; no origin has a full horizon of "
                         "actuals. Reduce initial or horizon.")
    return np.arange(initial, T - horizon + 1, step)


def _check_refit(refit):
    """Origins per fit: 1 (True), None (False: all of them) or k."""
    if isinstance(refit, (bool, np.bool_)):
        return 1 if refit else None
    hint = ("Pass True (refit at every origin), False (fit once, then update) "
            "or a positive integer k (refit every k origins).")
    if not isinstance(refit, Integral) or isinstance(refit, np.timedelta64):
        raise ValueError(f"refit={refit!r} must be True, False or a positive "
                         f"integer. {hint}")
    return check_param(refit, "refit", kind=Integral, low=1, hint=hint)


def _groups(origins, every):
    """[(fit_end, [origins...])]: each group fits once, then updates."""
    every = len(origins) if every is None else every
    return [(int(origins[i]), [int(o) for o in origins[i:i + every]])
            for i in range(0, len(origins), every)]


def _run_group(forecaster, y, X, fit_end, origins, horizon):
    return list(rolling_forecasts(forecaster, y, X, fit_end, origins, horizon))


def _check_forecaster(forecaster):
    missing = [m for m in ("get_params", "fit", "predict", "update")
               if not callable(getattr(forecaster, m, None))]
    if missing or isinstance(forecaster, type):
        raise TypeError(
            f"forecaster={forecaster!r} must be an (unfitted) forecaster instance "
            "with fit, predict and update, such as forecasting.Forecaster() or "
            "forecasting.NaiveForecaster()"
            + (f"; it has no {', '.join(missing)}." if missing else "; got a class."))


def _progress(total, enabled):
    if enabled is False or (enabled is None and not sys.stderr.isatty()):
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    return tqdm(total=total, desc="backtest", unit="fit", leave=False)


def backtest(forecaster, y, initial, horizon, step=1, refit=True, X=None, *,
             m=1, n_jobs=None, progress=None):
    """Rolling-origin backtest: fit on the past, forecast, move on, score.

    Origins are ``initial, initial + step, ...`` as long as a full
    ``horizon`` of actuals follows. At each origin the forecaster (a clone;
    the one passed is not touched) forecasts ``horizon`` steps from the
    observations before it.

    Parameters
    ----------
    forecaster : Forecaster, NaiveForecaster, SeasonalNaiveForecaster, ...
        Unfitted template. A direct-strategy :class:`Forecaster` whose
        ``max_horizon`` is None gets ``max_horizon=horizon``.
    y : pandas.Series or pandas.DataFrame
    initial : int or float
        Observations (or share of ``y``) before the first origin.
    horizon : int
        Steps ahead forecast from every origin.
    step : int, default=1
        Observations between origins.
    refit : bool or int, default=True
        True: refit at every origin; False: fit once on the first
        ``initial`` observations and only :meth:`update` afterwards; k:
        refit every k origins.
    X : pandas.DataFrame, optional
        Exogenous columns on ``y``'s index (future values come from it).
    m : int, default=1
        Seasonal period of the MASE scale (computed, per origin, on the
        history before it).
    n_jobs : int, default=None
        Refits run in parallel with joblib (None: 1, -1: all cores).
    progress : bool, default=None
        A progress bar (needs tqdm); None shows it only on a terminal.

    Returns
    -------
    BacktestResult
    """
    # every argument first, then the data
    _check_forecaster(forecaster)
    horizon = check_horizon(horizon)
    initial = check_count_or_fraction(initial, "initial",
                                      "observations before the first origin")
    step = check_param(step, "step", kind=Integral, low=1,
                       hint="It counts the observations between origins.")
    every = _check_refit(refit)
    m = check_param(m, "m", kind=Integral, low=1,
                    hint="It is the seasonal period of the MASE scale.")
    if n_jobs is not None:
        n_jobs = check_param(n_jobs, "n_jobs", kind=Integral,
                             hint="None or 1 (no parallelism), -1 (all cores).")
        if n_jobs == 0:
            raise ValueError("n_jobs=0 must be None, a positive number of workers "
                             "or negative (-1: all cores).")
    if progress is not None:
        progress = check_bool(progress, "progress")
    values, info, _ = check_series(y, "y", nan_policy="raise")
    if X is not None:
        check_exog(X, y.index, name="X")
    origins = _origins(len(values), initial, horizon, step)
    if origins[0] <= m:
        raise ValueError(f"initial={origins[0]} must exceed m={m} for the MASE "
                         "scale.")
    template = forecaster
    params = forecaster.get_params(deep=False)
    if params.get("strategy") == "direct" and params.get("max_horizon") is None:
        template = clone(forecaster).set_params(max_horizon=horizon)
    groups = _groups(origins, every)

    bar = _progress(len(groups), progress)
    try:
        if n_jobs in (None, 1) or len(groups) == 1:
            results = []
            for fit_end, group in groups:
                results.extend(_run_group(template, y, X, fit_end, group, horizon))
                if bar is not None:
                    bar.update(1)
        else:
            from joblib import Parallel, delayed
            gen = Parallel(n_jobs=n_jobs, return_as="generator")(
                delayed(_run_group)(template, y, X, fit_end, group, horizon)
                for fit_end, group in groups)
            results = []
            for part in gen:
                results.extend(part)
                if bar is not None:
                    bar.update(1)
    finally:
        if bar is not None:
            bar.close()

    # MASE scale per origin (from the history before it), per column
    k = values.shape[1]
    abs_diff = np.abs(values[m:] - values[:-m])                  # (T - m, k)
    csum = np.vstack([np.zeros((1, k)), np.cumsum(abs_diff, axis=0)])
    index = y.index
    columns = info.columns
    rows = []
    for o, F in results:
        scale = csum[o - m] / (o - m)                             # (k,)
        for j in range(k):
            actual = values[o:o + horizon, j]
            err = actual - F[:, j]
            part = {"origin": [index[o - 1]] * horizon,
                    "step": np.arange(1, horizon + 1),
                    "time": index[o:o + horizon],
                    "actual": actual, "forecast": F[:, j], "error": err,
                    "scaled_error": err / scale[j] if scale[j] > 0 else np.nan}
            if not info.was_series:
                part["series"] = [columns[j]] * horizon
            rows.append(pd.DataFrame(part))
    table = pd.concat(rows, ignore_index=True)
    if not info.was_series:
        table = table[["origin", "series", "step", "time", "actual", "forecast",
                       "error", "scaled_error"]]
    summary = pd.Series(_scores(table["actual"], table["forecast"],
                                table["scaled_error"]), name="score")
    by_step = pd.DataFrame({s: _scores(g["actual"], g["forecast"], g["scaled_error"])
                            for s, g in table.groupby("step")}).T
    by_step.index.name = "step"
    return BacktestResult(table=table, summary=summary, by_step=by_step, m=int(m),
                          origins=pd.Index([index[o - 1] for o, _ in results],
                                           name="origin"))
