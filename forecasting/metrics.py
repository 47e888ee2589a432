"""Forecast accuracy metrics, as fractions like scikit-learn's.

``nrmse`` is :func:`reservoir.metrics.nrmse` (normalised by the standard
deviation of ``y_true``), re-exported rather than copied. The others take
``(y_true, y_pred)`` as 1-D or 2-D array-likes of real numbers (pandas
welcome), average over every value (rows weighted by ``sample_weight`` when
given), and return a float:

========  ==============================================================
``mae``    mean |y - yhat|
``rmse``   sqrt(mean (y - yhat)^2)
``mape``   mean |y - yhat| / max(|y|, eps) (a fraction: 0.05 is 5 %),
           as :func:`sklearn.metrics.mean_absolute_percentage_error`
``smape``  mean 2 |y - yhat| / (|y| + |yhat|), in [0, 2]; 0/0 counts as 0
``mase``   mae / mean |y_train[t] - y_train[t - m]| (Hyndman & Koehler
           2006): below 1 beats the in-sample seasonal-naive forecast
========  ==============================================================

Inputs are real numbers: bool, integer and float arrays, and object arrays
of Python or NumPy numbers (the values pandas gives for nullable dtypes,
``pd.NA`` read as missing). Complex numbers, datetimes, timedeltas and
strings are refused with a ``TypeError`` rather than coerced (a complex
value would lose its imaginary part, a datetime would become a count of
microseconds); NaN and infinity are refused with a ``ValueError`` naming the
position. The sums are scaled internally, so values near the limits of
float64 (1e300 or 1e-300) give the exact-scale answer instead of overflowing
or underflowing.
"""

from __future__ import annotations

import math
from numbers import Integral, Real

import numpy as np

from reservoir.metrics import nrmse

__all__ = ["mae", "rmse", "mape", "smape", "mase", "nrmse", "mase_scale"]

_KIND_NAMES = {"c": "complex numbers", "M": "datetimes", "m": "timedeltas",
               "U": "strings", "S": "bytes", "V": "structured records"}


def _missing(value):
    """True for the missing-value markers pandas puts in object arrays."""
    if value is None:
        return True
    try:
        import pandas as pd
    except ImportError:             # pragma: no cover - pandas is a dependency
        return False
    return value is pd.NA


def _as_real(name, value):
    """``value`` as a float64 ndarray of real numbers, or a TypeError that
    names ``name``; never a silent coercion of complex, datetime or text."""
    try:
        arr = np.asarray(value)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{name} must be a rectangular array-like of numbers "
                         f"(one row per timestep); numpy could not read it: "
                         f"{str(exc).splitlines()[0]}") from None
    kind = arr.dtype.kind
    if kind in "biuf":
        return arr.astype(np.float64, copy=False)
    if kind in _KIND_NAMES:
        raise TypeError(f"{name} holds {_KIND_NAMES[kind]} (dtype {arr.dtype}); "
                        "metrics need real numbers. Convert them explicitly "
                        "(e.g. take .real or a numeric column).")
    if kind != "O":
        raise TypeError(f"{name} has dtype {arr.dtype}; metrics need real numbers.")
    flat = arr.ravel()
    out = np.empty(flat.shape, dtype=np.float64)
    for i, v in enumerate(flat):
        if _missing(v):
            out[i] = np.nan
            continue
        if isinstance(v, (str, bytes)) or not isinstance(v, (Real, np.bool_)):
            pos = np.unravel_index(i, arr.shape) if arr.ndim > 1 else i
            raise TypeError(f"{name} holds {v!r} ({type(v).__name__}) at position "
                            f"{pos}; metrics need real numbers, not "
                            f"{type(v).__name__} values.")
        try:
            out[i] = float(v)
        except OverflowError:
            pos = np.unravel_index(i, arr.shape) if arr.ndim > 1 else i
            raise ValueError(f"{name} holds {v!r} at position {pos}, too large "
                             "for float64 (about 1.8e308); rescale the data.") from None
    return out.reshape(arr.shape)


def _check_finite(name, arr):
    if not np.isfinite(arr).all():
        pos = int(np.flatnonzero(~np.isfinite(arr.ravel()))[0])
        raise ValueError(f"{name} contains {arr.ravel()[pos]} at flat position "
                         f"{pos}; metrics need finite values.")


def _check_dims(name, arr):
    if arr.ndim not in (1, 2):
        raise ValueError(f"{name} must be 1-D (n_timesteps,) or 2-D (n_timesteps, "
                         f"n_outputs); got shape {arr.shape}.")


