"""Trend and seasonality handling: invertible transforms and Fourier features.

Pure functions on float arrays (no pandas, no estimators). A history ``Y``
(T, k) becomes the model's target ``Z`` (T - d, k) through, in order,

1. ``trend="linear"``: subtract ``a + b t`` fitted by least squares on the
   training history (kept fixed afterwards);
2. ``seasonality="difference"``: ``z(t) = y(t) - y(t - m)``;
3. ``trend="difference"``: ``z(t) = y(t) - y(t - 1)``;

and forecasts go back through the inverse, in reverse order, using the
history's last values.
"""

from __future__ import annotations

import numpy as np

__all__ = ["Plan", "forward", "inverse", "fourier_features", "fit_linear_trend",
           "has_trend"]


class Plan:
    """Transform parameters fixed at fit time.

    Attributes
    ----------
    coef : ndarray of shape (2, k) or None
        Intercept and slope of the linear trend (per column), if any.
    lags : tuple of int
        Differencing lags applied in order (``m`` then ``1``).
    """

    def __init__(self, coef=None, lags=()):
        self.coef = coef
        self.lags = tuple(int(lag) for lag in lags)

    @property
    def n_lost(self):
        """Observations lost at the start by differencing."""
        return int(sum(self.lags))


def fit_linear_trend(Y):
    """Least-squares intercept and slope per column, time t = 0..T-1."""
    t = np.arange(len(Y), dtype=np.float64)
    A = np.column_stack([np.ones_like(t), t])
    coef, *_ = np.linalg.lstsq(A, Y, rcond=None)
    return coef


def _trend(coef, t):
    return coef[0] + np.outer(t, coef[1])


def forward(plan, Y, t0=0):
    """Return ``(Z, levels)``: the transformed series and, for the inverse,
    the series before each differencing (last level last)."""
    Z = np.asarray(Y, dtype=np.float64)
    if plan.coef is not None:
        Z = Z - _trend(plan.coef, t0 + np.arange(len(Z), dtype=np.float64))
    levels = []
    for lag in plan.lags:
        levels.append(Z)
        Z = Z[lag:] - Z[:-lag]
    return Z, levels


def inverse(plan, Z_future, levels, t_start):
    """Undo :func:`forward` for forecasts ``Z_future`` (n, k) of the steps
    after the history whose levels are ``levels``; ``t_start`` is the time
    position of the first forecast (for the linear trend)."""
    out = np.asarray(Z_future, dtype=np.float64)
    for lag, level in zip(reversed(plan.lags), reversed(levels)):
        n = len(out)
        ext = np.empty((len(level) + n, out.shape[1]))
        ext[:len(level)] = level
        T = len(level)
        for i in range(n):          # n is the horizon, not the history length
            ext[T + i] = out[i] + ext[T + i - lag]
        out = ext[T:]
    if plan.coef is not None:
        out = out + _trend(plan.coef, t_start + np.arange(len(out), dtype=np.float64))
    return out


def fourier_features(t, seasons, n_fourier):
    """``sin/cos(2 pi j t / s)`` for each season s and harmonic j = 1..n_fourier
    (harmonics at or above the Nyquist rate, ``2 j >= s``, are skipped).

    Returns
    -------
    ndarray of shape (len(t), n_columns)
    """
    t = np.asarray(t, dtype=np.float64)
    cols = []
    for s in seasons:
        for j in range(1, n_fourier + 1):
            if 2 * j >= s:
                break
            angle = 2.0 * np.pi * j * t / s
            cols.append(np.sin(angle))
            cols.append(np.cos(angle))
    if not cols:
        return np.empty((len(t), 0))
    return np.column_stack(cols)


def has_trend(Y, n_blocks=5):
    """The ``trend="auto"`` rule: does the level drift out of its own range?

    The history is cut into ``n_blocks`` equal blocks. A column trends when
    its block means move monotonically and the first-to-last change exceeds
    the average within-block standard deviation: the level then leaves the
    range a bounded (tanh) network was trained on, and first differences
    are modelled instead. Seasonal swings and level shifts that come back
    do not trigger it.
    """
    Y = np.asarray(Y, dtype=np.float64)
    T = len(Y)
    if T < 2 * n_blocks:
        return False
    size = T // n_blocks
    blocks = Y[T - size * n_blocks:].reshape(n_blocks, size, -1)
    means = blocks.mean(axis=1)                         # (n_blocks, k)
    spread = blocks.std(axis=1).mean(axis=0)            # (k,)
    steps = np.diff(means, axis=0)
    monotone = np.all(steps > 0, axis=0) | np.all(steps < 0, axis=0)
    large = np.abs(means[-1] - means[0]) > spread
    return bool(np.any(monotone & large))
