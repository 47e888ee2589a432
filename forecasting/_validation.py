"""Pandas-facing checks of the forecasting package: series, index, frequency,
parameters.

Everything that turns a user's ``pd.Series``/``pd.DataFrame`` into clean arrays
(and a future index back) lives here, and so does the one way the package
checks its numeric parameters (:func:`check_param`, on top of
:func:`reservoir._sequences.check_scalar_param`); array-level checks of model
inputs stay in :mod:`reservoir._sequences`.

Every entry point that takes a series (``fit``, ``update``, ``detect``,
``backtest``) calls :func:`check_series`, so a value refused by one is refused
by all of them.
"""

from __future__ import annotations

import contextlib
import decimal
from dataclasses import dataclass, replace
from numbers import Integral, Real

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset
from pandas.tseries.offsets import Day, Tick

from reservoir._sequences import check_scalar_param

__all__ = ["SeriesInfo", "check_series", "check_exog", "future_positions",
           "future_index", "check_horizon", "default_seasons", "resolve_seasons",
           "check_param", "check_choice", "check_bool", "check_count_or_fraction",
           "grid_steps", "power_of_two_scale", "MAX_HORIZON", "regularise",
           "RegularisedSeries"]

_NAN_POLICIES = ("raise", "interpolate")

# The longest forecast (in steps) the package builds. A horizon is turned into
# arrays and a future index of that many rows, so an accidental 10**18 would
# exhaust memory (or be killed by the operating system) instead of failing
# with a message; ten million steps is far beyond any recursive forecast worth
# making and still small enough to allocate.
MAX_HORIZON = 10**7

# Values whose magnitude lies outside [2**-100, 2**100] are divided by a power
# of two before any arithmetic (see power_of_two_scale): squares of numbers
# beyond 2**512 overflow float64 and squares below 2**-537 underflow to zero,
# so standard deviations of such series come out inf or 0.
_SAFE_EXPONENT = 100


# -- parameters ----------------------------------------------------------------
def check_param(value, name, *, kind=Real, low=None, high=None,
                low_inclusive=True, high_inclusive=True, hint=""):
    """Validate a numeric parameter; return it as a Python ``int``/``float``.

    The checks are :func:`reservoir._sequences.check_scalar_param`'s (a
    ``TypeError`` for a value of the wrong type, a ``ValueError`` for one out
    of range or not finite, both naming the parameter). NumPy scalars pass
    and come back as Python numbers, so that later arithmetic (negation of an
    unsigned integer, overflow of a small integer type) cannot go wrong.
    """
    if isinstance(value, (np.timedelta64, np.datetime64, np.bool_)):
        # np.timedelta64 is registered as an Integral; it is no count
        raise TypeError(f"{name}={value!r} must be "
                        f"{'an integer' if kind is Integral else 'a real number'}. "
                        f"{hint}".rstrip())
    # check_scalar_param reads finiteness with np.isfinite, which cannot read
    # a Fraction or an int beyond int64: hand it what it can read
    if kind is Integral and isinstance(value, int) and not isinstance(value, bool) \
            and not -2**63 <= value < 2**63:
        raise ValueError(f"{name}={value} is beyond the int64 range. {hint}".rstrip())
    if kind is not Integral and isinstance(value, Real) \
            and not isinstance(value, (bool, float, np.floating)):
        try:
            value = float(value)
        except OverflowError:
            raise ValueError(f"{name}={value!r} is too large for a float. "
                             f"{hint}".rstrip()) from None
    check_scalar_param(value, name, kind=kind, low=low, high=high,
                       low_inclusive=low_inclusive, high_inclusive=high_inclusive,
                       hint=hint)
    return int(value) if kind is Integral else float(value)


def check_choice(value, name, choices):
    """``value`` must be one of the strings ``choices``; return it."""
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name}={value!r} must be one of {tuple(choices)}.")
    return value


