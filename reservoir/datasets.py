"""Generated benchmark series for reservoir computing.

Every generator is a pure function of its arguments: the same ``random_state``
gives bit-identical arrays.

Randomness convention
---------------------
``random_state`` follows scikit-learn: ``None`` (numpy's global
``RandomState``), an ``int`` seed, or a ``numpy.random.RandomState`` instance,
resolved with :func:`sklearn.utils.check_random_state`. A
``numpy.random.Generator`` is not accepted (pass an ``int`` drawn from it
instead), so that every random draw in the project comes from one kind of
generator.

The integrators are plain Python loops over Python floats. They are
sequential by nature (each step needs the previous one) and fast enough that a
compiled kernel would cost more in compile time than it saves: about 0.03 s for
10,000 Mackey-Glass samples (110,000 Euler steps) and 1 microsecond per Lorenz
RK4 step.
"""

import math
from numbers import Integral, Real

import numpy as np
from sklearn.utils import check_random_state

from ._sequences import check_scalar_param, memory_for

__all__ = [
    "lorenz",
    "mackey_glass",
    "mackey_glass_squash",
    "mackey_glass_unsquash",
    "memory_capacity_task",
    "narma",
]

# NARMA outputs beyond this magnitude (or non-finite) count as divergence.
_NARMA_DIVERGENCE_BOUND = 1e3


# --------------------------------------------------------------------------
# argument checks (scalar arguments of the generators)
# --------------------------------------------------------------------------


def _check_int(name, value, *, min_value, hint=""):
    """Validate an integer argument (via the package's one validator)."""
    hint = hint or f"Pass an integer >= {min_value}."
    value = check_scalar_param(value, name, kind=Integral, low=min_value, hint=hint)
    return int(value)


def _check_real(
    name, value, *, low=None, high=None, low_open=False, high_open=False, hint=""
):
    """Validate a finite real argument (via the package's one validator)."""
    value = check_scalar_param(
        value,
        name,
        kind=Real,
        low=low,
        high=high,
        low_inclusive=not low_open,
        high_inclusive=not high_open,
        hint=hint,
    )
    return float(value)


def _memory_for(n_values, bytes_per_value, **sizes):
    """Refuse, naming the size arguments, a request for more values than this
    machine can hold (NumPy and Python's own refusals name nothing)."""
    what = ", ".join(f"{k}={v}" for k, v in sizes.items())
    return memory_for(n_values * bytes_per_value, what)


def _float_values(value, name):
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must hold real numbers ({exc}).") from None


def _check_random_state(random_state):
    if isinstance(random_state, np.random.Generator):
        raise TypeError(
            f"random_state={random_state!r} is a numpy Generator; this package "
            "follows scikit-learn and takes None, an int seed or a "
            "numpy.random.RandomState. Pass e.g. "
            "random_state=int(rng.integers(2**31 - 1)) instead."
        )
    try:
        return check_random_state(random_state)
    except ValueError as exc:
        raise TypeError(
            f"random_state={random_state!r} is not valid; pass None, an int "
            "seed or a numpy.random.RandomState."
        ) from exc


# --------------------------------------------------------------------------
# Mackey-Glass
# --------------------------------------------------------------------------


def _mackey_glass_euler(history, n_steps, delay, a, b, n, dt):
    """Euler-integrate Mackey-Glass after a given history.

    ``history`` holds ``delay + 1`` values x(-tau), ..., x(0) on the grid of
    step ``dt``; returns a list of length ``delay + 1 + n_steps`` with the
    history followed by x(dt), ..., x(n_steps * dt). Update:
    ``x[i+1] = x[i] + dt * (a * x[i-delay] / (1 + x[i-delay]**n) - b * x[i])``.
    A non-finite value, once reached, stays to the end (NaN from there on
    after an overflow of ``**``), so the last value tells divergence.
    """
    x = list(history) + [0.0] * n_steps
    try:
        for i in range(delay, delay + n_steps):
            xd = x[i - delay]
            xi = x[i]
            x[i + 1] = xi + dt * (a * xd / (1.0 + xd**n) - b * xi)
    except OverflowError:   # Python's float ** raises where * would give inf
        x[i + 1:] = [math.nan] * (len(x) - i - 1)
    return x


