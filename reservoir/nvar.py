"""Next-generation reservoir computing: :class:`NVARRegressor`."""

from __future__ import annotations

from itertools import combinations_with_replacement
from math import comb
from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from . import _kernels
from ._base import SequenceRegressorMixin
from ._compat import check_feature_names, regressor_tags
from ._sequences import (allocate_steps, check_future, check_generated_finite,
                         check_scalar_param, check_washout, check_X, check_y_like,
                         restore)
from .readout import make_statistics

__all__ = ["NVARRegressor"]


def _largest(arrays):
    return max((float(np.abs(a).max()) for a in arrays if a.size), default=0.0)

# Rows of features held at once while streaming: about 8 M floats (64 MB).
CHUNK_FLOATS = 1 << 23
MIN_CHUNK_ROWS = 256
# Above this many features the readout's F x F statistics pass 800 MB.
MAX_FEATURES = 10_000


def _n_features(n_linear, order):
    return n_linear + sum(comb(n_linear + r - 1, r) for r in range(2, order + 1))


def _monomials(n_linear, order):
    """Indices into the linear features of every monomial of degree 2 to
    ``order`` (by degree, then lexicographic), padded with -1."""
    rows = [c for r in range(2, order + 1)
            for c in combinations_with_replacement(range(n_linear), r)]
    out = np.full((len(rows), max(order, 1)), -1, dtype=np.int64)
    for i, c in enumerate(rows):
        out[i, :len(c)] = c
    return out