def check_bool(value, name):
    """``value`` must be True or False (NumPy's bool too); return a bool."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name}={value!r} must be True or False.")
    return bool(value)


def check_count_or_fraction(value, name, what="observations"):
    """A positive count (int) or a share in (0, 1) (float) of ``what``.

    Returns a Python ``int`` or ``float``; NumPy scalars keep their meaning
    (``np.float32(0.3)`` is a share, ``np.int64(30)`` a count).
    """
    hint = (f"Pass a number of {what} (an int >= 1) or a share of them (a float "
            "in (0, 1)).")
    if isinstance(value, Integral) and not isinstance(value, (bool, np.bool_,
                                                              np.timedelta64)):
        return check_param(value, name, kind=Integral, low=1, hint=hint)
    if isinstance(value, Real) and not isinstance(value, (bool, np.bool_)):
        return check_param(value, name, low=0, high=1, low_inclusive=False,
                           high_inclusive=False, hint=hint)
    raise TypeError(f"{name}={value!r} must be a number. {hint}")


# -- values ------------------------------------------------------------------
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


def _where(name, columns, j, single):
    return name if single else f"{name} column {columns[j]!r}"


def _refuse_element(value, pos, where):
    if isinstance(value, (complex, np.complexfloating)):
        raise TypeError(
            f"{where} holds a complex number ({value!r} at position {pos}); pass "
            "the real and imaginary parts as separate columns.")
    if isinstance(value, (pd.Timestamp, pd.Timedelta, pd.Period, np.datetime64,
                          np.timedelta64)) or hasattr(value, "isoformat"):
        raise TypeError(
            f"{where} holds a date/time value ({value!r} at position {pos}); the "
            "values must be numbers (time belongs in the index).")
    raise TypeError(
        f"{where} must hold numbers; found {type(value).__name__} {value!r} at "
        f"position {pos}. Convert the column first (e.g. pd.to_numeric).")


def _check_object_column(values, where):
    """Object columns: numbers (and missing values) only, nothing coerced."""
    for pos, v in enumerate(values):
        if v is None or v is pd.NA:
            continue
        if isinstance(v, (Real, decimal.Decimal, np.bool_)) \
                and not isinstance(v, (np.timedelta64, np.datetime64)):
            continue
        _refuse_element(v, pos, where)


def _as_float(frame, name):
    """The values of ``frame`` as a new (T, k) float64 array; only numbers
    (bool, int, float, NumPy and pandas nullable types, objects holding
    numbers) are accepted: complex, date/time, string and other values are a
    ``TypeError`` naming the column."""
    single = frame.shape[1] == 1
    columns = list(frame.columns)
    for j, dtype in enumerate(frame.dtypes):
        where = _where(name, columns, j, single)
        if pd.api.types.is_complex_dtype(dtype):
            raise TypeError(f"{where} has complex dtype {dtype}; pass the real and "
                            "imaginary parts as separate columns.")
        if (pd.api.types.is_datetime64_any_dtype(dtype)
                or pd.api.types.is_timedelta64_dtype(dtype)
                or isinstance(dtype, pd.PeriodDtype)):
            raise TypeError(f"{where} has date/time dtype {dtype}; the values must "
                            "be numbers (time belongs in the index).")
        if pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_numeric_dtype(dtype):
            continue
        if isinstance(dtype, np.dtype) and dtype.kind == "O":
            _check_object_column(frame.iloc[:, j].to_numpy(), where)
            continue
        raise TypeError(f"{where} must hold numbers; it has dtype {dtype}. "
                        "Convert it first (e.g. pd.to_numeric).")
    try:
        values = frame.to_numpy(dtype=np.float64, na_value=np.nan)
    except OverflowError as exc:
        raise ValueError(f"{name} holds a number too large for float64 ({exc}); "
                         "rescale it.") from None
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must hold numbers; converting to float failed "
                        f"({exc}).") from None
    return np.array(values, dtype=np.float64, order="C", copy=True)


def _check_no_inf(values, name, index):
    inf = np.isinf(values)
    if inf.any():
        row = int(np.flatnonzero(inf.any(axis=1))[0])
        raise ValueError(f"{name} contains infinity at position {row} "
                         f"({index[row]!r}); remove it (or make it NaN and pass "
                         "nan_policy='interpolate').")


def power_of_two_scale(values):
    """Per-column powers of two that bring extreme magnitudes near 1.

    Returns an array ``s`` of shape (k,): 1 for a column whose largest finite
    magnitude lies in ``[2**-100, 2**100]`` (or that is all zero), else the
    largest power of two not above that magnitude (so ``values / s`` lies in
    ``[-2, 2]``). ``values / s`` and ``z * s`` are
    exact (no rounding), so a model fitted on ``values / s`` gives back
    ``s`` times its results without losing a bit, and series near 1e300 or
    1e-300 no longer overflow or underflow in squares and sums.
    """
    values = np.asarray(values, dtype=np.float64)
    if values.ndim == 1:
        values = values[:, None]
    with np.errstate(invalid="ignore"):
        mag = np.nanmax(np.where(np.isfinite(values), np.abs(values), np.nan),
                        axis=0, initial=0.0)
    _, exponent = np.frexp(mag)              # mag = m * 2**exponent, m in [0.5, 1)
    exponent = exponent - 1                  # 2**exponent <= mag: never overflows
    extreme = (mag > 0) & ((exponent > _SAFE_EXPONENT) | (exponent < -_SAFE_EXPONENT))
    return np.where(extreme, np.ldexp(1.0, exponent), 1.0)


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


def _step_alias(step):
    """A frequency string for a Timedelta step: whole days as 'D' (calendar
    days, right across DST changes), else pandas' alias of the Timedelta."""
    if step % pd.Timedelta(days=1) == pd.Timedelta(0):
        days = step // pd.Timedelta(days=1)
        return "D" if days == 1 else f"{days}D"
    return to_offset(step).freqstr


def _datetime_steps(index):
    """Steps between consecutive labels as a TimedeltaIndex (the index's own
    unit: under pandas 3 that is often microseconds, not nanoseconds)."""
    return pd.to_timedelta(np.diff(index.asi8), unit=index.unit)


def _describe_gap(index):
    """(sentence locating the first irregular step or '', suggested alias)."""
    if len(index) < 2:
        return "", None
    steps = _datetime_steps(index)
    alias = _step_alias(steps[len(steps) // 2] if len(steps) % 2 else
                        pd.Series(steps).median())
    smallest = steps.min()
    bad = np.flatnonzero(steps != smallest)
    if len(bad) == 0:
        return "", alias
    i = int(bad[0])
    return (f" The smallest step is {smallest} but the step from {index[i]} "
            f"(position {i}) to {index[i + 1]} is {steps[i]}: the series has gaps "
            "or irregular timestamps.", alias)


def _check_order(index, name):
    if index.has_duplicates:
        dup = index[index.duplicated()][0]
        pos = int(np.flatnonzero(index == dup)[0])
        raise ValueError(
            f"{name} has duplicated timestamps (first: {dup!r} at position {pos}); "
            f"aggregate them first (e.g. {name}.groupby(level=0).mean()).")
    if not index.is_monotonic_increasing:
        values = index.asi8 if hasattr(index, "asi8") else np.asarray(index)
        pos = int(np.flatnonzero(np.diff(values) < 0)[0]) + 1
        raise ValueError(
            f"{name} has an index that is not sorted increasingly (position {pos}: "
            f"{index[pos]!r} comes after {index[pos - 1]!r}); sort it yourself "
            f"({name}.sort_index()) if that is what you mean: nothing is reordered "
            "here.")


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
            gap, alias = _describe_gap(index)
            if not gap:
                gap = " (At least 3 regular timestamps are needed to infer it.)"
            example = (f"{name}.asfreq({alias!r}) (the median step of {name})"
                       if alias else f"{name}.asfreq(freq) with your frequency")
            raise ValueError(
                f"The frequency of {name}'s DatetimeIndex is not set and cannot be "
                f"inferred.{gap} Set it with {example}; missing steps then become "
                "NaN, which nan_policy='interpolate' can fill.")
        return "datetime", freq
    if isinstance(index, pd.PeriodIndex):
        _check_order(index, name)
        ordinals = index.asi8
        if len(ordinals) > 1 and np.any(np.diff(ordinals) != 1):
            i = int(np.flatnonzero(np.diff(ordinals) != 1)[0])
            raise ValueError(
                f"{name}'s PeriodIndex has a gap between {index[i]} and "
                f"{index[i + 1]} (position {i}); fill it with "
                f"{name}.reindex(pd.period_range(start, end, freq=...)) and "
                "nan_policy='interpolate'.")
        return "period", index.freq
    if isinstance(index, pd.RangeIndex):
        if index.step <= 0:
            raise ValueError(f"{name} has a decreasing RangeIndex (step "
                             f"{index.step}); the index must increase with time.")
        return "range", int(index.step)
    if index.dtype.kind in "iu" and not isinstance(index.dtype, pd.CategoricalDtype):
        _check_order(index, name)
        if index.dtype.kind == "u" and len(index) and index.max() > np.iinfo(np.int64).max:
            raise ValueError(f"{name}'s integer index reaches {index.max()}, beyond "
                             "the int64 range; renumber it.")
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
        f"(e.g. {name}.set_index(pd.to_datetime(df['time']))).")