def mackey_glass(
    n_timesteps,
    tau=17,
    a=0.2,
    b=0.1,
    n=10,
    x0=1.2,
    dt=0.1,
    subsample=10,
    discard=1000,
    history_noise=0.01,
    random_state=None,
):
    """Generate a Mackey-Glass chaotic time series.

    Integrates the delay differential equation

    .. math:: \\frac{dx}{dt} = a \\frac{x(t - \\tau)}{1 + x(t - \\tau)^n} - b x(t)

    with Euler steps of size ``dt`` and keeps every ``subsample``-th value.

    Parameters
    ----------
    n_timesteps : int
        Number of returned samples, >= 1.
    tau : float, default=17
        Delay. ``tau / dt`` must be a whole number of steps. ``tau=17`` gives a
        mildly chaotic attractor, ``tau=30`` a more complex one.
    a, b : float, default=0.2, 0.1
        Production and decay rates, >= 0 (``b * dt < 1``).
    n : float, default=10
        Exponent of the nonlinearity, > 0.
    x0 : float, default=1.2
        Constant initial history x(t) = x0 for -tau <= t <= 0, > 0.
    dt : float, default=0.1
        Euler step size, > 0.
    subsample : int, default=10
        Keep one value every ``subsample`` Euler steps; the returned series is
        sampled every ``subsample * dt`` time units (1 by default).
    discard : int, default=1000
        Number of initial returned-grid samples dropped as a transient (that
        is ``discard * subsample * dt`` time units; 1000 by default).
    history_noise : float, default=0.01
        Half-width of the uniform perturbation added to every point of the
        initial history, drawn from ``random_state``; must lie in
        ``[0, x0)``. With ``history_noise=0`` the output does not depend on
        ``random_state``.
    random_state : int, RandomState instance or None, default=None
        Seed for the history perturbation (scikit-learn convention; numpy
        ``Generator`` objects are not accepted).

    Returns
    -------
    x : ndarray of shape (n_timesteps,), dtype float64
        ``x[j] = x((discard + j) * subsample * dt)``, where t = 0 is the end of
        the initial history.

    See Also
    --------
    mackey_glass_squash, mackey_glass_unsquash : Jaeger's tanh(x - 1) transform.

    Notes
    -----
    The history is x(t) = x0 + e(t) for t in [-tau, 0] on the Euler grid,
    with e iid uniform on ``[-history_noise, history_noise]``, so different
    seeds give different trajectories.

    Jaeger's protocol [1]_ [2]_: tau = 17, a = 0.2, b = 0.1, n = 10, Euler
    steps of 0.1 subsampled every 10 steps (one sample per unit time), which
    are the defaults here. With them the series has mean about 0.93 and
    standard deviation about 0.23. Jaeger & Haas (2004) squash the series with
    ``tanh(x - 1)`` before feeding it to the ESN and undo it on the output with
    ``arctanh(y) + 1``; :func:`mackey_glass_squash` and
    :func:`mackey_glass_unsquash` do exactly that and are kept separate so the
    raw series stays available for scoring.

    The delay is realised as an exact number of Euler steps, ``tau / dt``,
    so ``tau`` must be a multiple of ``dt`` (no interpolation).

    References
    ----------
    .. [1] M. C. Mackey and L. Glass, "Oscillation and chaos in physiological
       control systems", Science 197(4300), 287-289, 1977.
    .. [2] H. Jaeger and H. Haas, "Harnessing nonlinearity: predicting chaotic
       systems and saving energy in wireless communication", Science
       304(5667), 78-80, 2004.

    Examples
    --------
    >>> from reservoir.datasets import mackey_glass
    >>> x = mackey_glass(5000, random_state=0)
    >>> x.shape
    (5000,)
    >>> round(float(x.mean()), 1), round(float(x.std()), 1)
    (0.9, 0.2)
    """
    n_timesteps = _check_int("n_timesteps", n_timesteps, min_value=1)
    tau = _check_real(
        "tau", tau, low=0.0, low_open=True, hint="17 (mild chaos) and 30 are standard."
    )
    a = _check_real("a", a, low=0.0)
    b = _check_real("b", b, low=0.0)
    n = _check_real("n", n, low=0.0, low_open=True)
    x0 = _check_real("x0", x0, low=0.0, low_open=True, hint="1.2 is standard.")
    dt = _check_real("dt", dt, low=0.0, low_open=True, hint="0.1 is standard.")
    subsample = _check_int("subsample", subsample, min_value=1)
    discard = _check_int("discard", discard, min_value=0)
    history_noise = _check_real("history_noise", history_noise, low=0.0)
    if history_noise >= x0:
        raise ValueError(
            f"history_noise={history_noise} must be smaller than x0={x0} so the "
            "initial history stays positive; pass a smaller history_noise."
        )
    if b * dt >= 1.0:
        raise ValueError(
            f"b * dt = {b * dt} must be < 1 for a stable Euler step (b={b}, "
            f"dt={dt}); pass a smaller dt."
        )
    delay_float = tau / dt
    if not math.isfinite(delay_float):
        raise ValueError(f"tau / dt = {tau} / {dt} overflows; pass a tau that "
                         "is a modest multiple of dt (e.g. tau=17, dt=0.1).")
    delay = round(delay_float)
    if delay < 1 or abs(delay_float - delay) > 1e-9 * max(1.0, delay_float):
        raise ValueError(
            f"tau={tau} must be a positive whole multiple of dt={dt} "
            f"(tau / dt = {delay_float}); pass e.g. tau={max(delay, 1) * dt:g}."
        )
    rng = _check_random_state(random_state)

    n_steps = (discard + n_timesteps - 1) * subsample
    # a list of Python floats: a pointer and, mostly, a float object per step
    with _memory_for(delay + 1 + n_steps, 32, n_timesteps=n_timesteps, tau=tau,
                     dt=dt, subsample=subsample, discard=discard):
        history = np.full(delay + 1, x0)
        if history_noise > 0:
            history += rng.uniform(-history_noise, history_noise, size=delay + 1)
        x = _mackey_glass_euler(history.tolist(), n_steps, delay, a, b, n, dt)
    start = delay + discard * subsample
    out = np.asarray(x[start::subsample], dtype=np.float64)[:n_timesteps]
    # a divergence in the discarded transient too: non-finite values persist
    if not (np.all(np.isfinite(out)) and math.isfinite(x[-1])):
        raise ValueError(
            "Mackey-Glass integration diverged (non-finite values) with "
            f"a={a}, b={b}, n={n}, dt={dt}; pass a smaller dt or the standard "
            "parameters a=0.2, b=0.1, n=10."
        )
    return out