class NVARRegressor(SequenceRegressorMixin, BaseEstimator):
    """Nonlinear vector autoregression ("next-generation reservoir computing").

    After Gauthier, Bollt, Griffith & Barbosa (2021): no random reservoir,
    but a feature vector made of the current and delayed inputs (the linear
    part) and the unique monomials of those up to degree ``order`` (the
    nonlinear part),

        O_lin(t) = [u(t), u(t - s), ..., u(t - delay s)]
        O(t) = [O_lin(t), monomials of O_lin(t) of degree 2, ..., order],

    with a ridge readout ``y(t) = W O(t) + c``. The features are computed
    chunk by chunk in a compiled kernel and stream into the same ridge
    sufficient statistics as :class:`ESNRegressor`'s, so memory stays of
    order ``F^2 + chunk * F`` for F features however long the series. The
    inputs before the start of a sequence are taken as zero (the first
    ``delay * strides`` steps are a transient: set ``washout`` to at least
    that).

    Parameters
    ----------
    delay : int, default=2
        Number of delayed copies of the input in the linear features (0:
        the current input only). ReservoirPy's ``NVAR(delay=k)`` counts the
        current input too: it is ``delay=k-1`` here.
    order : int, default=2
        Highest degree of the monomials (1: linear features only).
    strides : int, default=1
        Steps between the delayed copies.
    alpha : float, default=1e-6
        Ridge penalty (the constant, if any, is not penalised).
    include_constant : bool, default=True
        Whether the readout has a constant term (the ``c`` of Gauthier et
        al.), fitted without penalty. False fits through the origin.
    washout : int, default=0
        Steps at the start of every sequence that are not fitted.
    solver : {"cholesky", "qr"}, default="cholesky"
        As in :class:`ESNRegressor`: "qr" does not square the condition
        number of the features (monomials of large inputs are badly
        scaled), at about twice the cost.

    Attributes
    ----------
    coef_ : ndarray of shape (n_outputs, n_nvar_features_)
    intercept_ : ndarray of shape (n_outputs,)
    n_nvar_features_ : int
        ``(delay + 1) * n_features_in_`` linear plus the monomials.
    n_features_in_ : int
    n_outputs_ : int
    n_samples_fitted_ : int
    last_state_ : ndarray of shape (delay * strides, n_features_in_)
        The last inputs seen by ``fit``/``partial_fit``, to continue from
        with ``predict(X, initial_state=...)``.
    feature_names_in_ : ndarray
        Defined when the input had string column names.

    See Also
    --------
    ESNRegressor : the same interface over a random reservoir.

    Notes
    -----
    ``generate`` runs the closed loop (each prediction fed back as the next
    input) in one compiled call, as the ESN's does. The state carried by
    ``predict(..., return_state=True)`` and ``initial_state`` is the last
    ``delay * strides`` inputs, shape (delay * strides, n_features_in_),
    oldest first.

    References
    ----------
    D. J. Gauthier, E. Bollt, A. Griffith and W. A. S. Barbosa, "Next
    generation reservoir computing", Nature Communications 12, 5564 (2021).

    Examples
    --------
    >>> import numpy as np
    >>> from reservoir import NVARRegressor, datasets
    >>> u = datasets.lorenz(3000, dt=0.025, random_state=0)
    >>> nvar = NVARRegressor(delay=1, order=2, alpha=2.5e-6, washout=10)
    >>> nvar = nvar.fit(u[:2000], u[1:2001])
    >>> nvar.n_nvar_features_             # 6 linear + 21 quadratic
    27
    >>> float(np.abs(nvar.predict(u[:-1])[2000:] - u[2001:]).max()) < 0.05
    True
    """

    def __init__(self, delay=2, order=2, strides=1, *, alpha=1e-6,
                 include_constant=True, washout=0, solver="cholesky"):
        self.delay = delay
        self.order = order
        self.strides = strides
        self.alpha = alpha
        self.include_constant = include_constant
        self.washout = washout
        self.solver = solver

    def _validate_params(self, n_features=None):
        """The hyper-parameters, checked, as Python values (a NumPy scalar
        such as ``np.int8(40)`` overflows in arithmetic)."""
        p = {"delay": check_scalar_param(
                 self.delay, "delay", kind=Integral, low=0,
                 hint="It counts the delayed copies of the input; 0 uses the "
                      "current input only."),
             "order": check_scalar_param(
                 self.order, "order", kind=Integral, low=1,
                 hint="2 adds the quadratic monomials (Gauthier et al.)."),
             "strides": check_scalar_param(self.strides, "strides", kind=Integral,
                                           low=1, hint="1 uses consecutive steps."),
             "alpha": check_scalar_param(
                 self.alpha, "alpha", low=0,
                 hint="Use a small positive ridge penalty, e.g. 1e-6."),
             "washout": check_scalar_param(self.washout, "washout", kind=Integral,
                                           low=0)}
        if not isinstance(self.include_constant, (bool, np.bool_)):
            raise TypeError(f"include_constant={self.include_constant!r} must be "
                            "True or False.")
        p["include_constant"] = bool(self.include_constant)
        if not isinstance(self.solver, str) or self.solver not in ("cholesky", "qr"):
            raise ValueError(f"solver={self.solver!r} must be 'cholesky' or 'qr'.")
        p["solver"] = self.solver
        if n_features is not None:
            f = _n_features((p["delay"] + 1) * n_features, p["order"])
            if f > MAX_FEATURES:
                raise ValueError(
                    f"delay={self.delay}, order={self.order} and {n_features} input "
                    f"features give {f} NVAR features, more than {MAX_FEATURES} "
                    "(the readout's statistics would need "
                    f"{8 * f * f / 1e9:.1f} GB); lower delay or order.")
        return p

    # -- features ----------------------------------------------------------
    @property
    def _history(self):
        delay, _, strides = self._fitted_shape
        return delay * strides

    def _chunk_rows(self):
        return max(MIN_CHUNK_ROWS, CHUNK_FLOATS // max(1, self.n_nvar_features_))

    def _iter_features(self, arrays, hist0=None):
        """Yield ``(i, lo, hi, feats)`` for consecutive chunks of every
        sequence (``feats`` (hi - lo, F) is a reused buffer), and set
        ``self._run_end[i]`` to the last ``delay * strides + 1`` inputs
        (zeros before the start) when sequence ``i`` ends."""
        h, d = self._history, self.n_features_in_
        chunk = self._chunk_rows()
        buf = np.empty((min(chunk, max(a.shape[0] for a in arrays)),
                        self.n_nvar_features_))
        for i, U in enumerate(arrays):
            hist = np.zeros((h, d)) if hist0 is None else hist0[i]
            T = U.shape[0]
            for lo in range(0, T, chunk):
                hi = min(T, lo + chunk)
                window = np.concatenate([hist, U[lo:hi]]) if h else U[lo:hi]
                feats = buf[:hi - lo]
                _kernels.nvar_features(np.ascontiguousarray(window),
                                       self._fitted_shape[0], self._fitted_shape[2],
                                       self._monomials, feats)
                if hi == T:
                    self._run_end[i] = window[window.shape[0] - h - 1:].copy()
                hist = window[window.shape[0] - h:].copy() if h else hist
                yield i, lo, hi, feats

    # -- fitting -----------------------------------------------------------
    def fit(self, X, y):
        """Compute the features of ``X`` and fit the ridge readout to ``y``.

        Parameters
        ----------
        X : array-like of shape (n_timesteps, n_features), list of such, or
            3-D array (n_sequences, n_timesteps, n_features)
        y : array-like, same structure as ``X`` with 1-D or 2-D entries

        Returns
        -------
        self
        """
        for attr in ("_stats", "coef_"):
            self.__dict__.pop(attr, None)
        return self._fit(X, y, reset=True, continue_state=False)

    def partial_fit(self, X, y, *, continue_state=False):
        """Add data to the readout's statistics and re-solve.

        With ``continue_state=True``, ``X`` continues the single sequence
        given last: its history carries over and no washout is applied.

        Parameters
        ----------
        X : array-like of shape (n_timesteps, n_features), list of such, or
            3-D array (n_sequences, n_timesteps, n_features)
        y : array-like, same structure as ``X`` with 1-D or 2-D entries
        continue_state : bool, default=False
            Continue the history of the last sequence instead of starting new
            sequences from zero.

        Returns
        -------
        self
        """
        first = not hasattr(self, "_stats")
        if continue_state and first:
            raise ValueError("continue_state=True needs a previous call of "
                             "partial_fit or fit to continue from.")
        return self._fit(X, y, reset=first, continue_state=continue_state)

    def _fit(self, X, y, *, reset, continue_state):
        seqs = check_X(X, n_features=None if reset else self.n_features_in_,
                       estimator_name=type(self).__name__)
        p = self._validate_params(seqs.n_columns)
        check_feature_names(self, seqs.feature_source, reset=reset)
        targets = check_y_like(y, seqs)
        if continue_state and seqs.kind != "single":
            raise ValueError("continue_state=True continues one sequence; pass "
                             "a single 2-D X.")
        if not continue_state:
            check_washout(seqs, p["washout"])
        if reset:
            d = seqs.n_columns
            self.n_features_in_ = d
            self.n_outputs_ = targets.n_columns
            self._fitted_shape = (p["delay"], p["order"], p["strides"])
            self._monomials = _monomials((p["delay"] + 1) * d, p["order"])
            self.n_nvar_features_ = (p["delay"] + 1) * d + self._monomials.shape[0]
            self._include_constant = p["include_constant"]
            self._y_info = (targets.was_1d, targets.columns, targets.name)
            self._stats = make_statistics(p["solver"], self.n_nvar_features_, 0,
                                          self.n_outputs_)
        else:
            if (p["delay"], p["order"], p["strides"]) != self._fitted_shape:
                raise ValueError(
                    "delay, order and strides changed since the first fit "
                    f"{self._fitted_shape}; call fit to start again.")
            if targets.n_columns != self.n_outputs_:
                raise ValueError(f"y has {targets.n_columns} outputs but the model "
                                 f"was fitted with {self.n_outputs_}.")
        washout = 0 if continue_state else p["washout"]
        hist0 = [self._last_history] if continue_state else None
        Y = targets.arrays
        self._run_end = {}
        rows, batch = 0, [[], []]
        chunk = self._chunk_rows()

        def flush():
            self._stats.update(np.concatenate(batch[0]), None, np.concatenate(batch[1]),
                               overwrite_states=True)
            batch[0].clear()
            batch[1].clear()

        for i, lo, hi, feats in self._iter_features(seqs.arrays, hist0):
            start = max(lo, washout)
            if start >= hi:
                continue
            batch[0].append(feats[start - lo:].copy())
            batch[1].append(Y[i][start:hi])
            rows += hi - start
            if rows >= chunk:
                flush()
                rows = 0
        if batch[0]:
            flush()
        self._last_window = self._run_end.pop(max(self._run_end))
        self._last_history = self._last_window[1:]
        del self._run_end
        self._include_constant = p["include_constant"]
        self._solve(p["alpha"], seqs, targets)
        return self

    def _solve(self, alpha, seqs=None, targets=None):
        stats = self._stats
        # the monomials of large inputs overflow: say so rather than fit inf
        used = stats.centered() if hasattr(stats, "centered") else (stats.R,)
        try:
            coef, intercept = stats.solve(alpha, fit_intercept=self._include_constant)
        except np.linalg.LinAlgError:
            coef = intercept = np.array([np.nan])
        if not all(np.isfinite(a).all() for a in (*used, coef, intercept)):
            scale = ("" if seqs is None else
                     f" (largest |X| = {_largest(seqs.arrays):.3g}, largest "
                     f"|y| = {_largest(targets.arrays):.3g})")
            raise ValueError(
                f"The readout cannot be fitted: X and y{scale} overflow the "
                "double-precision statistics of the NVAR features (products of "
                f"up to order={self._fitted_shape[1]} inputs). Standardise X and "
                "y (e.g. StandardScaler) before fitting.")
        self.coef_, self.intercept_ = coef, intercept
        self.n_samples_fitted_ = stats.n_samples

    def refit_readout(self, alpha):
        """Re-solve the readout for another ridge ``alpha`` from the kept
        statistics (the features are not computed again).

        Parameters
        ----------
        alpha : float
            The new ridge penalty (>= 0); stored as ``self.alpha``.

        Returns
        -------
        self
        """
        check_is_fitted(self, "coef_")
        self.alpha = check_scalar_param(alpha, "alpha", low=0,
                                        hint="Use a small positive ridge penalty, "
                                             "e.g. 1e-6.")
        self._solve(self.alpha)
        return self

    # -- prediction --------------------------------------------------------
    def _check_state(self, state):
        shape = (self._history, self.n_features_in_)
        arr = np.asarray(state, dtype=np.float64)
        if arr.shape != shape or not np.isfinite(arr).all():
            raise ValueError(
                f"initial_state must be a finite array of shape {shape} (the last "
                f"delay * strides inputs, oldest first); got shape {arr.shape}.")
        return np.ascontiguousarray(arr)

    def predict(self, X, *, initial_state=None, return_state=False):
        """One-step outputs for every step of every sequence.

        Parameters
        ----------
        X : array-like, same structures as in ``fit``
        initial_state : ndarray of shape (delay * strides, n_features), optional
            The inputs before the first step of a single sequence (default
            zero), as returned by ``return_state=True``.
        return_state : bool, default=False
            Also return the last ``delay * strides`` inputs (single sequence).

        Returns
        -------
        y_pred : same structure as ``X`` (1-D entries if fitted on 1-D y)
        state : ndarray of shape (delay * strides, n_features)
            Only with ``return_state=True``.
        """
        check_is_fitted(self, "coef_")
        seqs = check_X(X, n_features=self.n_features_in_,
                       estimator_name=type(self).__name__)
        check_feature_names(self, seqs.feature_source, reset=False)
        if (initial_state is not None or return_state) and seqs.kind != "single":
            raise ValueError("initial_state and return_state apply to a single "
                             "2-D sequence X.")
        hist0 = None if initial_state is None else [self._check_state(initial_state)]
        out = [np.empty((n, self.n_outputs_)) for n in seqs.lengths]
        self._run_end = {}
        for i, lo, hi, feats in self._iter_features(seqs.arrays, hist0):
            block = feats @ self.coef_.T
            block += self.intercept_
            out[i][lo:hi] = block
        for i, a in enumerate(out):
            if not np.isfinite(a).all():
                t = int(np.argwhere(~np.isfinite(a))[0][0])
                where = "" if seqs.kind == "single" else f" (sequence {i})"
                raise ValueError(
                    f"The prediction overflowed at step {t} of X{where}: its "
                    f"values (up to {_largest(seqs.arrays):.3g} in absolute "
                    "value) give NVAR features beyond the float range. "
                    "Standardise X (e.g. StandardScaler) before fitting.")
        end = self._run_end.pop(0)[1:] if return_state else None
        del self._run_end
        was_1d, columns, name = self._y_info
        pred = restore(out, seqs, columns=columns, name=name, squeeze=was_1d)
        return (pred, end) if return_state else pred

    def generate(self, n_steps, X_warmup=None, X_future=None, *, initial_state=None):
        """Run the NVAR in closed loop, each prediction fed back as input.

        As :meth:`ESNRegressor.generate`: the model must predict the first
        ``n_outputs_`` of its input columns one step ahead; the other
        columns come from ``X_future``. One compiled call.

        Parameters
        ----------
        n_steps : int
        X_warmup : array-like of shape (n_timesteps, n_features), optional
            The generation continues after its last row (default: after the
            last sequence seen by ``fit``).
        X_future : array-like of shape (n_steps - 1, n_features - n_outputs_), optional
        initial_state : ndarray of shape (delay * strides, n_features), optional
            The inputs before the first row of ``X_warmup``.

        Returns
        -------
        y_gen : ndarray of shape (n_steps, n_outputs) (1-D if fitted on 1-D y)
        """
        check_is_fitted(self, "coef_")
        if initial_state is not None and X_warmup is None:
            raise ValueError("initial_state is the history before X_warmup; pass "
                             "X_warmup too (its last row at least).")
        n_steps = check_scalar_param(n_steps, "n_steps", kind=Integral, low=1)
        future = check_future(X_future, n_steps, self.n_features_in_, self.n_outputs_)
        h = self._history
        if X_warmup is None:
            window = self._last_window
        else:
            seqs = check_X(X_warmup, "X_warmup", n_features=self.n_features_in_,
                           estimator_name=type(self).__name__)
            check_feature_names(self, seqs.feature_source, reset=False,
                                name="X_warmup")
            if seqs.kind != "single":
                raise ValueError("X_warmup must be one 2-D sequence.")
            warm = seqs.arrays[0]
            before = (np.zeros((h, self.n_features_in_)) if initial_state is None
                      else self._check_state(initial_state))
            full = np.concatenate([before, warm])
            window = full[full.shape[0] - h - 1:]
        window = np.ascontiguousarray(window)
        out = allocate_steps(n_steps, self.n_outputs_)
        delay, _, strides = self._fitted_shape
        _kernels.nvar_free_run(window, future, delay, strides, self._monomials,
                               self.coef_, self.intercept_, out)
        check_generated_finite(out, hint="Refit with a larger alpha (ridge), or "
                               "generate fewer steps.")
        return out[:, 0] if self._y_info[0] else out

    @property
    def last_state_(self):
        """The last ``delay * strides`` inputs seen by ``fit``/``partial_fit``
        (the ``initial_state`` that continues after them)."""
        check_is_fitted(self, "coef_")
        return self._last_history.copy()

    def get_feature_names_out(self, input_features=None):
        """Names of the NVAR features: ``x0(t)``, ``x0(t-1)``, ...,
        ``x0(t)^2``, ``x0(t) x1(t-1)``, ...

        Parameters
        ----------
        input_features : array-like of str, optional
            Names of the input columns; default ``feature_names_in_`` when
            fitted on a DataFrame, else ``x0``, ``x1``, ...

        Returns
        -------
        ndarray of str objects of shape (n_nvar_features_,)
        """
        check_is_fitted(self, "coef_")
        if input_features is None:
            input_features = getattr(self, "feature_names_in_",
                                     [f"x{i}" for i in range(self.n_features_in_)])
        delay, _, strides = self._fitted_shape
        linear = [f"{name}(t)" if j == 0 else f"{name}(t-{j * strides})"
                  for j in range(delay + 1) for name in input_features]
        names = list(linear)
        for row in self._monomials:
            idx = [int(c) for c in row if c >= 0]
            parts = []
            for c in sorted(set(idx)):
                k = idx.count(c)
                parts.append(linear[c] + (f"^{k}" if k > 1 else ""))
            names.append(" ".join(parts))
        return np.asarray(names, dtype=object)

    @property
    def n_parameters_(self):
        """Trained parameters: the readout's weights and intercepts."""
        check_is_fitted(self, "coef_")
        return self.coef_.size + (self.intercept_.size if self._include_constant else 0)

    def __sklearn_tags__(self):
        return regressor_tags(super().__sklearn_tags__())