def _pair(y_true, y_pred, sample_weight=None):
    a = _as_real("y_true", y_true)
    b = _as_real("y_pred", y_pred)
    _check_dims("y_true", a)
    _check_dims("y_pred", b)
    if a.ndim == 2 and a.shape[1] == 1 and b.ndim == 1:
        a = a[:, 0]
    if b.ndim == 2 and b.shape[1] == 1 and a.ndim == 1:
        b = b[:, 0]
    if a.shape != b.shape:
        raise ValueError(f"y_true has shape {a.shape} but y_pred has shape "
                         f"{b.shape}; they must match.")
    if a.size == 0:
        raise ValueError("y_true is empty; pass at least one value.")
    _check_finite("y_true", a)
    _check_finite("y_pred", b)
    w = _weights(sample_weight, a.shape[0])
    if w is not None and not w.all():
        # rows of weight 0 add nothing: dropping them keeps their errors out
        # of the scaling (a huge error there would overflow 0 * inf = nan)
        keep = w > 0
        a, b, w = a[keep], b[keep], w[keep]
    return a, b, w


def _weights(sample_weight, n):
    """Row weights normalised to sum 1, or None for the plain mean."""
    if sample_weight is None:
        return None
    w = _as_real("sample_weight", sample_weight)
    if w.ndim != 1 or len(w) != n:
        raise ValueError(f"sample_weight has shape {w.shape}; pass one weight per "
                         f"row of y_true, shape ({n},).")
    _check_finite("sample_weight", w)
    if (w < 0).any():
        pos = int(np.flatnonzero(w < 0)[0])
        raise ValueError(f"sample_weight has the negative weight {w[pos]} at "
                         f"position {pos}; weights must be >= 0.")
    top = w.max()
    if top == 0:
        raise ValueError("sample_weight is all zeros; at least one row must "
                         "have a positive weight.")
    w = w / top                     # scale first: a sum of 1e308s overflows
    return w / w.sum()


def _mean(values, w):
    """Mean of ``values`` (n,) or (n, k) over everything, rows weighted by
    ``w`` (normalised) when given."""
    if w is None:
        return float(np.mean(values))
    rows = values if values.ndim == 1 else values.mean(axis=1)
    return float(w @ rows)


# Inside these bounds the plain formulas neither overflow nor underflow (the
# squares of rmse stay within float64's normal range); beyond them the values
# are first divided by a power of two, which is exact.
_PLAIN_MAX = 2.0 ** 500
_PLAIN_MIN = 2.0 ** -500


def _scale_of(*arrays):
    """1 when every magnitude is inside the plain range, else a power of two
    near the largest magnitude (dividing by it is exact and keeps every
    difference within [-4, 4])."""
    top = max(float(np.max(np.abs(x))) for x in arrays)
    if top == 0 or _PLAIN_MIN <= top <= _PLAIN_MAX:
        return 1.0
    return math.ldexp(1.0, math.frexp(top)[1] - 1)


def _finite_result(value, what):
    if not math.isfinite(value):
        raise ValueError(f"the {what} overflows float64 (the errors are near "
                         "1.8e308); rescale y_true and y_pred.")
    return value


def _abs_error(a, b):
    """(|a - b| / s, s) with ``s`` a power of two, without overflow."""
    s = _scale_of(a, b)
    if s == 1.0:
        return np.abs(a - b), s
    return np.abs(a / s - b / s), s


def mae(y_true, y_pred, *, sample_weight=None):
    """Mean absolute error.

    Parameters
    ----------
    y_true : array-like of shape (n_timesteps,) or (n_timesteps, n_outputs)
        Actual values (real numbers, finite).
    y_pred : array-like of the same shape
        Forecasts. A 1-D array and a single-column 2-D array are
        interchangeable (as in scikit-learn).
    sample_weight : array-like of shape (n_timesteps,), default=None
        Non-negative weight of each row (not all zero); None weighs rows
        equally.

    Returns
    -------
    float
        ``mean |y_true - y_pred|`` over every value, in the series' units.

    See Also
    --------
    sklearn.metrics.mean_absolute_error : the same for 1-D input.

    Examples
    --------
    >>> from forecasting.metrics import mae
    >>> mae([1.0, 2.0, 3.0], [1.5, 2.0, 2.0])
    0.5
    >>> mae([1.0, 2.0, 3.0], [1.5, 2.0, 2.0], sample_weight=[0, 1, 1])
    0.5
    """
    a, b, w = _pair(y_true, y_pred, sample_weight)
    d, s = _abs_error(a, b)
    return _finite_result(_mean(d, w) * s, "mean absolute error")