def mackey_glass_squash(x):
    """Squash a Mackey-Glass series into (-1, 1) with ``tanh(x - 1)``.

    Parameters
    ----------
    x : array-like
        Mackey-Glass values (around 0.2-1.4 for the standard parameters).

    Returns
    -------
    y : ndarray of float64, same shape as ``x``
        ``tanh(x - 1)``.

    See Also
    --------
    mackey_glass_unsquash : The inverse map.

    Notes
    -----
    The input transform of Jaeger & Haas (2004), Science 304, 78-80, which
    centres the series and bounds it for a tanh reservoir.

    Examples
    --------
    >>> from reservoir.datasets import mackey_glass_squash, mackey_glass_unsquash
    >>> float(mackey_glass_squash(1.0))
    0.0
    >>> float(mackey_glass_unsquash(mackey_glass_squash(1.2)))
    1.2
    """
    return np.tanh(_float_values(x, "x") - 1.0)


def mackey_glass_unsquash(y):
    """Undo :func:`mackey_glass_squash`: ``arctanh(y) + 1``.

    Parameters
    ----------
    y : array-like
        Squashed values, strictly inside (-1, 1).

    Returns
    -------
    x : ndarray of float64, same shape as ``y``
        ``arctanh(y) + 1``.

    Raises
    ------
    ValueError
        If any value lies outside (-1, 1), where arctanh is infinite or
        undefined (a model's prediction can overshoot; clip it first, e.g.
        ``np.clip(y, -1 + 1e-12, 1 - 1e-12)``).

    Notes
    -----
    Jaeger & Haas (2004), Science 304, 78-80, map the ESN output back to the
    original scale this way.

    Examples
    --------
    >>> from reservoir.datasets import mackey_glass_unsquash
    >>> float(mackey_glass_unsquash(0.0))
    1.0
    """
    y = _float_values(y, "y")
    bad = ~(np.abs(y) < 1.0)
    if np.any(bad):
        position = tuple(int(i) for i in np.argwhere(bad)[0])
        value = y[position] if y.ndim else y
        raise ValueError(
            f"y must lie strictly inside (-1, 1); found {float(value)!r} at "
            f"position {position}. Clip predictions first, e.g. "
            "np.clip(y, -1 + 1e-12, 1 - 1e-12)."
        )
    return np.arctanh(y) + 1.0