def _fill_nan(values, name, nan_policy, index, previous=None):
    """Apply the NaN policy to a 2-D float array; return (values, n_filled).

    ``previous`` (k,) is the observation right before ``values`` when they
    continue a series: interpolation then runs across the junction, so a NaN
    at the start of a continuation is inside the series.
    """
    bad = np.isnan(values)
    if not bad.any():
        return values, 0
    row = int(np.flatnonzero(bad.any(axis=1))[0])
    if nan_policy == "raise":
        raise ValueError(
            f"{name} contains NaN at position {row} ({index[row]!r}), "
            f"{int(bad.sum())} in total; pass nan_policy='interpolate' to fill "
            "them linearly, or impute them yourself.")
    lead = 0 if previous is None else 1
    both = values if previous is None else np.vstack([previous[None, :], values])
    miss_all = np.isnan(both)
    out = both.copy()
    pos = np.arange(len(both))
    for j in range(both.shape[1]):
        miss = miss_all[:, j]
        if not miss.any():
            continue
        ok = np.flatnonzero(~miss)
        if len(ok) == 0:
            raise ValueError(f"{name} column {j} is all NaN; nothing to "
                             "interpolate from.")
        if miss[0] or miss[-1]:
            # ``miss`` may start with ``previous``: name the side, not position 0
            at_start = bool(miss[0])
            where = 0 if at_start else len(values) - 1
            later = ("" if at_start or previous is None else
                     "; online, pass the row again with the next observation, "
                     "which lets it be interpolated")
            raise ValueError(
                f"{name} has NaN at its {'start' if at_start else 'end'} "
                f"(position {where}), which interpolation cannot fill; trim it "
                f"(nothing is dropped here silently){later}.")
        out[miss, j] = np.interp(pos[miss], ok, both[ok, j])
    return np.ascontiguousarray(out[lead:]), int(bad.sum())


def _same_tz(a, b):
    if (a is None) != (b is None):
        return False
    return a is None or str(a) == str(b)


def _check_fitted_columns(y, name, fitted):
    if isinstance(y, pd.DataFrame):
        cols = list(y.columns)
        if cols != list(fitted.columns):
            missing = [c for c in fitted.columns if c not in cols]
            extra = [c for c in cols if c not in fitted.columns]
            raise ValueError(
                f"{name} has columns {cols} but fit was given {list(fitted.columns)} "
                f"(missing {missing}, unexpected {extra}); pass the same columns "
                "in the same order.")
    elif len(fitted.columns) != 1:
        raise ValueError(f"{name} is a Series but fit was given "
                         f"{len(fitted.columns)} columns {list(fitted.columns)}; "
                         "pass a DataFrame with them.")


def _index_kind(index):
    if isinstance(index, pd.DatetimeIndex):
        return "datetime"
    if isinstance(index, pd.PeriodIndex):
        return "period"
    return "range"


def _check_on_grid(index, name, fitted, continuing):
    """``index`` must lie on the fitted frequency grid (and, when
    ``continuing``, start right after ``fitted.last``)."""
    kind = _index_kind(index)
    if kind != fitted.kind:
        raise TypeError(f"{name} has an index of type {type(index).__name__} but "
                        f"fit was given a {fitted.kind} index (frequency "
                        f"{fitted.freq}); pass the same kind of index.")
    if kind == "range":
        index_frequency(index, name)        # a RangeIndex or evenly spaced ints
    if kind == "datetime" and not _same_tz(index.tz, fitted.tz):
        raise ValueError(
            f"{name}'s timestamps are {'tz-naive' if index.tz is None else index.tz} "
            f"but fit was given {'tz-naive' if fitted.tz is None else fitted.tz} "
            f"ones; convert them first ({name}.tz_localize(...) or "
            f"{name}.tz_convert(...)).")
    if kind == "period" and index.freq != fitted.freq:
        raise ValueError(f"{name} has frequency {index.freq!r} (period index) but "
                         f"fit was given {fitted.freq!r}; resample it first.")
    if continuing:
        expected = future_index(fitted, len(index), name)
        if not index.equals(expected):
            raise ValueError(
                f"{name}'s index must continue the history (the observations "
                f"seen so far): expected {len(index)} labels from {expected[0]!r} "
                f"to {expected[-1]!r} (frequency {fitted.freq}), got "
                f"{index[0]!r} to {index[-1]!r}.")
        return
    _check_order(index, name)
    if len(index) < 2:
        return
    grid = future_index(replace(fitted, last=index[0]), len(index) - 1, name)
    if not index[1:].equals(grid):
        _, freq = index_frequency(index, name)
        raise ValueError(
            f"{name} has frequency {freq!r} ({kind} index) but fit was given "
            f"{fitted.freq!r}; resample it first.")


def check_series(y, name="y", *, nan_policy="raise", fitted=None, continuing=False,
                 previous=None):
    """Validate a series (or its continuation); return (values, info, n_filled).

    Parameters
    ----------
    y : pandas.Series or pandas.DataFrame
    name : str
        Argument name used in error messages.
    nan_policy : {"raise", "interpolate"}
    fitted : SeriesInfo, optional
        The series a model was fitted on: ``y`` must then have its columns,
        its kind of index, time zone and frequency (it may start at any label
        of that grid).
    continuing : bool, default=False
        ``y`` must start right after ``fitted.last`` (an ``update``).
    previous : ndarray of shape (k,), optional
        The last observation before ``y`` (interpolation of a continuation
        runs across the junction).

    Returns
    -------
    values : ndarray of shape (len(y), k)
        A new C-contiguous float64 array.
    info : SeriesInfo
    n_filled : int
        Values filled by ``nan_policy="interpolate"``.
    """
    if not isinstance(nan_policy, str) or nan_policy not in _NAN_POLICIES:
        raise ValueError(f"nan_policy={nan_policy!r} must be one of {_NAN_POLICIES}.")
    if isinstance(y, pd.Series):
        was_series, columns = True, [y.name]
        frame = y.to_frame()
    elif isinstance(y, pd.DataFrame):
        was_series, columns = False, list(y.columns)
        frame = y
        if frame.shape[1] == 0:
            raise ValueError(f"{name} has no columns.")
        if frame.columns.has_duplicates:
            dup = frame.columns[frame.columns.duplicated()][0]
            raise ValueError(
                f"{name} has several columns named {dup!r}; column names must be "
                "unique (results are labelled by them): rename them first.")
    else:
        raise TypeError(
            f"{name} must be a pandas Series or DataFrame with a DatetimeIndex, "
            f"PeriodIndex or RangeIndex; got {type(y).__name__}. Wrap arrays as "
            "pd.Series(values) for a RangeIndex.")
    if fitted is not None:
        _check_fitted_columns(y, name, fitted)
    if len(frame) == 0:
        raise ValueError(f"{name} is empty; pass a series with observations.")
    index = frame.index
    if fitted is None:
        kind, freq = index_frequency(index, name)
    else:
        _check_on_grid(index, name, fitted, continuing)
        kind, freq = fitted.kind, fitted.freq
    values = _as_float(frame, name)
    _check_no_inf(values, name, index)
    values, n_filled = _fill_nan(values, name, nan_policy, index, previous)
    if fitted is not None:
        columns, was_series = list(fitted.columns), fitted.was_series
    info = SeriesInfo(kind=kind, freq=freq, last=index[-1], index_name=index.name,
                      tz=getattr(index, "tz", None), was_series=was_series,
                      name=columns[0] if was_series else None, columns=columns)
    return values, info, n_filled