def rmse(y_true, y_pred, *, sample_weight=None):
    """Root mean squared error.

    Parameters
    ----------
    y_true : array-like of shape (n_timesteps,) or (n_timesteps, n_outputs)
        Actual values (real numbers, finite).
    y_pred : array-like of the same shape
        Forecasts. A 1-D array and a single-column 2-D array are
        interchangeable (as in scikit-learn).
    sample_weight : array-like of shape (n_timesteps,), default=None
        Non-negative weight of each row (not all zero); None weighs rows
        equally.

    Returns
    -------
    float
        ``sqrt(mean (y_true - y_pred)^2)`` over every value. The squares are
        taken of scaled errors, so errors of 1e-200 or 1e200 neither
        underflow nor overflow.

    See Also
    --------
    sklearn.metrics.root_mean_squared_error : the same for 1-D input.

    Examples
    --------
    >>> from forecasting.metrics import rmse
    >>> rmse([0.0, 0.0, 0.0, 0.0], [3.0, 4.0, 0.0, 0.0])   # sqrt(25 / 4)
    2.5
    >>> rmse([0.0, 0.0, 0.0, 0.0], [3e-200, 4e-200, 0.0, 0.0])   # no underflow
    2.5e-200
    """
    a, b, w = _pair(y_true, y_pred, sample_weight)
    d, s = _abs_error(a, b)
    top = float(d.max())
    if top == 0:
        return 0.0
    if _PLAIN_MIN <= top <= _PLAIN_MAX:        # squares stay normal numbers
        return _finite_result(math.sqrt(_mean(d * d, w)) * s,
                              "root mean squared error")
    return _finite_result(math.sqrt(_mean((d / top) ** 2, w)) * top * s,
                          "root mean squared error")


def mape(y_true, y_pred, *, sample_weight=None):
    """Mean absolute percentage error as a fraction (scikit-learn's convention).

    Parameters
    ----------
    y_true : array-like of shape (n_timesteps,) or (n_timesteps, n_outputs)
        Actual values (real numbers, finite).
    y_pred : array-like of the same shape
        Forecasts. A 1-D array and a single-column 2-D array are
        interchangeable (as in scikit-learn).
    sample_weight : array-like of shape (n_timesteps,), default=None
        Non-negative weight of each row (not all zero); None weighs rows
        equally.

    Returns
    -------
    float
        ``mean |y_true - y_pred| / max(|y_true|, eps)`` with ``eps`` the
        float64 machine epsilon, as
        :func:`sklearn.metrics.mean_absolute_percentage_error`: 0.05 is 5 %;
        an actual value of 0 makes the term huge rather than undefined.

    Examples
    --------
    >>> from forecasting.metrics import mape
    >>> mape([100.0, 200.0], [110.0, 180.0])
    0.1
    """
    a, b, w = _pair(y_true, y_pred, sample_weight)
    eps = np.finfo(np.float64).eps
    den = np.maximum(np.abs(a), eps)
    with np.errstate(over="ignore"):
        terms = np.abs(a - b) / den
        # |a - b| beyond 1.8e308: the halves cannot overflow (and halving
        # normal numbers is exact); a term that still overflows is a true
        # overflow, reported below
        big = ~np.isfinite(terms)
        terms[big] = np.abs(a[big] / 2 - b[big] / 2) / (den[big] / 2)
        value = _mean(terms, w)
    return _finite_result(value, "mean absolute percentage error")


def smape(y_true, y_pred, *, sample_weight=None):
    """Symmetric MAPE as a fraction in [0, 2]; terms with y = yhat = 0 count as 0.

    Parameters
    ----------
    y_true : array-like of shape (n_timesteps,) or (n_timesteps, n_outputs)
        Actual values (real numbers, finite).
    y_pred : array-like of the same shape
        Forecasts. A 1-D array and a single-column 2-D array are
        interchangeable (as in scikit-learn).
    sample_weight : array-like of shape (n_timesteps,), default=None
        Non-negative weight of each row (not all zero); None weighs rows
        equally.

    Returns
    -------
    float
        ``mean 2 |y_true - y_pred| / (|y_true| + |y_pred|)``, between 0 and
        2 (multiply by 100 for the percent that the M competitions report).

    Examples
    --------
    >>> from forecasting.metrics import smape
    >>> smape([1.0, 2.0, 0.0], [3.0, 2.0, 0.0])   # terms 1, 0 and 0/0 = 0
    0.3333333333333333
    """
    a, b, w = _pair(y_true, y_pred, sample_weight)
    # each term is scale-free: divide both by the larger magnitude first, so
    # neither 1e308 (overflow) nor 5e-324 (underflow of the sum) misleads it
    if _scale_of(a, b) == 1.0 and np.all((a == 0) | (np.abs(a) >= _PLAIN_MIN)) \
            and np.all((b == 0) | (np.abs(b) >= _PLAIN_MIN)):
        an, bn = a, b
    else:
        s = np.maximum(np.abs(a), np.abs(b))
        safe = np.where(s > 0, s, 1.0)
        an, bn = a / safe, b / safe
    den = np.abs(an) + np.abs(bn)
    terms = np.divide(2.0 * np.abs(an - bn), den, out=np.zeros_like(den),
                      where=den > 0)
    return _mean(terms, w)


