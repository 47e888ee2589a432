"""Target transforms, trend and seasonality handling: invertible transforms
and Fourier features.

Pure functions on float arrays (no pandas, no estimators). A history ``Y``
(T, k) becomes the model's target ``Z`` (T - d, k) through, in order,

0. a target transform for positive series (``transform=``): ``log``,
   ``log1p`` or Box-Cox with its parameter fixed at fit
   (:func:`target_forward` / :func:`target_inverse`);
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
           "has_trend", "TARGET_TRANSFORMS", "target_domain_error",
           "guerrero_lambda", "target_forward", "target_inverse"]

#: Target transforms and the open lower bound of their domain.
TARGET_TRANSFORMS = {"log": 0.0, "log1p": -1.0, "box-cox": 0.0}


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


# -- target transforms for positive series -------------------------------------
def target_domain_error(name, Y):
    """Index ``(row, column)`` of the first value of ``Y`` outside the domain
    of the transform ``name`` (values must exceed its lower bound), or None."""
    bad = ~(np.asarray(Y) > TARGET_TRANSFORMS[name])
    if not bad.any():
        return None
    row = int(np.flatnonzero(bad.any(axis=1))[0])
    return row, int(np.flatnonzero(bad[row])[0])


def guerrero_lambda(y, period, low=-1.0, high=2.0):
    """Box-Cox parameter by Guerrero's (1993) method.

    ``y`` (positive, 1-D) is cut into consecutive blocks of ``period``
    observations (at least 2); the parameter is the ``lam`` in
    ``[low, high]`` that makes ``sd_i / mean_i ** (1 - lam)`` most nearly
    constant over the blocks (the smallest coefficient of variation): the
    transform that stabilises the variance, which is what a forecast
    interval of constant width in the transformed space needs. Searched on
    a grid of step 0.01 (the parameter is not worth more digits).
    """
    y = np.asarray(y, dtype=np.float64)
    period = max(2, int(round(period)))
    n_blocks = len(y) // period
    if n_blocks < 2:
        return 1.0
    blocks = y[len(y) - n_blocks * period:].reshape(n_blocks, period)
    mu = blocks.mean(axis=1)
    sd = blocks.std(axis=1, ddof=1)
    keep = sd > 0
    if keep.sum() < 2:
        return 1.0
    mu, sd = mu[keep], sd[keep]
    grid = np.round(np.arange(low, high + 1e-9, 0.01), 2)
    ratio = sd[None, :] / mu[None, :] ** (1.0 - grid[:, None])
    cv = ratio.std(axis=1, ddof=1) / ratio.mean(axis=1)
    return float(grid[int(np.argmin(cv))])


def target_forward(name, lam, Y):
    """The transform ``name`` of ``Y`` (values in its domain); ``lam`` (k,)
    the Box-Cox parameters."""
    Y = np.asarray(Y, dtype=np.float64)
    if name == "log":
        return np.log(Y)
    if name == "log1p":
        return np.log1p(Y)
    lam = np.broadcast_to(lam, Y.shape[1:])
    out = np.empty_like(Y)
    for j, lj in enumerate(lam):
        out[:, j] = np.log(Y[:, j]) if lj == 0 else np.expm1(lj * np.log(Y[:, j])) / lj
    return out


def target_inverse(name, lam, Z):
    """Undo :func:`target_forward`. Box-Cox forecasts beyond the range the
    transform can reach (``lam * z + 1 <= 0``) map to its boundary: 0 for
    ``lam > 0`` (a forecast stays positive), the largest float for ``lam < 0``."""
    Z = np.asarray(Z, dtype=np.float64)
    with np.errstate(over="ignore"):
        if name == "log":
            return np.exp(Z)
        if name == "log1p":
            return np.expm1(Z)
        lam = np.broadcast_to(lam, Z.shape[1:])
        out = np.empty_like(Z)
        for j, lj in enumerate(lam):
            if lj == 0:
                out[:, j] = np.exp(Z[:, j])
                continue
            base = lj * Z[:, j] + 1.0
            with np.errstate(divide="ignore", invalid="ignore"):
                v = np.where(base > 0, np.exp(np.log(np.where(base > 0, base, 1.0)) / lj),
                             0.0 if lj > 0 else np.finfo(np.float64).max)
            out[:, j] = v
        return out