def check_exog(X, index, columns=None, name="X", *, nan_policy="raise"):
    """Validate exogenous columns on exactly ``index``; return (values, columns)."""
    if isinstance(X, pd.Series):
        X = X.to_frame()
    if not isinstance(X, pd.DataFrame):
        raise TypeError(f"{name} must be a pandas DataFrame (or Series) of exogenous "
                        f"columns on the series' index; got {type(X).__name__}.")
    if X.columns.has_duplicates:
        dup = X.columns[X.columns.duplicated()][0]
        raise ValueError(f"{name} has several columns named {dup!r}; column names "
                         "must be unique: rename them first.")
    if X.shape[1] == 0:
        raise ValueError(f"{name} has no columns; pass X=None instead.")
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
    values = _as_float(X, name)
    _check_no_inf(values, name, X.index)
    values, _ = _fill_nan(values, name, nan_policy, X.index)
    return values, list(X.columns)


# -- seasons -----------------------------------------------------------------
def resolve_seasons(season_length, info, name="season_length"):
    """Seasonal periods in steps (a tuple of Python floats, each > 1).

    ``"auto"``: :func:`default_seasons` of the frequency; None: none; a
    number or a tuple/list of numbers: those (finite, > 1). ``info`` (the
    fitted series' :class:`SeriesInfo`) is only read for ``"auto"``; without
    it, ``"auto"`` gives ``()`` (a check of the parameter alone).
    """
    sl = season_length
    if isinstance(sl, str):
        if sl != "auto":
            raise ValueError(f"{name}={sl!r} must be 'auto', None, a number or a "
                             "tuple of numbers.")
        if info is None:
            return ()
        return tuple(float(s) for s in default_seasons(info))
    if sl is None:
        return ()
    values = tuple(sl) if isinstance(sl, (tuple, list)) else (sl,)
    hint = "Every season is a number of steps > 1 (e.g. 24 for hourly data)."
    return tuple(check_param(s, name, low=1, low_inclusive=False, hint=hint)
                 for s in values)


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


# -- the future ----------------------------------------------------------------
def check_horizon(horizon, name="horizon"):
    """A positive number of steps ahead, at most :data:`MAX_HORIZON`."""
    if isinstance(horizon, (bool, np.bool_, np.timedelta64)) \
            or not isinstance(horizon, Integral):
        raise TypeError(f"{name}={horizon!r} must be a positive integer (number of "
                        "steps ahead) or a future index.")
    if horizon <= 0:
        raise ValueError(f"{name}={horizon} must be >= 1: it counts steps after the "
                         "end of the series.")
    if horizon > MAX_HORIZON:
        raise ValueError(f"{name}={horizon} steps ahead is more than the "
                         f"{MAX_HORIZON} a forecast may have (its arrays and index "
                         "would not fit in memory); forecast fewer steps.")
    return int(horizon)


def future_index(info, horizon, name="horizon"):
    """The ``horizon`` labels after the last observation (``name``: the
    argument that asked for them, for the error of a date out of range)."""
    try:
        if info.kind == "datetime":
            start = info.last + info.freq
            return pd.date_range(start=start, periods=horizon, freq=info.freq,
                                 name=info.index_name)
        if info.kind == "period":
            return pd.period_range(start=info.last + 1, periods=horizon,
                                   freq=info.freq, name=info.index_name)
    except (OverflowError, ValueError) as exc:
        raise ValueError(
            f"{name}: {horizon} steps of {info.freq} after {info.last} reach beyond "
            f"the dates pandas can represent ({exc}).") from None
    step = info.freq
    first = int(info.last) + step
    return pd.RangeIndex(first, first + step * horizon, step, name=info.index_name)


def grid_steps(labels, origin, freq):
    """Steps of ``freq`` from the Timestamp ``origin`` to each of ``labels``
    (a DatetimeIndex) as floats; NaN or a non-integer means off the grid.

    Fixed-length offsets (hours, minutes, ...) count elapsed time; days count
    calendar days, so tz-aware daily data stays on its grid across DST
    changes; other calendar offsets (weeks, months, business days, ...) are
    counted on the grid itself.
    """
    if isinstance(freq, Day):
        wall = labels.tz_localize(None) if labels.tz is not None else labels
        o = origin.tz_localize(None) if origin.tz is not None else origin
        return np.asarray((wall - o) / pd.Timedelta(days=freq.n), dtype=np.float64)
    if isinstance(freq, Tick):
        return np.asarray((labels - origin) / pd.Timedelta(freq), dtype=np.float64)
    lo, hi = min(origin, labels[0]), max(origin, labels[-1])
    grid = pd.date_range(lo, hi, freq=freq)
    pos = grid.get_indexer(labels).astype(np.float64)
    at = grid.get_indexer([origin])[0]
    if at < 0:
        return np.full(len(labels), np.nan)
    return np.where(pos >= 0, pos - at, np.nan)


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
        if not _same_tz(idx.tz, info.tz):
            raise ValueError(
                f"horizon's timestamps are {'tz-naive' if idx.tz is None else idx.tz}"
                f" but the series' are {'tz-naive' if info.tz is None else info.tz}; "
                "convert them (tz_localize / tz_convert).")
        pos = grid_steps(idx, info.last, info.freq) - 1
        with np.errstate(invalid="ignore"):
            off_grid = ~(np.abs(pos - np.round(pos)) <= 1e-9)
        pos = np.where(off_grid, -1.0, np.round(pos))
    elif info.kind == "period":
        if not isinstance(idx, pd.PeriodIndex) or idx.freq != info.freq:
            raise TypeError(f"horizon must be a PeriodIndex with freq {info.freq}.")
        pos = idx.asi8 - info.last.ordinal - 1
    else:
        values = np.asarray(idx)
        if values.dtype.kind not in "iu":
            raise TypeError("horizon must be an integer index for a series on a "
                            "RangeIndex.")
        offs = values.astype(np.int64) - int(info.last)
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
    if pos[-1] + 1 > MAX_HORIZON:
        raise ValueError(
            f"horizon reaches {int(pos[-1]) + 1} steps ahead ({idx[-1]!r}), more "
            f"than the {MAX_HORIZON} a forecast may have; forecast fewer steps.")
    return pos.astype(np.int64) + 1, idx


