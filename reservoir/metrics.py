"""Reservoir observables: normalised error and memory capacity.

``forecasting`` builds its forecast and detection metrics on these rather than
copying them.
"""

from numbers import Integral, Real

import numpy as np

from ._sequences import check_scalar_param

__all__ = ["memory_capacity", "nrmse"]


def _as_float_array(name, value):
    """Convert to a float64 array; TypeError for non-numeric input.

    Metrics score one aligned pair of arrays, not the many-sequence structures
    of ``_sequences.check_X``, so their array checks stay here. Object arrays
    of real numbers (as pandas gives for mixed columns) are numbers.
    """
    try:
        array = np.asarray(value)
    except ValueError as exc:       # ragged nested lists
        raise ValueError(f"{name} cannot be read as an array ({exc}); pass a "
                         "rectangular array-like.") from None
    if array.dtype.kind == "O":
        flat = array.ravel().tolist()
        numbers = (Real, np.bool_)
        if not all(isinstance(v, numbers) for v in flat):
            bad = next(v for v in flat if not isinstance(v, numbers))
            raise TypeError(
                f"{name} must hold real numbers, got an object array holding "
                f"{bad!r} ({type(bad).__name__}); pass a numeric array-like.")
        try:
            return array.astype(np.float64)
        except OverflowError:
            raise ValueError(f"{name} holds an integer too large for float64 "
                             "(beyond about 1.8e308); rescale it.") from None
    if array.dtype.kind not in "biuf":
        raise TypeError(
            f"{name} must hold real numbers, got dtype {array.dtype}; pass a numeric "
            "array-like."
        )
    if array.dtype.kind == "f" and array.dtype.itemsize > 8 and array.size:
        finite = np.abs(array[np.isfinite(array)])
        if finite.size and finite.max() > np.finfo(np.float64).max:
            raise ValueError(f"{name} holds values beyond the float64 range; "
                             "rescale it.")
    return array.astype(np.float64, copy=False)


def _check_finite(name, array):
    bad = ~np.isfinite(array)
    if np.any(bad):
        position = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(
            f"{name} contains {float(array[position])} at position {position}; nrmse "
            "and memory_capacity need finite values. Remove or impute them first."
        )


def _check_2d_or_1d(name, array):
    if array.ndim not in (1, 2):
        raise ValueError(
            f"{name} must be 1-D (n_timesteps,) or 2-D (n_timesteps, n_outputs), "
            f"got shape {array.shape}."
        )
    if array.size == 0:
        raise ValueError(f"{name} is empty (shape {array.shape}); pass at least two samples.")