# --------------------------------------------------------------------------
# NARMA
# --------------------------------------------------------------------------


def _narma_recurrence(u, order):
    """Run the NARMA recurrence on inputs ``u`` (a list of floats).

    Returns ``(y, t_fail)``: ``y`` is a list with ``y[t] = y(t + 1)`` for
    t = 0..len(u)-1 (zero history before t = 0), and ``t_fail`` the first t
    whose output is non-finite or beyond the divergence bound (else -1).
    Update: ``y(t+1) = 0.3 y(t) + 0.05 y(t) sum_{i<order} y(t-i)
    + 1.5 u(t-order+1) u(t) + 0.1``.
    """
    n_timesteps = len(u)
    # rec[j] = y(j - order), so rec[order + t] = y(t); y(t) = 0 for t <= 0
    rec = [0.0] * (order + n_timesteps + 1)
    for t in range(n_timesteps):
        j = order + t
        y_t = rec[j]
        u_lag = u[t - order + 1] if t >= order - 1 else 0.0
        window_sum = sum(rec[j - order + 1 : j + 1])  # y(t - order + 1) .. y(t)
        y_next = 0.3 * y_t + 0.05 * y_t * window_sum + 1.5 * u_lag * u[t] + 0.1
        rec[j + 1] = y_next
        if not abs(y_next) <= _NARMA_DIVERGENCE_BOUND:  # also catches NaN
            return rec[order + 1 :], t
    return rec[order + 1 :], -1