# -- regularising a series on purpose ------------------------------------------
_AGGREGATIONS = ("mean", "median", "first", "last", "min", "max", "sum")
_FILLS = ("interpolate", None)


@dataclass
class RegularisedSeries:
    """A series put on a regular grid by :func:`regularise`, and what was done.

    Attributes
    ----------
    y : pandas.Series or pandas.DataFrame
        The values on a regular index (a DatetimeIndex with ``freq`` set, or
        a RangeIndex); same name or columns as the input.
    freq : pandas.DateOffset or int
        The grid's step.
    imputed : pandas.Series of bool
        On ``y``'s index: True where a value of the row was filled by
        interpolation (a grid step with no observation, or only NaN).
    n_rows : int
        Rows of the input.
    n_steps_back : int
        Rows whose label is earlier than the previous row's (the input was
        sorted by time first; ties keep their order).
    n_duplicates : int
        Rows whose label repeats an earlier row's.
    n_merged : int
        Input rows aggregated into a grid step together with others
        (duplicates, and several observations in one step): ``n_rows`` minus
        the grid steps that hold an observation.
    n_inserted : int
        Grid steps with no observation (gaps), filled when ``fill`` is
        ``"interpolate"``.
    n_filled : int
        Values (cells) filled by interpolation.
    n_missing : int
        NaN values left in ``y`` (``fill=None``, or NaN at the start or end,
        which interpolation cannot fill).
    """

    y: object
    freq: object
    imputed: pd.Series
    n_rows: int
    n_steps_back: int
    n_duplicates: int
    n_merged: int
    n_inserted: int
    n_filled: int
    n_missing: int

    def summary(self):
        """One sentence saying what was changed.

        Returns
        -------
        str
        """
        freq = self.freq.freqstr if hasattr(self.freq, "freqstr") else self.freq
        parts = []
        if self.n_steps_back:
            parts.append(f"{self.n_steps_back} step(s) back sorted")
        if self.n_duplicates:
            parts.append(f"{self.n_duplicates} duplicated timestamp(s)")
        if self.n_merged:
            parts.append(f"{self.n_merged} row(s) aggregated into a step with others")
        if self.n_inserted:
            parts.append(f"{self.n_inserted} missing step(s) inserted")
        if self.n_filled:
            parts.append(f"{self.n_filled} value(s) interpolated")
        if self.n_missing:
            parts.append(f"{self.n_missing} value(s) left NaN")
        done = "; ".join(parts) if parts else "nothing changed"
        return f"{self.n_rows} rows -> {len(self.y)} steps of {freq}: {done}."

    def __repr__(self):
        return f"RegularisedSeries({self.summary()})"


def _regular_step(values):
    """The median of the positive steps of sorted integer labels (or None)."""
    steps = np.diff(values)
    steps = steps[steps > 0]
    return None if len(steps) == 0 else np.median(steps)