def nrmse(y_true, y_pred, *, multioutput="uniform_average"):
    """Normalised root mean squared error, normalised by the target's std.

    Parameters
    ----------
    y_true : array-like of shape (n_timesteps,) or (n_timesteps, n_outputs)
        Ground truth.
    y_pred : array-like of the same shape
        Predictions. A 1-D array and a single-column 2-D array are
        interchangeable (as in scikit-learn).
    multioutput : {"raw_values", "uniform_average"} or array-like of shape \
(n_outputs,), default="uniform_average"
        How to combine outputs, as in :func:`sklearn.metrics.mean_squared_error`:
        one value per output, their mean, or their average with the given
        weights.

    Returns
    -------
    score : float or ndarray of shape (n_outputs,)
        Per output ``sqrt(mean((y_true - y_pred)**2)) / std(y_true)``; a
        float unless ``multioutput="raw_values"``. 0 is perfect; 1 is what
        predicting the target's mean scores.

    Raises
    ------
    ValueError
        On shape mismatch, empty input, NaN or inf, or a constant target
        column (zero variance leaves the ratio undefined).

    Notes
    -----
    The normaliser is the population standard deviation (``ddof=0``) of each
    target column, so ``nrmse**2`` equals the mean squared error divided by
    the target variance, i.e. ``1 - R^2`` for unbiased predictions; the
    standard deviation is that of ``y_true`` alone, not of the residual.
    This is the NRMSE of Jaeger & Haas [1]_ (squared error divided by the
    target variance under the square root). Papers and peer libraries
    differ: reservoirpy's ``nrmse`` divides the RMSE by the range
    ``max - min`` by default and, with ``norm="var"``, by the variance itself
    (not its square root); others normalise by the root mean square of the
    target, ``sqrt(mean(y_true**2))``, or report the unrooted NMSE. Convert
    before comparing numbers across sources.

    References
    ----------
    .. [1] H. Jaeger and H. Haas, "Harnessing nonlinearity: predicting chaotic
       systems and saving energy in wireless communication", Science
       304(5667), 78-80, 2004.

    Examples
    --------
    >>> from reservoir.metrics import nrmse
    >>> nrmse([1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0, 5.0])  # rmse 0.5, std sqrt(1.25)
    0.4472135954999579
    >>> nrmse([[0.0, 1.0], [2.0, 3.0]], [[0.0, 1.0], [2.0, 4.0]], multioutput="raw_values")
    array([0.        , 0.70710678])
    """
    y_true = _as_float_array("y_true", y_true)
    y_pred = _as_float_array("y_pred", y_pred)
    _check_2d_or_1d("y_true", y_true)
    _check_2d_or_1d("y_pred", y_pred)
    true_2d = y_true.reshape(len(y_true), -1)
    pred_2d = y_pred.reshape(len(y_pred), -1)
    if true_2d.shape != pred_2d.shape:
        raise ValueError(
            f"y_true has shape {y_true.shape} but y_pred has shape {y_pred.shape}; "
            "they must have the same number of timesteps and outputs."
        )
    _check_finite("y_true", y_true)
    _check_finite("y_pred", y_pred)
    n_outputs = true_2d.shape[1]

    if isinstance(multioutput, str):
        if multioutput not in ("raw_values", "uniform_average"):
            raise ValueError(
                f"multioutput={multioutput!r} is not supported; pass 'raw_values', "
                "'uniform_average' or an array of n_outputs weights."
            )
        weights = None
    else:
        weights = _as_float_array("multioutput", multioutput)
        if weights.shape != (n_outputs,):
            raise ValueError(
                f"multioutput weights have shape {weights.shape} but there are "
                f"{n_outputs} outputs; pass an array of shape ({n_outputs},)."
            )
        _check_finite("multioutput", weights)
        if np.any(weights < 0) or not np.any(weights > 0):
            raise ValueError(
                f"multioutput weights {weights.tolist()} must be non-negative "
                "and not all zero (they weight the average over outputs)."
            )

    constant = np.all(true_2d == true_2d[:1], axis=0)
    if np.any(constant):
        column = int(np.flatnonzero(constant)[0])
        raise ValueError(
            f"y_true is constant in output {column} (value {float(true_2d[0, column])}, "
            f"{len(true_2d)} timesteps), so its standard deviation is 0 and nrmse "
            "is undefined; score that output with an unnormalised error (e.g. "
            "sklearn.metrics.root_mean_squared_error) or drop it."
        )

    # nrmse is invariant to scaling an output (truth and prediction alike):
    # work at unit magnitude, so that squares of 1e300- or 1e-300-scale data
    # neither overflow nor underflow. Power-of-two scales are exact, so
    # ordinary data get the bits of the unscaled formula.
    # The residual gets its own scale too: an error 1e-184 times the target's
    # size is small, not zero.
    s_true = _power_of_two_above(np.abs(true_2d).max(axis=0))   # > 0: not constant
    s_both = np.maximum(s_true, _power_of_two_above(np.abs(pred_2d).max(axis=0)))
    resid = true_2d / s_both - pred_2d / s_both
    s_resid = _power_of_two_above(np.abs(resid).max(axis=0))
    rmse = s_resid * np.sqrt(np.mean((resid / np.where(s_resid, s_resid, 1.0)) ** 2,
                                     axis=0))
    with np.errstate(over="ignore"):   # a ratio beyond 1.8e308 is inf
        scores = rmse / np.std(true_2d / s_true, axis=0) * (s_both / s_true)
    if weights is None and multioutput == "raw_values":
        return scores
    return float(np.average(scores, weights=weights))


def _power_of_two_above(x):
    """The smallest power of two above ``|x|`` elementwise; 0 for 0 (so that a
    zero column never sets the scale of another)."""
    x = np.asarray(x, dtype=np.float64)
    return np.where(x == 0, 0.0, np.ldexp(1.0, np.frexp(x)[1]))