def narma(n_timesteps, order=10, washout=200, max_tries=10, random_state=None):
    """Generate a NARMA (nonlinear autoregressive moving average) task.

    Parameters
    ----------
    n_timesteps : int
        Length of the returned input and target, >= 1.
    order : int, default=10
        Order n of the system (memory it requires), >= 1.
    washout : int, default=200
        Number of initial steps generated and dropped (the recurrence starts
        from zero history), >= 0.
    max_tries : int, default=10
        How many input sequences to draw before giving up when the recurrence
        diverges (see Notes), >= 1.
    random_state : int, RandomState instance or None, default=None
        Seed for the inputs (scikit-learn convention; numpy ``Generator``
        objects are not accepted).

    Returns
    -------
    u : ndarray of shape (n_timesteps,), dtype float64
        Input, iid uniform on [0, 0.5].
    y : ndarray of shape (n_timesteps,), dtype float64
        Target aligned for causal prediction: ``y[t] = y(t + 1)`` of the
        recurrence, a function of ``u[0..t]`` only. A model that has seen
        ``u[:t + 1]`` must output ``y[t]``.

    Raises
    ------
    ValueError
        If all ``max_tries`` draws diverge (non-finite or ``|y| > 1e3``),
        which is the norm for ``order >= 11`` (see Notes).

    Notes
    -----
    For order n the recurrence is [1]_ [2]_

    .. math::

        y(t+1) = 0.3\\, y(t) + 0.05\\, y(t) \\sum_{i=0}^{n-1} y(t-i)
                 + 1.5\\, u(t-n+1)\\, u(t) + 0.1,

    with u(t) iid uniform on [0, 0.5] and u(t) = y(t) = 0 for t < 0 (and
    y(0) = 0). For n = 10 it is the standard NARMA-10 benchmark; other orders
    use this common generalisation with the same coefficients.

    The recurrence is not stable for every input draw: NARMA-10 diverges in
    about 1 draw in 200 of 2,000 steps and 1 in 20 of 10,000 steps, and
    orders of 11 and more diverge within a few hundred to a few thousand
    steps for almost every draw (the sum of n past outputs grows with n).
    Divergence means a non-finite value or ``|y| > 1e3``. When a draw diverges
    the whole input (washout included) is drawn again from the same
    generator, up to ``max_tries`` times, so the result stays a deterministic
    function of ``random_state``; ``max_tries=1`` turns this off. Literature
    on NARMA-20 and higher usually changes the system instead (e.g. a tanh
    around the right-hand side or smaller coefficients); that is not done
    here.

    References
    ----------
    .. [1] A. F. Atiya and A. G. Parlos, "New results on recurrent network
       training: unifying the algorithms and accelerating convergence", IEEE
       Transactions on Neural Networks 11(3), 697-709, 2000.
    .. [2] H. Jaeger, "Adaptive nonlinear system identification with echo
       state networks", NIPS 15, 2002.

    Examples
    --------
    >>> from reservoir.datasets import narma
    >>> u, y = narma(1000, random_state=0)
    >>> u.shape, y.shape
    ((1000,), (1000,))
    >>> bool(u.min() >= 0.0 and u.max() <= 0.5)
    True
    """
    n_timesteps = _check_int("n_timesteps", n_timesteps, min_value=1)
    order = _check_int("order", order, min_value=1)
    washout = _check_int("washout", washout, min_value=0)
    max_tries = _check_int("max_tries", max_tries, min_value=1)
    rng = _check_random_state(random_state)

    total = washout + n_timesteps
    for _ in range(max_tries):
        # the inputs, their list and the recurrence's list (order + total long)
        with _memory_for(2 * total + order, 40, n_timesteps=n_timesteps,
                         washout=washout, order=order):
            u = rng.uniform(0.0, 0.5, size=total)
            y, t_fail = _narma_recurrence(u.tolist(), order)
        if t_fail < 0:
            y = np.asarray(y, dtype=np.float64)
            return u[washout:], y[washout:]
    raise ValueError(
        f"NARMA-{order} diverged in all max_tries={max_tries} input draws "
        f"(last draw: |y| > {_NARMA_DIVERGENCE_BOUND:g} or non-finite at step "
        f"{t_fail} of {total}). The recurrence is unstable for order >= 11 "
        "and for long series; pass a smaller order (<= 10), a shorter "
        "n_timesteps, a larger max_tries or another random_state."
    )


# --------------------------------------------------------------------------
# Lorenz-63
# --------------------------------------------------------------------------


def _lorenz_rk4(x, y, z, n_steps, dt, sigma, rho, beta):
    """Classic RK4 for Lorenz-63 from (x, y, z); returns n_steps + 1 states.

    Right-hand side: (sigma (y - x), x (rho - z) - y, x y - beta z).
    """
    out = [None] * (n_steps + 1)
    out[0] = (x, y, z)
    half = 0.5 * dt
    sixth = dt / 6.0
    for i in range(1, n_steps + 1):
        k1x = sigma * (y - x)
        k1y = x * (rho - z) - y
        k1z = x * y - beta * z
        xa, ya, za = x + half * k1x, y + half * k1y, z + half * k1z
        k2x = sigma * (ya - xa)
        k2y = xa * (rho - za) - ya
        k2z = xa * ya - beta * za
        xa, ya, za = x + half * k2x, y + half * k2y, z + half * k2z
        k3x = sigma * (ya - xa)
        k3y = xa * (rho - za) - ya
        k3z = xa * ya - beta * za
        xa, ya, za = x + dt * k3x, y + dt * k3y, z + dt * k3z
        k4x = sigma * (ya - xa)
        k4y = xa * (rho - za) - ya
        k4z = xa * ya - beta * za
        x = x + sixth * (k1x + 2.0 * k2x + 2.0 * k3x + k4x)
        y = y + sixth * (k1y + 2.0 * k2y + 2.0 * k3y + k4y)
        z = z + sixth * (k1z + 2.0 * k2z + 2.0 * k3z + k4z)
        out[i] = (x, y, z)
    return out