def regularise(y, freq=None, *, agg="mean", fill="interpolate"):
    """Put a series on a regular time grid on purpose, and say what was done.

    The rows are sorted by time (ties keep their order), the observations
    that fall into one step of the grid are aggregated, steps with no
    observation are inserted and filled by linear interpolation. Nothing
    happens behind the caller's back: the returned object counts every
    change, and ``imputed`` marks every row that holds a filled value.

    Anomaly detectors score raw, irregular series as they come (row by row);
    use this function when a regular grid is what you mean (a forecast on a
    calendar, or a coarser step), e.g. through ``--freq`` on the command line.

    Parameters
    ----------
    y : pandas.Series or pandas.DataFrame
        Numeric values on a DatetimeIndex (tz-aware or naive) or an integer
        index; the index may be unsorted, hold duplicates and have gaps.
    freq : str, pandas.DateOffset, pandas.Timedelta, int or None, default=None
        Step of the grid (``"5min"``, ``"h"``, ``"D"``, ``"MS"``, ...; an
        integer for an integer index). None: the median of the positive
        steps between consecutive sorted labels. Steps of fixed length
        start at the first label (as ``y.resample(freq, origin="start")``);
        calendar steps (days, weeks, months, ...) follow pandas' calendar
        bins.
    agg : {"mean", "median", "first", "last", "min", "max", "sum"}, default="mean"
        How the observations of one step (duplicated timestamps, or several
        rows per step when ``freq`` is coarser than the data) are combined;
        NaN values are skipped.
    fill : {"interpolate", None}, default="interpolate"
        Steps with no value: linear interpolation between the neighbouring
        steps, or None to leave them NaN. NaN at the start or the end cannot
        be interpolated and stays (``n_missing`` counts it).

    Returns
    -------
    RegularisedSeries
        ``.y`` on the regular index, the ``imputed`` mask and the counts
        (``summary()`` says it in one sentence).

    Raises
    ------
    TypeError
        For another kind of index, or values that are not numbers.
    ValueError
        For an empty series, or a ``freq`` pandas cannot read.

    See Also
    --------
    pandas.Series.resample : the binning used for calendar steps.

    Examples
    --------
    >>> import pandas as pd
    >>> from forecasting import regularise
    >>> y = pd.Series([1.0, 2.0, 4.0, 3.0, 7.0], pd.to_datetime(
    ...     ["2024-01-01 00:00", "2024-01-01 00:05", "2024-01-01 00:05",
    ...      "2024-01-01 00:10", "2024-01-01 00:25"]))
    >>> r = regularise(y, "5min")
    >>> r.y.round(3).tolist()
    [1.0, 3.0, 3.0, 4.333, 5.667, 7.0]
    >>> r.imputed.tolist()
    [False, False, False, True, True, False]
    >>> r.summary()
    '5 rows -> 6 steps of 5min: 1 duplicated timestamp(s); 1 row(s) aggregated into a step with others; 2 missing step(s) inserted; 2 value(s) interpolated.'
    """
    if isinstance(y, pd.Series):
        frame, was_series = y.to_frame(), True
    elif isinstance(y, pd.DataFrame):
        frame, was_series = y, False
        if frame.columns.has_duplicates:
            dup = frame.columns[frame.columns.duplicated()][0]
            raise ValueError(f"y has several columns named {dup!r}; rename them "
                             "first.")
    else:
        raise TypeError(f"y must be a pandas Series or DataFrame; got "
                        f"{type(y).__name__}.")
    if not isinstance(agg, str) or agg not in _AGGREGATIONS:
        raise ValueError(f"agg={agg!r} must be one of {_AGGREGATIONS}.")
    if fill not in _FILLS:
        raise ValueError(f"fill={fill!r} must be 'interpolate' or None.")
    if len(frame) == 0:
        raise ValueError("y is empty; pass a series with observations.")
    index = frame.index
    datetime = isinstance(index, pd.DatetimeIndex)
    if not datetime and not (index.dtype.kind in "iu"
                             and not isinstance(index.dtype, pd.CategoricalDtype)):
        raise TypeError(f"y has an index of type {type(index).__name__} (dtype "
                        f"{index.dtype}); regularise needs a DatetimeIndex or an "
                        "integer index (e.g. y.set_index(pd.to_datetime(...))).")
    values = _as_float(frame, "y")
    order = np.argsort(index.asi8 if datetime else np.asarray(index, np.int64),
                       kind="stable")
    keys = (index.asi8 if datetime else np.asarray(index, np.int64))
    n_back = int((np.diff(keys) < 0).sum())
    keys, values = keys[order], values[order]
    n_dup = int((np.diff(keys) == 0).sum())
    data = pd.DataFrame(values, columns=frame.columns)
    if datetime:
        sorted_index = index[order]
        if freq is None:
            med = _regular_step(keys)
            if med is None:
                raise ValueError("y has a single timestamp; pass freq to say the "
                                 "grid's step.")
            freq = _step_alias(pd.to_timedelta(int(med), unit=index.unit))
        try:
            offset = to_offset(freq)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"freq={freq!r} is not a frequency pandas can read "
                             f"({exc}); pass e.g. '5min', 'h', 'D' or 'MS'.") from None
        if isinstance(offset, Tick) and not isinstance(offset, Day):
            kwargs = {"origin": "start"}
        else:
            kwargs = {}
        data.index = sorted_index
        resampler = data.resample(offset, **kwargs)
        size = resampler.size()
        out = resampler.agg(agg) if agg != "sum" else resampler.sum(min_count=1)
        out.index.name = index.name
        step = offset
    else:
        if freq is None:
            med = _regular_step(keys)
            if med is None:
                raise ValueError("y has a single label; pass freq to say the "
                                 "grid's step.")
            freq = int(round(med))
        step = check_param(freq, "freq", kind=Integral, low=1,
                           hint="An integer step for an integer index.")
        first = int(keys[0])
        bins = (keys - first) // step
        n_bins = int(bins[-1]) + 1
        groups = data.groupby(bins)
        size = groups.size().reindex(range(n_bins), fill_value=0)
        out = (groups.agg(agg) if agg != "sum" else groups.sum(min_count=1))
        out = out.reindex(range(n_bins))
        out.index = pd.RangeIndex(first, first + step * n_bins, step, name=index.name)
        size.index = out.index
    out = out.astype(np.float64)
    empty = size.to_numpy() == 0
    out.iloc[empty, :] = np.nan
    before = out.isna().to_numpy()
    if fill == "interpolate":
        arr = out.to_numpy(copy=True)
        pos = np.arange(len(arr))
        for j in range(arr.shape[1]):
            miss = np.isnan(arr[:, j])
            ok = np.flatnonzero(~miss)
            if miss.any() and len(ok) >= 2:
                inside = miss & (pos > ok[0]) & (pos < ok[-1])
                arr[inside, j] = np.interp(pos[inside], ok, arr[ok, j])
        out = pd.DataFrame(arr, index=out.index, columns=out.columns)
    after = out.isna().to_numpy()
    filled = before & ~after
    imputed = pd.Series(filled.any(axis=1), index=out.index, name="imputed")
    result = out.iloc[:, 0].rename(y.name) if was_series else out
    return RegularisedSeries(
        y=result, freq=step, imputed=imputed, n_rows=len(frame), n_steps_back=n_back,
        n_duplicates=n_dup, n_merged=int(len(frame) - (~empty).sum()),
        n_inserted=int(empty.sum()), n_filled=int(filled.sum()),
        n_missing=int(after.sum()))


# -- detectors: rows scored as they come, whatever their timestamps ------------
#: A step back is accepted when it goes back at most this long (the autumn
#: change of daylight-saving time in local timestamps, a replayed hour of a
#: buffer, a clock correction) or one step, whichever is longer ...
MAX_STEP_BACK = pd.Timedelta(hours=1)
#: ... and when at most this share of the steps go back (at least one step).
MAX_STEP_BACK_SHARE = 0.01
#: A row follows a gap when the step before it is longer than this many
#: steps (so 2 steps of a regular grid is a gap; jitter of timestamps is not).
GAP_STEPS = 1.5


@dataclass
class StreamInfo:
    """The time axis of a series scored row by row (anomaly detectors).

    Attributes
    ----------
    kind : {"datetime", "period", "range"}
    freq : pandas.DateOffset or int or float
        The regular frequency of the index when it has one; otherwise the
        median of its positive steps (a fixed-length offset for timestamps).
    regular : bool
        Whether the index had a regular frequency (set, or inferred).
    origin : object
        First label of the fitted series: time positions count steps from it.
    last : object
        Last label seen (of ``fit`` or the latest ``update``).
    tz : tzinfo or None
    index_name : object
    was_series : bool
    name : object
    columns : list
    n_steps, n_steps_back : int
        Steps seen so far and how many of them went back in time.
    """

    kind: str
    freq: object
    regular: bool
    origin: object
    last: object
    tz: object = None
    index_name: object = None
    was_series: bool = True
    name: object = None
    columns: list = None
    n_steps: int = 0
    n_steps_back: int = 0


