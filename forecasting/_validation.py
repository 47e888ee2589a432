"""Pandas-facing checks of the forecasting package: series, index, frequency.

Everything that turns a user's ``pd.Series``/``pd.DataFrame`` into clean arrays
(and a future index back) lives here; array-level checks of model inputs stay
in :mod:`reservoir._sequences`.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from numbers import Integral

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset

__all__ = ["SeriesInfo", "check_series", "check_exog", "future_positions",
           "future_index", "check_horizon", "default_seasons"]

_NAN_POLICIES = ("raise", "interpolate")


@dataclass
class SeriesInfo:
    """What is needed to give forecasts back on the caller's terms.

    Attributes
    ----------
    kind : {"datetime", "period", "range"}
    freq : pandas.DateOffset or int
        Step of the index (an offset, or the integer step of a RangeIndex).
    last : object
        Last label of the history.
    index_name : object
    tz : tzinfo or None
    was_series : bool
    name : object
        Name of a Series input.
    columns : list
        Column names (``[name]`` for a Series).
    """

    kind: str
    freq: object
    last: object
    index_name: object = None
    tz: object = None
    was_series: bool = True
    name: object = None
    columns: list = None


def _infer_freq(index):
    ctx = contextlib.nullcontext()
    with contextlib.suppress(Exception):
        pd.get_option("future.infer_freq_returns_offset")
        ctx = pd.option_context("future.infer_freq_returns_offset", True)
    with ctx:
        try:
            freq = pd.infer_freq(index)
        except (TypeError, ValueError):
            return None
    return None if freq is None else to_offset(freq)


def _describe_gap(index):
    """A sentence locating the first irregular step, or ''."""
    values = index.asi8 if hasattr(index, "asi8") else np.asarray(index)
    steps = np.diff(values)
    if len(steps) == 0:
        return ""
    step = steps.min()
    bad = np.flatnonzero(steps != step)
    if len(bad) == 0:
        return ""
    i = int(bad[0])
    return (f" The smallest step is {pd.Timedelta(int(step), unit='ns') if index.dtype.kind == 'M' else step} "
            f"but the step from {index[i]} (position {i}) to {index[i + 1]} is "
            "different: the series has gaps or irregular timestamps.")


def _check_order(index, name):
    if index.has_duplicates:
        dup = index[index.duplicated()][0]
        pos = int(np.flatnonzero(index == dup)[0])
        raise ValueError(
            f"{name} has duplicated timestamps (first: {dup!r} at position {pos}); "
            "aggregate them first (e.g. y.groupby(level=0).mean()).")
    if not index.is_monotonic_increasing:
        pos = int(np.flatnonzero(np.diff(index.asi8 if hasattr(index, "asi8")
                                          else np.asarray(index)) < 0)[0]) + 1
        raise ValueError(
            f"{name} has an index that is not sorted increasingly (position {pos}: "
            f"{index[pos]!r} comes after {index[pos - 1]!r}); sort it yourself "
            "(y.sort_index()) if that is what you mean: nothing is reordered here.")


def index_frequency(index, name="y"):
    """(kind, freq) of a forecasting index, with clear errors.

    The index must be sorted, unique and regular: a DatetimeIndex with a
    ``freq`` (or one pandas can infer), a PeriodIndex without gaps, or a
    RangeIndex (or an evenly spaced integer index).
    """
    if isinstance(index, pd.MultiIndex):
        raise TypeError(f"{name} has a MultiIndex; pass one series on a "
                        "DatetimeIndex, PeriodIndex or RangeIndex.")
    if isinstance(index, pd.DatetimeIndex):
        _check_order(index, name)
        freq = index.freq
        if freq is None and len(index) >= 3:
            freq = _infer_freq(index)
        if freq is None:
            gap = _describe_gap(index)
            raise ValueError(
                f"The frequency of {name}'s DatetimeIndex is not set and cannot be "
                f"inferred.{gap or ' (At least 3 regular timestamps are needed to infer it.)'} "
                "Set it with y.asfreq('30min') (or your frequency); missing steps "
                "then become NaN, which nan_policy='interpolate' can fill.")
        return "datetime", freq
    if isinstance(index, pd.PeriodIndex):
        _check_order(index, name)
        ordinals = index.asi8
        if len(ordinals) > 1 and np.any(np.diff(ordinals) != 1):
            i = int(np.flatnonzero(np.diff(ordinals) != 1)[0])
            raise ValueError(
                f"{name}'s PeriodIndex has a gap between {index[i]} and "
                f"{index[i + 1]} (position {i}); fill it with "
                "y.reindex(pd.period_range(start, end, freq=...)) and "
                "nan_policy='interpolate'.")
        return "period", index.freq
    if isinstance(index, pd.RangeIndex):
        if index.step <= 0:
            raise ValueError(f"{name} has a decreasing RangeIndex (step "
                             f"{index.step}); the index must increase with time.")
        return "range", int(index.step)
    if index.dtype.kind in "iu":
        _check_order(index, name)
        values = np.asarray(index, dtype=np.int64)
        steps = np.diff(values)
        if len(steps) and np.any(steps != steps[0]):
            i = int(np.flatnonzero(steps != steps[0])[0])
            raise ValueError(
                f"{name}'s integer index is not evenly spaced (step {steps[0]} but "
                f"{values[i]} -> {values[i + 1]} at position {i}); the series has gaps.")
        return "range", int(steps[0]) if len(steps) else 1
    raise TypeError(
        f"{name} has an index of type {type(index).__name__} (dtype {index.dtype}); "
        "pass a pandas object on a DatetimeIndex, PeriodIndex or RangeIndex "
        "(e.g. y.set_index(pd.to_datetime(df['time']))).")


def _fill_nan(values, name, nan_policy, index):
    """Apply the NaN policy to a 2-D float array; return (values, n_filled)."""
    bad = np.isnan(values)
    if not bad.any():
        return values, 0
    row = int(np.flatnonzero(bad.any(axis=1))[0])
    if nan_policy == "raise":
        raise ValueError(
            f"{name} contains NaN at position {row} ({index[row]!r}), "
            f"{int(bad.sum())} in total; pass nan_policy='interpolate' to fill "
            "them linearly, or impute them yourself.")
    out = values.copy()
    pos = np.arange(len(values))
    for j in range(values.shape[1]):
        miss = bad[:, j]
        if not miss.any():
            continue
        ok = np.flatnonzero(~miss)
        if len(ok) == 0:
            raise ValueError(f"{name} column {j} is all NaN; nothing to "
                             "interpolate from.")
        if miss[0] or miss[-1]:
            where = 0 if miss[0] else len(values) - 1
            raise ValueError(
                f"{name} has NaN at its {'start' if where == 0 else 'end'} "
                f"(position {where}), which interpolation cannot fill; trim it "
                "(nothing is dropped here silently).")
        out[miss, j] = np.interp(pos[miss], ok, values[ok, j])
    return out, int(bad.sum())


def check_series(y, name="y", *, nan_policy="raise"):
    """Validate a target series; return (values (T, k), info, n_filled)."""
    if nan_policy not in _NAN_POLICIES:
        raise ValueError(f"nan_policy={nan_policy!r} must be one of {_NAN_POLICIES}.")
    if isinstance(y, pd.Series):
        was_series, columns = True, [y.name]
        frame = y.to_frame()
    elif isinstance(y, pd.DataFrame):
        was_series, columns = False, list(y.columns)
        frame = y
        if frame.shape[1] == 0:
            raise ValueError(f"{name} has no columns.")
    else:
        raise TypeError(
            f"{name} must be a pandas Series or DataFrame with a DatetimeIndex, "
            f"PeriodIndex or RangeIndex; got {type(y).__name__}. Wrap arrays as "
            "pd.Series(values) for a RangeIndex.")
    if len(frame) == 0:
        raise ValueError(f"{name} is empty; pass a series with observations.")
    kind, freq = index_frequency(frame.index, name)
    try:
        values = frame.to_numpy(dtype=np.float64, na_value=np.nan)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must hold numbers; converting to float failed "
                        f"({exc}).") from None
    if np.isinf(values).any():
        row = int(np.flatnonzero(np.isinf(values).any(axis=1))[0])
        raise ValueError(f"{name} contains infinity at position {row}; remove it.")
    values, n_filled = _fill_nan(values, name, nan_policy, frame.index)
    index = frame.index
    info = SeriesInfo(kind=kind, freq=freq, last=index[-1], index_name=index.name,
                      tz=getattr(index, "tz", None), was_series=was_series,
                      name=columns[0] if was_series else None, columns=columns)
    return np.ascontiguousarray(values), info, n_filled


def check_exog(X, index, columns=None, name="X", *, nan_policy="raise"):
    """Validate exogenous columns on exactly ``index``; return (values, columns)."""
    if isinstance(X, pd.Series):
        X = X.to_frame()
    if not isinstance(X, pd.DataFrame):
        raise TypeError(f"{name} must be a pandas DataFrame (or Series) of exogenous "
                        f"columns on the series' index; got {type(X).__name__}.")
    if columns is not None:
        missing = [c for c in columns if c not in X.columns]
        extra = [c for c in X.columns if c not in columns]
        if missing or extra:
            raise ValueError(
                f"{name} has columns {list(X.columns)} but the forecaster was fitted "
                f"with {list(columns)} (missing {missing}, unexpected {extra}); pass "
                "the same exogenous columns.")
        X = X[list(columns)]
    if len(X) != len(index) or not X.index.equals(index):
        raise ValueError(
            f"{name}'s index must equal the index it is aligned with ({len(index)} "
            f"rows from {index[0]!r} to {index[-1]!r}); got {len(X)} rows"
            + (f" from {X.index[0]!r} to {X.index[-1]!r}" if len(X) else "") + ".")
    try:
        values = X.to_numpy(dtype=np.float64, na_value=np.nan)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must hold numbers ({exc}).") from None
    values, _ = _fill_nan(values, name, nan_policy, X.index)
    if np.isinf(values).any():
        raise ValueError(f"{name} contains infinity; remove it.")
    return np.ascontiguousarray(values), list(X.columns)


def check_horizon(horizon, name="horizon"):
    if isinstance(horizon, (bool, np.bool_)) or not isinstance(horizon, Integral):
        raise TypeError(f"{name}={horizon!r} must be a positive integer (number of "
                        "steps ahead) or a future index.")
    if horizon <= 0:
        raise ValueError(f"{name}={horizon} must be >= 1: it counts steps after the "
                         "end of the series.")
    return int(horizon)


def future_index(info, horizon):
    """The ``horizon`` labels after the last observation."""
    if info.kind == "datetime":
        start = info.last + info.freq
        return pd.date_range(start=start, periods=horizon, freq=info.freq,
                             name=info.index_name)
    if info.kind == "period":
        return pd.period_range(start=info.last + 1, periods=horizon,
                               freq=info.freq, name=info.index_name)
    step = info.freq
    first = int(info.last) + step
    return pd.RangeIndex(first, first + step * horizon, step, name=info.index_name)


def future_positions(info, horizon):
    """Steps ahead (1-based positions) and the index to return.

    ``horizon`` is an int (the next steps) or a future index: sorted, unique,
    after the last observation and on the series' frequency grid (it may skip
    steps; the forecast runs to its last label).
    """
    if not isinstance(horizon, pd.Index):
        h = check_horizon(horizon)
        return np.arange(1, h + 1), future_index(info, h)
    idx = horizon
    if len(idx) == 0:
        raise ValueError("horizon is an empty index; pass at least one future label.")
    if not idx.is_monotonic_increasing or idx.has_duplicates:
        raise ValueError("horizon (a future index) must be sorted and unique.")
    if info.kind == "datetime":
        if not isinstance(idx, pd.DatetimeIndex):
            raise TypeError(f"horizon is a {type(idx).__name__} but the series has a "
                            "DatetimeIndex; pass a DatetimeIndex or an int.")
        # walk the grid up to the last requested label
        n_max = 1
        grid = future_index(info, n_max)
        while grid[-1] < idx[-1]:
            n_max = n_max * 2
            grid = future_index(info, n_max)
        pos = grid.get_indexer(idx)
    elif info.kind == "period":
        if not isinstance(idx, pd.PeriodIndex) or idx.freq != info.freq:
            raise TypeError(f"horizon must be a PeriodIndex with freq {info.freq}.")
        pos = idx.asi8 - info.last.ordinal - 1
    else:
        values = np.asarray(idx)
        if values.dtype.kind not in "iu":
            raise TypeError("horizon must be an integer index for a series on a "
                            "RangeIndex.")
        offs = values - int(info.last)
        if np.any(offs % info.freq):
            bad = values[np.flatnonzero(offs % info.freq)[0]]
            raise ValueError(f"horizon label {bad} is not on the series' step "
                             f"{info.freq}.")
        pos = offs // info.freq - 1
    pos = np.asarray(pos)
    if np.any(pos < 0):
        bad = idx[int(np.flatnonzero(pos < 0)[0])]
        raise ValueError(
            f"horizon label {bad!r} is not a future step on the series' frequency "
            f"grid (the last observation is {info.last!r}, frequency {info.freq}).")
    return pos.astype(np.int64) + 1, idx


def default_seasons(info):
    """Seasonal periods (in steps) suggested by the frequency; () if none.

    Sub-daily steps give a day and a week; daily a week and a year; business
    days a week; weekly a year (52.18); monthly 12; quarterly 4; others none.
    """
    if info.kind == "range":
        return ()
    freq = info.freq
    try:
        seconds = pd.Timedelta(freq).total_seconds()
    except (TypeError, ValueError):
        seconds = None
    if seconds:
        per_day = 86400.0 / seconds
        if per_day > 1 and float(per_day).is_integer():
            return (int(per_day), int(per_day) * 7)
        if per_day == 1:
            return (7, 365.25)
        return ()
    n = getattr(freq, "n", 1)
    name = type(freq).__name__
    if name in ("BusinessDay",) and n == 1:
        return (5,)
    if name == "Week" and n == 1:
        return (52.18,)
    if "Month" in name and n == 1:
        return (12,)
    if "Quarter" in name and n == 1:
        return (4,)
    return ()