def lorenz(
    n_timesteps,
    dt=0.01,
    sigma=10.0,
    rho=28.0,
    beta=8.0 / 3.0,
    x0=None,
    discard=1000,
    random_state=None,
):
    """Generate a trajectory of the Lorenz-63 system.

    Integrates

    .. math::

        \\dot x = \\sigma (y - x), \\quad
        \\dot y = x (\\rho - z) - y, \\quad
        \\dot z = x y - \\beta z

    with the classic fourth-order Runge-Kutta method and a fixed step ``dt``.

    Parameters
    ----------
    n_timesteps : int
        Number of returned states, >= 1.
    dt : float, default=0.01
        Integration step and sampling interval, > 0.
    sigma, rho, beta : float, default=10, 28, 8/3
        System parameters (the defaults give the classic chaotic attractor).
    x0 : array-like of shape (3,) or None, default=None
        Initial state. If None, drawn from ``random_state`` uniformly in the
        box [-10, 10] x [-10, 10] x [10, 40].
    discard : int, default=1000
        Number of initial RK4 steps dropped as a transient, >= 0. With
        ``discard=0`` the first returned row is ``x0``.
    random_state : int, RandomState instance or None, default=None
        Seed for ``x0`` when it is None; unused otherwise (scikit-learn
        convention; numpy ``Generator`` objects are not accepted).

    Returns
    -------
    states : ndarray of shape (n_timesteps, 3), dtype float64
        Columns x, y, z; row j is the state at time ``(discard + j) * dt``.

    Notes
    -----
    Lorenz's system [1]_ integrated with RK4 [2]_. On the attractor with the
    default parameters, the long-run mean of z is about 23.5 and the means of
    x and y are about 0. ``dt`` larger than about 0.02 visibly degrades the
    trajectory; chaotic divergence means that any two integrations (different
    ``dt``, different platforms) separate after some tens of time units.

    References
    ----------
    .. [1] E. N. Lorenz, "Deterministic nonperiodic flow", Journal of the
       Atmospheric Sciences 20(2), 130-141, 1963.
    .. [2] E. Hairer, S. P. Norsett and G. Wanner, "Solving Ordinary
       Differential Equations I", Springer, 1993, Section II.1.

    Examples
    --------
    >>> from reservoir.datasets import lorenz
    >>> states = lorenz(2000, random_state=0)
    >>> states.shape
    (2000, 3)
    """
    n_timesteps = _check_int("n_timesteps", n_timesteps, min_value=1)
    dt = _check_real("dt", dt, low=0.0, low_open=True, hint="0.01 is standard.")
    sigma = _check_real("sigma", sigma)
    rho = _check_real("rho", rho)
    beta = _check_real("beta", beta)
    discard = _check_int("discard", discard, min_value=0)
    rng = _check_random_state(random_state)
    if x0 is None:
        start = rng.uniform([-10.0, -10.0, 10.0], [10.0, 10.0, 40.0])
    else:
        start = np.asarray(x0)
        if start.dtype.kind not in "biuf":
            raise TypeError(f"x0 must be numeric, got dtype {start.dtype}.")
        if start.shape != (3,):
            raise ValueError(
                f"x0 must have shape (3,) (the x, y, z of the initial state), "
                f"got shape {start.shape}."
            )
        start = start.astype(np.float64)
        if not np.all(np.isfinite(start)):
            raise ValueError(f"x0={start.tolist()} must be finite.")

    with _memory_for(discard + n_timesteps, 160, n_timesteps=n_timesteps,
                     discard=discard):
        states = _lorenz_rk4(*start.tolist(), discard + n_timesteps - 1, dt, sigma,
                             rho, beta)
    out = np.asarray(states[discard:], dtype=np.float64)
    if not np.all(np.isfinite(out)):
        raise ValueError(
            f"Lorenz integration diverged (non-finite values) with dt={dt}; "
            "pass a smaller dt (0.01 is standard)."
        )
    return out