@dataclass
class StreamMarks:
    """Per-row marks of a series scored as it comes (arrays of length n).

    Attributes
    ----------
    t : ndarray of float
        Time in steps of ``freq`` since the fitted origin (the phase of the
        seasonal inputs; duplicates share it, a step back goes back).
    after_gap : ndarray of bool
        The step before the row is longer than ``GAP_STEPS`` steps.
    duplicate : ndarray of bool
        The row's label equals the previous row's.
    step_back : ndarray of bool
        The row's label is earlier than the previous row's.
    imputed : ndarray of bool
        A value of the row was NaN and was filled (``nan_policy="interpolate"``).
    n_filled : int
        Values (cells) filled.
    """

    t: np.ndarray
    after_gap: np.ndarray
    duplicate: np.ndarray
    step_back: np.ndarray
    imputed: np.ndarray
    n_filled: int = 0


def _stream_kind(index, name):
    if isinstance(index, pd.MultiIndex):
        raise TypeError(f"{name} has a MultiIndex; pass one series on a "
                        "DatetimeIndex, PeriodIndex or integer index.")
    if isinstance(index, pd.DatetimeIndex):
        return "datetime"
    if isinstance(index, pd.PeriodIndex):
        return "period"
    if index.dtype.kind in "iu" and not isinstance(index.dtype, pd.CategoricalDtype):
        if index.dtype.kind == "u" and len(index) and index.max() > np.iinfo(np.int64).max:
            raise ValueError(f"{name}'s integer index reaches {index.max()}, beyond "
                             "the int64 range; renumber it.")
        return "range"
    raise TypeError(
        f"{name} has an index of type {type(index).__name__} (dtype {index.dtype}); "
        "pass a pandas object on a DatetimeIndex, PeriodIndex or integer index "
        f"(e.g. {name}.set_index(pd.to_datetime(df['time']))).")


def _stream_freq(index, kind, name):
    """(freq, regular) of a new series: its regular frequency when it has
    one, else the median of its positive steps."""
    if kind == "period":
        return index.freq, True
    if kind == "range":
        if isinstance(index, pd.RangeIndex):
            if index.step <= 0:
                raise ValueError(f"{name} has a decreasing RangeIndex (step "
                                 f"{index.step}); the index must increase with time.")
            return int(index.step), True
        values = np.asarray(index, dtype=np.int64)
        steps = np.diff(values)
        pos = steps[steps > 0]
        if len(pos) == 0:
            return 1, len(values) <= 1
        if np.all(steps == steps[0]):
            return int(steps[0]), True
        med = float(np.median(pos))
        return (int(med) if med.is_integer() else med), False
    freq = index.freq
    if freq is None and len(index) >= 3 and index.is_monotonic_increasing \
            and not index.has_duplicates:
        freq = _infer_freq(index)
    if freq is not None:
        return freq, True
    steps = _datetime_steps(index)
    pos = steps[steps > pd.Timedelta(0)]
    if len(pos) == 0:
        raise ValueError(
            f"{name} has {len(index)} row(s) but no two distinct timestamps, so no "
            "time step can be measured; pass a longer series.")
    return to_offset(_round_step(pd.Series(pos).median())), False


#: A median step within this share of a whole number of days, hours, minutes
#: or seconds is read as that round step (jittered timestamps of 5-minute data
#: have a median step of 5 min 01 s; the seasons are those of 5 minutes).
ROUND_STEP_TOLERANCE = 0.02


def _round_step(step):
    """The round step (whole days, hours, minutes or seconds) nearest to the
    Timedelta ``step`` within ROUND_STEP_TOLERANCE, else ``step`` itself."""
    for unit in ("1D", "1h", "1min", "1s"):
        u = pd.Timedelta(unit)
        k = round(step / u)
        if k >= 1 and abs(k * u - step) <= ROUND_STEP_TOLERANCE * step:
            return k * u
    return step


def _stream_positions(labels, info, name):
    """Steps of ``info.freq`` from ``info.origin`` to each label (floats)."""
    if info.kind == "period":
        if not isinstance(labels, pd.PeriodIndex) or labels.freq != info.freq:
            raise ValueError(f"{name} has frequency {getattr(labels, 'freq', None)!r}"
                             f" (period index) but fit was given {info.freq!r}; "
                             "resample it first.")
        return (labels.asi8 - info.origin.ordinal).astype(np.float64)
    if info.kind == "range":
        return (np.asarray(labels, dtype=np.int64) - int(info.origin)) / info.freq
    if isinstance(info.freq, Tick):
        return np.asarray((labels - info.origin) / pd.Timedelta(info.freq),
                          dtype=np.float64)
    pos = grid_steps(labels, info.origin, info.freq)
    if isinstance(info.freq, Day):          # calendar days: any time of day
        return pos
    bad = ~np.isfinite(pos) | (np.abs(pos - np.round(pos)) > 1e-9)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"{name}'s label {labels[i]!r} (position {i}) is not on the fitted "
            f"calendar frequency {info.freq!r} (from {info.origin!r}); "
            f"regularise it first (forecasting.regularise({name}, ...)).")
    return np.round(pos)


def _keys(labels, kind):
    if kind == "range":
        return np.asarray(labels, dtype=np.int64)
    return labels.asi8


def _as_index(label, like):
    """A one-label index of ``like``'s kind (and time unit) holding ``label``."""
    if isinstance(like, pd.DatetimeIndex):
        return pd.DatetimeIndex([label]).as_unit(like.unit)
    if isinstance(like, pd.PeriodIndex):
        return pd.PeriodIndex([label])
    return pd.Index([label])


def _max_back(info, unit):
    """The longest accepted step back, in the index's integer units."""
    if info.kind != "datetime":
        return 1 if info.kind == "period" else abs(info.freq)
    try:
        step = pd.Timedelta(info.freq)
    except (TypeError, ValueError):        # calendar offsets: a month is > 1 h
        step = pd.Timedelta(days=31)
    return max(MAX_STEP_BACK, step).value // pd.Timedelta(1, unit=unit).value


