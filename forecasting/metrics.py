"""Forecast accuracy metrics, as fractions like scikit-learn's.

``nrmse`` is :func:`reservoir.metrics.nrmse` (normalised by the standard
deviation of ``y_true``), re-exported rather than copied. The others take
``(y_true, y_pred)`` as 1-D or 2-D array-likes (pandas welcome), average over
every value, and return a float:

========  ==============================================================
``mae``    mean |y - yhat|
``rmse``   sqrt(mean (y - yhat)^2)
``mape``   mean |y - yhat| / max(|y|, eps) (a fraction: 0.05 is 5 %),
           as :func:`sklearn.metrics.mean_absolute_percentage_error`
``smape``  mean 2 |y - yhat| / (|y| + |yhat|), in [0, 2]; 0/0 counts as 0
``mase``   mae / mean |y_train[t] - y_train[t - m]| (Hyndman & Koehler
           2006): below 1 beats the in-sample seasonal-naive forecast
========  ==============================================================
"""

from __future__ import annotations

from numbers import Integral

import numpy as np

from reservoir.metrics import nrmse

__all__ = ["mae", "rmse", "mape", "smape", "mase", "nrmse", "mase_scale"]


def _pair(y_true, y_pred):
    a = np.asarray(y_true, dtype=np.float64)
    b = np.asarray(y_pred, dtype=np.float64)
    if a.ndim == 2 and a.shape[1] == 1 and b.ndim == 1:
        a = a[:, 0]
    if b.ndim == 2 and b.shape[1] == 1 and a.ndim == 1:
        b = b[:, 0]
    if a.shape != b.shape:
        raise ValueError(f"y_true has shape {a.shape} but y_pred has shape "
                         f"{b.shape}; they must match.")
    if a.size == 0:
        raise ValueError("y_true is empty; pass at least one value.")
    for name, arr in (("y_true", a), ("y_pred", b)):
        if not np.isfinite(arr).all():
            pos = int(np.flatnonzero(~np.isfinite(arr.ravel()))[0])
            raise ValueError(f"{name} contains {arr.ravel()[pos]} at flat position "
                             f"{pos}; metrics need finite values.")
    return a, b


def mae(y_true, y_pred):
    """Mean absolute error."""
    a, b = _pair(y_true, y_pred)
    return float(np.mean(np.abs(a - b)))


def rmse(y_true, y_pred):
    """Root mean squared error."""
    a, b = _pair(y_true, y_pred)
    return float(np.sqrt(np.mean((a - b) ** 2)))


def mape(y_true, y_pred):
    """Mean absolute percentage error as a fraction (scikit-learn's convention)."""
    a, b = _pair(y_true, y_pred)
    eps = np.finfo(np.float64).eps
    return float(np.mean(np.abs(a - b) / np.maximum(np.abs(a), eps)))


def smape(y_true, y_pred):
    """Symmetric MAPE as a fraction in [0, 2]; terms with y = yhat = 0 count as 0."""
    a, b = _pair(y_true, y_pred)
    num = 2.0 * np.abs(a - b)
    den = np.abs(a) + np.abs(b)
    terms = np.divide(num, den, out=np.zeros_like(num), where=den > 0)
    return float(np.mean(terms))


def mase_scale(y_train, m=1):
    """In-sample MAE of the seasonal-naive forecast of period ``m``.

    Raises
    ------
    ValueError
        When ``y_train`` has no more than ``m`` values or the scale is 0
        (a series constant at lag ``m``).
    """
    if isinstance(m, (bool, np.bool_)) or not isinstance(m, Integral) or m < 1:
        raise ValueError(f"m={m!r} must be a positive integer seasonal period.")
    y = np.asarray(y_train, dtype=np.float64)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if len(y) <= m:
        raise ValueError(f"y_train has {len(y)} values; the MASE scale with m={m} "
                         f"needs more than {m}.")
    if not np.isfinite(y).all():
        raise ValueError("y_train contains NaN or infinity.")
    scale = float(np.mean(np.abs(y[m:] - y[:-m])))
    if scale == 0:
        raise ValueError(f"y_train is constant at lag m={m}, so the MASE scale is 0 "
                         "and MASE is undefined; use mae instead.")
    return scale


def mase(y_true, y_pred, y_train, m=1):
    """Mean absolute scaled error with seasonal period ``m``.

    Parameters
    ----------
    y_true, y_pred : array-like
        Actuals and forecasts of the evaluation window.
    y_train : array-like of shape (n_train,)
        The history the forecast was made from (defines the scale).
    m : int, default=1
        Seasonal period of the naive scale (1: the random-walk scale).
    """
    return mae(y_true, y_pred) / mase_scale(y_train, m)


# -- detection metrics (implemented in forecasting.detection_metrics) --------
from .detection_metrics import (NAB_PROFILES, event_scores,  # noqa: E402
                                nab_normalise, nab_score, point_auc)

__all__ += ["nab_score", "nab_normalise", "event_scores", "point_auc",
            "NAB_PROFILES"]