def _check_m(m):
    if isinstance(m, (bool, np.bool_)) or not isinstance(m, Integral):
        raise TypeError(f"m={m!r} must be a positive integer seasonal period "
                        f"(got {type(m).__name__}).")
    if m < 1:
        raise ValueError(f"m={m!r} must be a positive integer seasonal period.")
    return int(m)


def mase_scale(y_train, m=1):
    """In-sample MAE of the seasonal-naive forecast of period ``m``.

    Parameters
    ----------
    y_train : array-like of shape (n_train,) or (n_train, n_outputs)
        The history a forecast was made from (real numbers, finite).
    m : int, default=1
        Seasonal period in steps (1: the random-walk forecast ``y[t - 1]``).

    Returns
    -------
    float
        ``mean |y_train[t] - y_train[t - m]|`` over every value.

    Raises
    ------
    ValueError
        When ``y_train`` has no more than ``m`` values or the scale is 0
        (a series constant at lag ``m``).

    Examples
    --------
    >>> from forecasting.metrics import mase_scale
    >>> mase_scale([1.0, 3.0, 2.0, 5.0, 4.0])   # lag-1 differences 2, 1, 3, 1
    1.75
    """
    m = _check_m(m)
    y = _as_real("y_train", y_train)
    _check_dims("y_train", y)
    if len(y) <= m:
        raise ValueError(f"y_train has {len(y)} values; the MASE scale with m={m} "
                         f"needs more than {m}.")
    if not np.isfinite(y).all():
        pos = int(np.flatnonzero(~np.isfinite(y.ravel()))[0])
        raise ValueError(f"y_train contains NaN or infinity ({y.ravel()[pos]} at "
                         f"flat position {pos}); the MASE scale needs finite values.")
    d, s = _abs_error(y[m:], y[:-m])
    scale = float(np.mean(d)) * s
    if scale == 0:
        raise ValueError(f"y_train is constant at lag m={m}, so the MASE scale is 0 "
                         "and MASE is undefined; use mae instead.")
    return _finite_result(scale, "MASE scale")


def mase(y_true, y_pred, y_train, m=1, *, sample_weight=None):
    """Mean absolute scaled error with seasonal period ``m``.

    Parameters
    ----------
    y_true : array-like of shape (n_timesteps,) or (n_timesteps, n_outputs)
        Actuals of the evaluation window (real numbers, finite).
    y_pred : array-like of the same shape
        Forecasts of the evaluation window.
    y_train : array-like of shape (n_train,) or (n_train, n_outputs)
        The history the forecast was made from (defines the scale).
    m : int, default=1
        Seasonal period of the naive scale (1: the random-walk scale).
    sample_weight : array-like of shape (n_timesteps,), default=None
        Non-negative weight of each evaluation row; the scale is unweighted.

    Returns
    -------
    float
        ``mae(y_true, y_pred) / mase_scale(y_train, m)``: below 1 beats the
        in-sample seasonal-naive forecast (Hyndman & Koehler 2006).

    Examples
    --------
    >>> from forecasting.metrics import mase
    >>> mase([1.0], [2.0], [1.0, 3.0, 2.0, 5.0, 4.0])   # 1 / 1.75
    0.5714285714285714
    """
    a, b, w = _pair(y_true, y_pred, sample_weight)
    d, s = _abs_error(a, b)
    num = _mean(d, w)
    scale = mase_scale(y_train, m)
    value = num / scale * s if num else 0.0
    return _finite_result(value, "MASE")


# -- detection metrics (implemented in forecasting.detection_metrics) --------
from .detection_metrics import (NAB_PROFILES, event_scores,  # noqa: E402
                                nab_normalise, nab_score, point_auc)

__all__ += ["nab_score", "nab_normalise", "event_scores", "point_auc",
            "NAB_PROFILES"]