def check_stream(y, name="y", *, nan_policy="raise", fitted=None, continuing=False,
                 previous=None):
    """Validate a series scored row by row; return (values, info, marks).

    Rows keep their order and every row is kept: a regular frequency is
    used when the index has one, else the median step; gaps, duplicated
    timestamps and an occasional small step back are allowed and marked
    (:class:`StreamMarks`), see the module constants for the limits.

    Parameters
    ----------
    y : pandas.Series or pandas.DataFrame
    name : str
        Argument name used in error messages.
    nan_policy : {"raise", "interpolate"}
    fitted : StreamInfo, optional
        The fitted series' axis: ``y`` must have its columns, kind of index
        and time zone; positions count from its origin.
    continuing : bool, default=False
        ``y`` continues the rows seen so far (an ``update``): its first row
        is compared with ``fitted.last``, and the step-back limits count
        every step seen.
    previous : ndarray of shape (k,), optional
        The last observation before ``y`` (interpolation of a continuation
        runs across the junction).

    Returns
    -------
    values : ndarray of shape (len(y), k)
    info : StreamInfo
        A new object (``fitted`` is not modified).
    marks : StreamMarks
    """
    if not isinstance(nan_policy, str) or nan_policy not in _NAN_POLICIES:
        raise ValueError(f"nan_policy={nan_policy!r} must be one of {_NAN_POLICIES}.")
    if isinstance(y, pd.Series):
        was_series, columns, frame = True, [y.name], y.to_frame()
    elif isinstance(y, pd.DataFrame):
        was_series, columns, frame = False, list(y.columns), y
        if frame.shape[1] == 0:
            raise ValueError(f"{name} has no columns.")
        if frame.columns.has_duplicates:
            dup = frame.columns[frame.columns.duplicated()][0]
            raise ValueError(
                f"{name} has several columns named {dup!r}; column names must be "
                "unique (results are labelled by them): rename them first.")
    else:
        raise TypeError(
            f"{name} must be a pandas Series or DataFrame with a DatetimeIndex, "
            f"PeriodIndex or integer index; got {type(y).__name__}. Wrap arrays as "
            "pd.Series(values) for a RangeIndex.")
    if fitted is not None:
        _check_fitted_columns(y, name, fitted)
    if len(frame) == 0:
        raise ValueError(f"{name} is empty; pass a series with observations.")
    index = frame.index
    kind = _stream_kind(index, name)
    if fitted is None:
        freq, regular = _stream_freq(index, kind, name)
        info = StreamInfo(kind=kind, freq=freq, regular=regular, origin=index[0],
                          last=index[-1], tz=getattr(index, "tz", None),
                          index_name=index.name, was_series=was_series,
                          name=columns[0] if was_series else None, columns=columns)
    else:
        if kind != fitted.kind:
            raise TypeError(f"{name} has an index of type {type(index).__name__} but "
                            f"fit was given a {fitted.kind} index; pass the same "
                            "kind of index.")
        if kind == "datetime" and not _same_tz(index.tz, fitted.tz):
            raise ValueError(
                f"{name}'s timestamps are "
                f"{'tz-naive' if index.tz is None else index.tz} but fit was given "
                f"{'tz-naive' if fitted.tz is None else fitted.tz} ones; convert "
                f"them first ({name}.tz_localize(...) or {name}.tz_convert(...)).")
        info = replace(fitted, last=index[-1])
        if not continuing:
            info.n_steps = info.n_steps_back = 0
    t = _stream_positions(index, info, name)
    if fitted is not None and not continuing and len(t) >= 3:
        dt = np.diff(t)
        dt = dt[dt > 0]
        med = float(np.median(dt)) if len(dt) else 1.0
        if not 1 / GAP_STEPS <= med <= GAP_STEPS:
            raise ValueError(
                f"{name}'s median step is {med:g} times the fitted frequency "
                f"{info.freq!r}: a detector predicts one step of the series it "
                f"was fitted on. Resample {name} to that frequency "
                f"(forecasting.regularise({name}, freq)) or fit on this one.")
    keys = _keys(index, kind)
    unit = getattr(index, "unit", "ns")
    if continuing:
        last = _as_index(fitted.last, index)
        steps = np.diff(np.concatenate([_keys(last, kind), keys]))
        dt = np.diff(np.concatenate([_stream_positions(last, info, name), t]))
    else:
        steps = np.diff(keys)
        dt = np.diff(t)
    back = steps < 0
    limit = _max_back(info, unit)
    too_far = back & (-steps > limit)
    off = 1 if continuing else 0          # row of y that each step leads to
    if too_far.any():
        i = int(np.flatnonzero(too_far)[0])
        row = i + 1 - off
        before = fitted.last if (continuing and i == 0) else index[row - 1]
        hint = (f"{name} must continue the rows seen so far (the last was "
                f"{fitted.last!r})" if continuing and i == 0 else
                f"sort it yourself ({name}.sort_index()) or regularise it "
                f"(forecasting.regularise) if that is what you mean: nothing is "
                "reordered here")
        raise ValueError(
            f"{name} goes back in time at position {row}: {index[row]!r} comes "
            f"after {before!r}, further back than the "
            f"{'one hour or one step' if kind == 'datetime' else 'one step'} an "
            f"occasional step back may go; {hint}.")
    n_steps = info.n_steps + len(steps)
    n_back = info.n_steps_back + int(back.sum())
    if n_back > max(1, MAX_STEP_BACK_SHARE * n_steps):
        i = int(np.flatnonzero(back)[0])
        row = i + 1 - off
        raise ValueError(
            f"{name} is not in time order: {n_back} of {n_steps} steps go back (the "
            f"first at position {row}: {index[row]!r}); occasional steps back "
            f"(at most {MAX_STEP_BACK_SHARE:.0%} of the steps) are scored in row "
            f"order, but this looks unsorted. Sort it ({name}.sort_index()) or "
            "regularise it (forecasting.regularise) if that is what you mean.")
    info.n_steps, info.n_steps_back = n_steps, n_back
    n = len(frame)
    mark = np.zeros(n, dtype=bool)
    after_gap, duplicate, step_back = mark.copy(), mark.copy(), mark.copy()
    rows = slice(0, n) if continuing else slice(1, n)
    after_gap[rows] = dt > GAP_STEPS
    duplicate[rows] = steps == 0
    step_back[rows] = back
    values = _as_float(frame, name)
    _check_no_inf(values, name, index)
    imputed = np.isnan(values).any(axis=1)
    values, n_filled = _fill_nan(values, name, nan_policy, index, previous)
    return values, info, StreamMarks(t=t, after_gap=after_gap, duplicate=duplicate,
                                     step_back=step_back, imputed=imputed,
                                     n_filled=n_filled)