def memory_capacity(u, Y_pred, *, max_delay=None, return_per_delay=False):
    """Short-term memory capacity from delayed-input reconstructions.

    Parameters
    ----------
    u : array-like of shape (n_timesteps,) or (n_timesteps, 1)
        The scalar input that drove the system.
    Y_pred : array-like of shape (n_timesteps, K)
        Outputs of the trained readouts, rows aligned with ``u``: column
        ``k - 1`` estimates ``u[t - k]`` at row ``t`` (delays 1..K, as
        produced by :func:`reservoir.datasets.memory_capacity_task`).
    max_delay : int or None, default=None
        Use only delays ``1..max_delay`` (the first ``max_delay`` columns);
        None uses all K columns.
    return_per_delay : bool, default=False
        Also return the per-delay values.

    Returns
    -------
    mc : float
        Memory capacity, ``sum_k MC_k``, between 0 and ``max_delay``.
    mc_per_delay : ndarray of shape (max_delay,)
        ``MC_k`` at index ``k - 1``; only if ``return_per_delay=True``.

    Raises
    ------
    ValueError
        On shape mismatch, NaN or inf, too few timesteps
        (``n_timesteps < max_delay + 2``), or an input constant over a
        window.

    Notes
    -----
    After Jaeger [1]_, the memory function is the squared Pearson correlation
    (the determination coefficient)

    .. math::

        MC_k = \\frac{\\operatorname{cov}^2(u(t-k), y_k(t))}
                    {\\operatorname{var}(u(t-k)) \\operatorname{var}(y_k(t))},
        \\qquad MC = \\sum_{k=1}^{K} MC_k.

    For delay k the sum runs over rows ``t = k .. n_timesteps - 1`` of the
    arrays passed in: the first k rows of column ``k - 1`` are ignored,
    because their target ``u[t - k]`` lies before the start of ``u``. To score
    after a washout, slice both arrays the same way (``u[w:]``,
    ``Y_pred[w:]``); delay k then uses ``n_timesteps - w - k`` rows. A
    constant prediction column has no correlation with anything and scores
    0. Since the correlation is invariant to affine maps of the prediction,
    a readout that is right up to scale and offset still scores 1.

    For a linear readout of N reservoir units with iid input, ``MC <= N``
    (Jaeger's bound); finite samples make in-sample estimates slightly
    optimistic, so score on data the readouts were not trained on.

    References
    ----------
    .. [1] H. Jaeger, "Short term memory in echo state networks", GMD Report
       152, German National Research Center for Information Technology, 2001.

    Examples
    --------
    >>> from reservoir.datasets import memory_capacity_task
    >>> from reservoir.metrics import memory_capacity
    >>> u, Y = memory_capacity_task(500, max_delay=5, random_state=0)
    >>> round(memory_capacity(u, Y), 12)  # perfect recall of 5 delays
    5.0
    >>> mc, per_delay = memory_capacity(u, Y[:, :3], return_per_delay=True)
    >>> per_delay.shape
    (3,)
    """
    u = _as_float_array("u", u)
    Y_pred = _as_float_array("Y_pred", Y_pred)
    if u.ndim == 2 and u.shape[1] == 1:
        u = u[:, 0]
    if u.ndim != 1:
        raise ValueError(
            f"u must be 1-D (n_timesteps,) or 2-D (n_timesteps, 1), got shape {u.shape}; "
            "memory capacity is defined for a scalar input."
        )
    if Y_pred.ndim != 2:
        raise ValueError(
            f"Y_pred must be 2-D (n_timesteps, n_delays), got shape {Y_pred.shape}; "
            "for a single delay pass Y_pred.reshape(-1, 1)."
        )
    if Y_pred.shape[0] != u.shape[0]:
        raise ValueError(
            f"u has {u.shape[0]} timesteps but Y_pred has {Y_pred.shape[0]}; rows "
            "must be aligned (slice both the same way after a washout)."
        )
    n_timesteps, n_delays = Y_pred.shape
    if n_delays == 0:
        raise ValueError("Y_pred has no columns; pass one column per delay 1..K.")
    if max_delay is None:
        max_delay = n_delays
    else:
        hint = f"Pass None or a delay up to the number of Y_pred columns ({n_delays})."
        max_delay = check_scalar_param(
            max_delay, "max_delay", kind=Integral, low=1, high=n_delays, hint=hint
        )
        max_delay = int(max_delay)
    if n_timesteps < max_delay + 2:
        raise ValueError(
            f"{n_timesteps} timesteps are too few for max_delay={max_delay}: delay k "
            "uses rows k.. and a correlation needs at least 2 of them; pass at "
            f"least {max_delay + 2} timesteps (many more for a reliable estimate)."
        )
    _check_finite("u", u)
    _check_finite("Y_pred", Y_pred[:, :max_delay])

    per_delay = np.empty(max_delay, dtype=np.float64)
    for k in range(1, max_delay + 1):
        # a correlation is scale invariant: work at unit magnitude (exact
        # power-of-two scales) so that 1e300 or 1e-300 data do not overflow
        target = u[: n_timesteps - k]
        target = target / (_power_of_two_above(np.abs(target).max()) or 1.0)
        output = Y_pred[k:, k - 1]
        output = output / (_power_of_two_above(np.abs(output).max()) or 1.0)
        # exact constancy tests: centring a constant leaves rounding noise
        if np.all(target == target[0]):
            raise ValueError(
                f"u is constant over rows 0..{n_timesteps - k - 1} (the targets of "
                f"delay {k}), so its correlation with any output is undefined; "
                "drive the system with a varying (e.g. iid random) input."
            )
        if np.all(output == output[0]):
            per_delay[k - 1] = 0.0
            continue
        target = target - target.mean()
        output = output - output.mean()
        corr = (target @ output) / np.sqrt((target @ target) * (output @ output))
        per_delay[k - 1] = min(corr * corr, 1.0)
    mc = float(per_delay.sum())
    if return_per_delay:
        return mc, per_delay
    return mc