# --------------------------------------------------------------------------
# memory capacity task
# --------------------------------------------------------------------------


def memory_capacity_task(n_timesteps, max_delay, random_state=None, distribution="uniform"):
    """Generate the short-term memory task: recall delayed copies of the input.

    Parameters
    ----------
    n_timesteps : int
        Length of the sequence; must exceed ``max_delay``.
    max_delay : int
        Largest delay K, >= 1. Targets are the input delayed by 1, ..., K steps.
    random_state : int, RandomState instance or None, default=None
        Seed for the input (scikit-learn convention; numpy ``Generator``
        objects are not accepted).
    distribution : {"uniform", "normal"}, default="uniform"
        Input distribution: iid uniform on [-0.5, 0.5], or iid standard
        normal.

    Returns
    -------
    u : ndarray of shape (n_timesteps, 1), dtype float64
        The input sequence.
    Y : ndarray of shape (n_timesteps, max_delay), dtype float64
        ``Y[t, k - 1] = u[t - k, 0]`` for ``t >= k``. Rows before that have no
        target and hold 0; **discard at least the first ``max_delay`` rows**
        (``washout >= max_delay``) when fitting or scoring.

    See Also
    --------
    reservoir.metrics.memory_capacity : Score predictions of ``Y``.

    Notes
    -----
    Jaeger's short-term memory task [1]_: a network driven by iid input u
    gets one linear readout per delay k trained to output u(t - k); the
    memory capacity is the sum over k of the squared correlation between
    output and target, bounded by the number of reservoir units. Delay 0
    (reproducing the current input) is not included. Input ranges differ
    between sources (reservoirpy's ``memory_capacity`` draws from
    [-0.8, 0.8]); the capacity itself is invariant to the input's scale only
    for a linear reservoir, so fix ``input_scaling`` along with it.

    References
    ----------
    .. [1] H. Jaeger, "Short term memory in echo state networks", GMD Report
       152, German National Research Center for Information Technology, 2001.

    Examples
    --------
    >>> from reservoir.datasets import memory_capacity_task
    >>> u, Y = memory_capacity_task(100, max_delay=3, random_state=0)
    >>> u.shape, Y.shape
    ((100, 1), (100, 3))
    >>> bool(Y[10, 2] == u[7, 0])
    True
    """
    n_timesteps = _check_int("n_timesteps", n_timesteps, min_value=1)
    max_delay = _check_int("max_delay", max_delay, min_value=1)
    if n_timesteps <= max_delay:
        raise ValueError(
            f"n_timesteps={n_timesteps} must be larger than max_delay={max_delay} "
            "(the first max_delay rows have no target); pass a longer series."
        )
    if distribution not in ("uniform", "normal"):
        raise ValueError(
            f"distribution={distribution!r} is not supported; pass 'uniform' "
            "or 'normal'."
        )
    rng = _check_random_state(random_state)
    with _memory_for(n_timesteps * (max_delay + 2), 8, n_timesteps=n_timesteps,
                     max_delay=max_delay):
        if distribution == "uniform":
            u = rng.uniform(-0.5, 0.5, size=n_timesteps)
        else:
            u = rng.standard_normal(size=n_timesteps)
        Y = np.zeros((n_timesteps, max_delay), dtype=np.float64)
    for k in range(1, max_delay + 1):
        Y[k:, k - 1] = u[:-k]
    return u.reshape(-1, 1), Y
