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
        For a list ``y`` (a panel), ``series`` holds the position of the
        series in the list, and ``column`` the column of a DataFrame entry.
    summary : pandas.Series
        MAE, RMSE, MAPE, sMAPE, MASE, NRMSE over all rows (fractions, not
        percent; NRMSE is :func:`reservoir.metrics.nrmse` of the pooled rows).
        For a panel these are pooled over every series: MASE (each error
        scaled by its own series' history) is the one comparable across
        series of different levels.
    by_step : pandas.DataFrame
        The same metrics per step ahead (index ``step``).
    m : int
        Seasonal period of the MASE scale.
    origins : pandas.Index or list of pandas.Index
        The forecast origins (one Index per series for a panel).
    by_series : pandas.DataFrame or None
        The metrics per series (index ``series``) for a panel or a
        DataFrame ``y``; None for one Series.
    """

    table: pd.DataFrame
    summary: pd.Series
    by_step: pd.DataFrame
    m: int
    origins: object
    by_series: pd.DataFrame = None

    def plot(self, *, series=None, ax=None):
        """Draw actuals against the forecast of every origin, and the error
        (MASE) by step ahead.

        Needs matplotlib (the ``plot`` extra); see
        :func:`forecasting.plotting.plot_backtest`.

        Parameters
        ----------
        series : int or str, optional
            The series drawn in the top panel (a panel: its position; a
            DataFrame: its column); default the first.
        ax : sequence of two matplotlib Axes, optional
            Where to draw; a new figure when None.

        Returns
        -------
        matplotlib.figure.Figure

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> from forecasting import NaiveForecaster, backtest
        >>> res = backtest(NaiveForecaster(), pd.Series(np.arange(40.0)),
        ...                initial=30, horizon=3, step=3)
        >>> fig = res.plot()
        >>> top, bottom = fig.axes
        >>> len(top.get_lines())                 # actuals, then one per origin
        4
        >>> bottom.get_lines()[0].get_ydata().tolist()   # naive error h * slope
        [1.0, 2.0, 3.0]
        """
        from .plotting import plot_backtest
        return plot_backtest(self, series=series, ax=ax)

    def __repr__(self):
        if isinstance(self.origins, list):
            what = (f"{len(self.origins)} series, "
                    f"{sum(len(o) for o in self.origins)} origins")
        else:
            what = f"{len(self.origins)} origins"
        return (f"BacktestResult({what}, horizon "
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


def _panel_groups(origins, every):
    """[(members, fit_ends, origin lists)] of a panel: group g covers the
    rounds ``g * every .. (g + 1) * every - 1`` of every series that has
    them (round r of series j is its r-th origin)."""
    n_rounds = max(len(o) for o in origins)
    every = n_rounds if every is None else every
    groups = []
    for r0 in range(0, n_rounds, every):
        members = [j for j, o in enumerate(origins) if len(o) > r0]
        groups.append((members, [int(origins[j][r0]) for j in members],
                       [[int(v) for v in origins[j][r0:r0 + every]] for j in members]))
    return groups


def _run_panel_group(forecaster, ys, Xs, members, fit_ends, origin_lists, horizon):
    sub_y = [ys[j] for j in members]
    sub_X = None if Xs is None else [Xs[j] for j in members]
    return [(members[i], o, F) for i, o, F in rolling_forecasts(
        forecaster, sub_y, sub_X, fit_ends, origin_lists, horizon)]


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
    y : pandas.Series, pandas.DataFrame or list of them
        A list is a panel: the forecaster is fitted on every series at once
        (one global model), each series has its own origins ``initial,
        initial + step, ...`` counted on its own length, and round r of the
        rolling loop moves every series that has an r-th origin to it.
    initial : int or float
        Observations (or share of each series) before the first origin.
    horizon : int
        Steps ahead forecast from every origin.
    step : int, default=1
        Observations between origins.
    refit : bool or int, default=True
        True: refit at every origin; False: fit once on the first
        ``initial`` observations and only :meth:`update` afterwards; k:
        refit every k origins.
    X : pandas.DataFrame or list of them, optional
        Exogenous columns on ``y``'s index (future values come from it); a
        list aligned with a list ``y``.
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
        ``summary`` pooled over every row; ``by_series`` per series for a
        panel.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from forecasting import NaiveForecaster, backtest
    >>> a = pd.Series(np.arange(20.0))
    >>> b = pd.Series(2.0 * np.arange(30.0))
    >>> res = backtest(NaiveForecaster(), [a, b], initial=10, horizon=2, step=5)
    >>> res.by_series["MAE"].tolist()        # the naive error of step h is h * slope
    [1.5, 3.0]
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
    panel = isinstance(y, (list, tuple))
    if panel:
        ys = list(y)
        if not ys:
            raise ValueError("y is an empty list; pass a Series, a DataFrame or a "
                             "list of them.")
        if X is not None and (not isinstance(X, (list, tuple)) or len(X) != len(ys)):
            raise ValueError(f"X must be a list of {len(ys)} DataFrames aligned with "
                             "the list y (one per series).")
        Xs = None if X is None else list(X)
        names = [f"y[{j}]" for j in range(len(ys))]
    else:
        ys, Xs, names = [y], None if X is None else [X], ["y"]
    checked = []
    for j, (s, name) in enumerate(zip(ys, names)):
        if not isinstance(s, (pd.Series, pd.DataFrame)):
            raise TypeError(f"{name} must be a pandas Series or DataFrame; got "
                            f"{type(s).__name__}.")
        values, info, _ = check_series(s, name, nan_policy="raise")
        if Xs is not None:
            check_exog(Xs[j], s.index, name=f"X[{j}]" if panel else "X")
        origins = _origins(len(values), initial, horizon, step)
        if origins[0] <= m:
            raise ValueError(f"initial={origins[0]} must exceed m={m} for the MASE "
                             "scale.")
        checked.append((values, info, origins))
    template = forecaster
    params = forecaster.get_params(deep=False)
    if params.get("strategy") == "direct" and params.get("max_horizon") is None:
        template = clone(forecaster).set_params(max_horizon=horizon)
    if panel:
        groups = _panel_groups([c[2] for c in checked], every)
        tasks = [(_run_panel_group, (template, ys, Xs, *g, horizon)) for g in groups]
    else:
        groups = _groups(checked[0][2], every)
        tasks = [(_run_group, (template, y, X, fit_end, group, horizon))
                 for fit_end, group in groups]

    bar = _progress(len(tasks), progress)
    try:
        results = []
        if n_jobs in (None, 1) or len(tasks) == 1:
            for fn, args in tasks:
                results.extend(fn(*args))
                if bar is not None:
                    bar.update(1)
        else:
            from joblib import Parallel, delayed
            gen = Parallel(n_jobs=n_jobs, return_as="generator")(
                delayed(fn)(*args) for fn, args in tasks)
            for part in gen:
                results.extend(part)
                if bar is not None:
                    bar.update(1)
    finally:
        if bar is not None:
            bar.close()
    if panel:
        results.sort(key=lambda r: (r[0], r[1]))

    frames = []
    for j, (values, info, _) in enumerate(checked):
        mine = [(o, F) for jj, o, F in results if jj == j]
        frames.append(_series_table(values, info, ys[j].index, mine, horizon, m,
                                    j if panel else None))
    table = pd.concat(frames, ignore_index=True)
    if panel:
        multi = any(not c[1].was_series for c in checked)
        cols = ["origin", "series"] + (["column"] if multi else []) + [
            "step", "time", "actual", "forecast", "error", "scaled_error"]
        table = table[cols]
    elif not checked[0][1].was_series:
        table = table[["origin", "series", "step", "time", "actual", "forecast",
                       "error", "scaled_error"]]
    summary = pd.Series(_scores(table["actual"], table["forecast"],
                                table["scaled_error"]), name="score")
    by_step = pd.DataFrame({s: _scores(g["actual"], g["forecast"], g["scaled_error"])
                            for s, g in table.groupby("step")}).T
    by_step.index.name = "step"
    by_series = None
    if "series" in table:
        by_series = pd.DataFrame({s: _scores(g["actual"], g["forecast"],
                                             g["scaled_error"])
                                  for s, g in table.groupby("series", sort=False)}).T
        by_series.index.name = "series"
    origin_index = [pd.Index([ys[j].index[o - 1] for jj, o, _ in results if jj == j],
                             name="origin") for j in range(len(ys))]
    return BacktestResult(table=table, summary=summary, by_step=by_step, m=int(m),
                          origins=origin_index if panel else origin_index[0],
                          by_series=by_series)


def _series_table(values, info, index, results, horizon, m, position):
    """The rows of one series: MASE scale per origin (from the history before
    it), per column."""
    k = values.shape[1]
    abs_diff = np.abs(values[m:] - values[:-m])                  # (T - m, k)
    csum = np.vstack([np.zeros((1, k)), np.cumsum(abs_diff, axis=0)])
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
            if position is not None:
                part["series"] = [position] * horizon
                if not info.was_series:
                    part["column"] = [columns[j]] * horizon
            elif not info.was_series:
                part["series"] = [columns[j]] * horizon
            rows.append(pd.DataFrame(part))
    return pd.concat(rows, ignore_index=True)
