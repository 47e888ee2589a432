"""Plots of forecasts, backtests and anomaly scores (needs matplotlib).

matplotlib is an optional dependency (the ``plot`` extra: ``pip install
"reservoir-ts[plot]"``); it is imported only when a plot is drawn, so the
rest of the package works without it. Every function draws on the ``ax``
given (one Axes, or a pair for the two-panel plots) or on a new figure,
and returns what it drew on.

The methods :meth:`forecasting.Forecaster.plot`,
:meth:`forecasting.BacktestResult.plot` and
:meth:`forecasting.AnomalyResult.plot` call these functions; the command
line draws with them too.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["plot_forecast", "plot_backtest", "plot_anomalies"]

EXTRA = "plot"


def _pyplot():
    """matplotlib.pyplot, or an ImportError naming the extra to install."""
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError(
            "Plotting needs matplotlib, which is not installed. Install the "
            f"'{EXTRA}' extra: pip install \"reservoir-ts[{EXTRA}]\" (or pip "
            "install matplotlib).") from None
    return plt


def _axes(ax, n, figsize, sharex=True):
    """``n`` Axes: the ones given (one Axes for n == 1, a sequence of n
    otherwise) or those of a new figure."""
    plt = _pyplot()
    if ax is None:
        fig, axes = plt.subplots(n, 1, figsize=figsize, sharex=sharex and n > 1,
                                 squeeze=False)
        return list(axes[:, 0])
    if n == 1:
        if not hasattr(ax, "plot"):
            raise TypeError(f"ax={ax!r} must be a matplotlib Axes.")
        return [ax]
    axes = list(np.ravel(np.asarray(ax, dtype=object))) if not hasattr(ax, "plot") \
        else [ax]
    if len(axes) != n or not all(hasattr(a, "plot") for a in axes):
        raise TypeError(f"ax must be a sequence of {n} matplotlib Axes for this "
                        f"plot; got {ax!r}. Pass ax=None for a new figure, or e.g. "
                        f"plt.subplots({n}, 1)[1].")
    return axes


def _x(labels):
    """Labels matplotlib can place: a PeriodIndex (or Periods) as the
    timestamps of their start; anything else as it is."""
    if isinstance(labels, pd.PeriodIndex):
        return labels.to_timestamp()
    if isinstance(labels, pd.Series):
        labels = pd.Index(labels)
    if isinstance(labels, pd.Index) and labels.dtype == object and len(labels) \
            and isinstance(labels[0], pd.Period):
        return pd.PeriodIndex(labels).to_timestamp()
    if isinstance(labels, pd.Period):
        return labels.to_timestamp()
    return labels


def _columns(frame):
    """[(label, values)] of a Series or DataFrame."""
    if isinstance(frame, pd.Series):
        return [(frame.name, frame.to_numpy(dtype=float))]
    return [(c, frame[c].to_numpy(dtype=float)) for c in frame.columns]


def _check_count(value, name):
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) \
            or value < 1:
        raise ValueError(f"{name}={value!r} must be a positive number of "
                         "observations (or None).")
    return int(value)


def plot_forecast(history, forecast, interval=None, *, n_history=None, ax=None,
                  title=None):
    """Draw the tail of a history, its forecast and the forecast's interval.

    Parameters
    ----------
    history : pandas.Series or pandas.DataFrame
        The observations the forecast starts after.
    forecast : pandas.Series or pandas.DataFrame
        The point forecast (as returned by ``predict``), same columns.
    interval : pandas.DataFrame, optional
        As returned by ``predict_interval``: ``lower``/``upper`` columns, or
        ``(column, "lower"/"upper")`` for a multivariate series.
    n_history : int, optional
        Observations of the history shown (default: the last
        ``max(5 * horizon, 200)``, all of a shorter history).
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when None.
    title : str, optional

    Returns
    -------
    matplotlib.axes.Axes
        One line per history column (label ``"history"`` or ``"<col>
        history"``), one per forecast column, one filled band per interval
        column.
    """
    _pyplot()
    n_history = _check_count(n_history, "n_history")
    (ax,) = _axes(ax, 1, (10, 4))
    horizon = len(forecast)
    keep = n_history if n_history is not None else max(5 * horizon, 200)
    tail = history.iloc[-keep:]
    hist_cols, fc_cols = _columns(tail), _columns(forecast)
    if len(hist_cols) != len(fc_cols):
        raise ValueError(f"history has {len(hist_cols)} columns but forecast "
                         f"{len(fc_cols)}; pass the forecast of this history.")
    multi = len(fc_cols) > 1
    for i, ((name, h), (_, f)) in enumerate(zip(hist_cols, fc_cols)):
        prefix = f"{name} " if multi else ""
        color = f"C{i}" if multi else "0.3"
        ax.plot(_x(tail.index), h, color=color, lw=1, label=f"{prefix}history")
        ax.plot(_x(forecast.index), f, color=f"C{i + 1}" if not multi else color,
                lw=1.6, ls="-" if not multi else "--", label=f"{prefix}forecast")
        if interval is not None:
            if multi:
                lo, up = interval[(name, "lower")], interval[(name, "upper")]
            else:
                lo, up = interval["lower"], interval["upper"]
            ax.fill_between(_x(interval.index), lo.to_numpy(float), up.to_numpy(float),
                            color=f"C{i + 1}" if not multi else color, alpha=0.25,
                            lw=0, label=f"{prefix}interval")
    if title:
        ax.set_title(title)
    ax.legend(loc="upper left")
    return ax


def plot_backtest(result, *, series=None, ax=None, title=None):
    """Draw a backtest: actuals against the forecast of every origin, and
    the error by step ahead.

    Parameters
    ----------
    result : BacktestResult
    series : int or str, optional
        Which series to show in the top panel when the backtest covered
        several (a panel: its position in the list; a DataFrame: the
        column); default the first. The error by step is pooled over all.
    ax : sequence of two matplotlib Axes, optional
        Top: actuals (one line) and one forecast line per origin; bottom:
        MASE by step ahead (one line with markers; one more per series of a
        panel). A new figure when None.
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    top, bottom = _axes(ax, 2, (10, 6), sharex=False)   # time above, steps below
    table = result.table
    if "series" in table:
        names = list(pd.unique(table["series"]))
        pick = names[0] if series is None else series
        if pick not in names:
            raise ValueError(f"series={series!r} is not in the backtest; pass one "
                             f"of {names}.")
        rows = table[table["series"] == pick]
        if "column" in rows:
            rows = rows[rows["column"] == rows["column"].iloc[0]]
        label = f"series {pick}"
    else:
        if series is not None:
            raise ValueError(f"series={series!r} given but the backtest covered "
                             "one series; pass series=None.")
        rows, label = table, None
    actual = rows.drop_duplicates("time").sort_values("time")
    top.plot(_x(pd.Index(actual["time"])), actual["actual"].to_numpy(float),
             color="0.3", lw=1, label="actual")
    for k, (origin, g) in enumerate(rows.groupby("origin", sort=True)):
        top.plot(_x(pd.Index(g["time"])), g["forecast"].to_numpy(float), color="C1",
                 lw=1, alpha=0.7, label="forecast per origin" if k == 0 else None)
    top.set_title(title if title else (f"backtest ({label})" if label else "backtest"))
    top.legend(loc="upper left")
    by_step = result.by_step
    many = "series" in table and table["series"].nunique() > 1
    bottom.plot(by_step.index.to_numpy(), by_step["MASE"].to_numpy(float), "o-",
                color="C0", label="pooled" if many else "MASE")
    if many:
        per = (table.assign(abs_scaled=table["scaled_error"].abs())
               .groupby(["series", "step"], sort=False)["abs_scaled"].mean())
        for s in pd.unique(table["series"]):
            v = per.loc[s]
            bottom.plot(v.index.to_numpy(), v.to_numpy(float), lw=0.8, alpha=0.6,
                        label=f"series {s}")
    bottom.set_xlabel("step ahead")
    bottom.set_ylabel(f"MASE (m={result.m})")
    bottom.legend(loc="upper left")
    return top.figure


def plot_anomalies(result, y=None, *, windows=None, ax=None, title=None):
    """Draw an anomaly result: the series with its alarms, the scores and
    the threshold, and labelled windows when given.

    Parameters
    ----------
    result : AnomalyResult
    y : pandas.Series or pandas.DataFrame, optional
        The series that was scored (on the scores' index). Without it only
        the scores panel is drawn.
    windows : list of (start, end), optional
        Labelled anomaly windows (labels of the index), shaded on every
        panel.
    ax : matplotlib Axes, or a sequence of two when ``y`` is given, optional
        Top: the series (one line per column) and the alarms (markers);
        bottom (or the only one without ``y``): the scores, the threshold
        (a horizontal line) and the alarms. A new figure when None.
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    _pyplot()
    scores, flags = result.scores, result.flags.to_numpy(dtype=bool)
    if y is not None:
        if not isinstance(y, (pd.Series, pd.DataFrame)):
            raise TypeError(f"y must be the scored pandas Series or DataFrame; got "
                            f"{type(y).__name__}.")
        if len(y) != len(scores) or not y.index.equals(scores.index):
            raise ValueError(f"y (length {len(y)}) is not on the scores' index "
                             f"(length {len(scores)}); pass the series that was "
                             "scored.")
    windows = [] if windows is None else list(windows)
    for k, w in enumerate(windows):
        if not hasattr(w, "__len__") or len(w) != 2:
            raise TypeError(f"windows[{k}]={w!r} must be a (start, end) pair.")
    axes = _axes(ax, 2 if y is not None else 1, (10, 5 if y is not None else 3))
    score_ax = axes[-1]
    if y is not None:
        top = axes[0]
        cols = _columns(y)
        for i, (name, v) in enumerate(cols):
            top.plot(_x(y.index), v, color="0.3" if len(cols) == 1 else f"C{i}", lw=0.8,
                     label=str(name) if len(cols) > 1 else "series")
        if flags.any():
            first = cols[0][1]
            top.plot(_x(y.index[flags]), first[flags], "o", color="C3", ms=4,
                     label="alarm")
        top.legend(loc="upper left")
        if title:
            top.set_title(title)
    elif title:
        score_ax.set_title(title)
    score_ax.plot(_x(scores.index), scores.to_numpy(float), color="C0", lw=0.8,
                  label="score")
    score_ax.axhline(result.threshold, color="C3", ls="--", lw=1, label="threshold")
    if flags.any():
        score_ax.plot(_x(scores.index[flags]), scores.to_numpy(float)[flags], "o",
                      color="C3", ms=4, label="alarm")
    score_ax.set_ylabel("score")
    for a in axes:
        for k, (start, end) in enumerate(windows):
            a.axvspan(_x(start), _x(end), color="C2", alpha=0.15,
                      label="window" if k == 0 and a is score_ax else None)
    score_ax.legend(loc="upper left")
    return score_ax.figure
