"""Echo State Networks: the :class:`Reservoir` transformer and :class:`ESNRegressor`."""

from __future__ import annotations

import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from . import _kernels, matrices
from ._base import SequenceRegressorMixin
from ._compat import (check_feature_names, output_container, regressor_tags,
                      transformer_tags)
from ._sequences import (allocate_steps, check_future, check_generated_finite,
                         check_random_state_param, check_scalar_param, check_vector,
                         check_washout, check_X, check_y_like, memory_for, restore)
from ._threads import numba_threads
from .readout import make_statistics
from ._warnings import ReservoirWarning

__all__ = ["Reservoir", "ESNRegressor"]

# Rows of states held at once while streaming: about 8 M floats (64 MB).
CHUNK_FLOATS = 1 << 23
MIN_CHUNK_ROWS = 256

_ACTIVATIONS = ("tanh", "identity")


def _chunk_rows(n_reservoir):
    return max(MIN_CHUNK_ROWS, CHUNK_FLOATS // max(1, n_reservoir))


def _check_n_jobs(n_jobs):
    if n_jobs is None:
        return None
    n_jobs = check_scalar_param(n_jobs, "n_jobs", kind=Integral)
    if n_jobs == 0:
        raise ValueError("n_jobs=0 is not allowed; use None, a positive "
                         "number or -1 for all cores.")
    return n_jobs


def _check_outputs_finite(arrays, seqs, name):
    """Finite states give finite outputs unless the readout overflows."""
    for i, a in enumerate(arrays):
        if not np.isfinite(a).all():
            t = int(np.argwhere(~np.isfinite(a))[0][0])
            where = "" if seqs.kind == "single" else f" (sequence {i})"
            raise ValueError(
                f"The prediction overflowed at step {t} of {name}{where}: its "
                f"values (up to {_largest(seqs.arrays):.3g} in absolute value) "
                "times the readout's weights exceed the float range. "
                "Standardise X (e.g. StandardScaler) before fitting.")


def _check_flag(value, name):
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name}={value!r} must be True or False.")


def _check_alpha(alpha):
    return check_scalar_param(alpha, "alpha", low=0,
                              hint="Use a small positive ridge penalty, e.g. 1e-6.")


def _largest(arrays):
    return max((float(np.abs(a).max()) for a in arrays if a.size), default=0.0)


def _check_states_finite(arrays, seqs, name):
    """Finite input gives finite states unless the reservoir overflows
    (identity activation with an effective spectral radius >= 1, or inputs
    near the float limit): say so rather than return inf or NaN."""
    for i, a in enumerate(arrays):
        if not np.isfinite(a).all():
            t = int(np.argwhere(~np.isfinite(a))[0][0])
            where = "" if seqs.kind == "single" else f" (sequence {i})"
            raise ValueError(
                f"The reservoir overflowed at step {t} of {name}{where}: its "
                f"values (up to {_largest(seqs.arrays):.3g} in absolute value) "
                "drive the states beyond the float range. Standardise the "
                "inputs (e.g. StandardScaler), or lower input_scaling or, with "
                "activation='identity', spectral_radius below 1.")


class Reservoir(TransformerMixin, BaseEstimator):
    """A random recurrent network whose states are the features.

    ``fit`` draws the matrices; ``transform`` runs the leaky-integrator update

        x(t) = (1 - a) x(t-1) + a f(W_in u(t) + W x(t-1) + b),   x(-1) = 0,

    with ``a = leak_rate`` and ``f`` = tanh (or the identity), over every
    sequence, and returns the states ``x(t)`` row-aligned with the input.

    Parameters
    ----------
    n_reservoir : int, default=100
        Number of units N.
    spectral_radius : float, default=0.9
        W is rescaled so that its largest absolute eigenvalue equals this.
        Keep ``(1 - a) + a * spectral_radius < 1`` for the echo state property.
    input_scaling : float or array-like of shape (n_features,), default=1.0
        Input weights are uniform on [-input_scaling, input_scaling].
    density : float in (0, 1], default=0.1
        Fraction of nonzero recurrent weights: every unit receives
        ``round(density * n_reservoir)`` (at least one) connections.
    leak_rate : float in (0, 1], default=1.0
        Leaky integration; 1.0 means no leak.
    bias_scaling : float, default=0.2
        The bias is uniform on [-bias_scaling, bias_scaling].
    activation : {"tanh", "identity"}, default="tanh"
    n_jobs : int, default=None
        Threads for many sequences at once (None: 1, -1: all cores).
    random_state : int, RandomState instance or None, default=None

    Attributes
    ----------
    W_ : scipy.sparse.csr_matrix of shape (n_reservoir, n_reservoir)
        Recurrent weights, scaled.
    W_in_ : ndarray of shape (n_reservoir, n_features_in_)
    bias_ : ndarray of shape (n_reservoir,)
    spectral_radius_ : float
        Spectral radius of ``W_`` as measured after scaling.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Defined when the input had string column names.

    See Also
    --------
    ESNRegressor : a reservoir with a trained ridge readout.

    Notes
    -----
    Each unit has the same number of incoming connections (fixed in-degree),
    uniform weights on [-1, 1), rescaled to ``spectral_radius`` using dense
    eigenvalues for N <= 512 and ARPACK (seeded, so reproducible) above. A
    :class:`ReservoirWarning` is issued when the effective spectral radius
    of ``(1 - a) I + a W`` is at least 1.

    Examples
    --------
    >>> import numpy as np
    >>> from reservoir import Reservoir
    >>> X = np.sin(np.linspace(0, 20, 200))[:, None]
    >>> states = Reservoir(n_reservoir=50, random_state=0).fit_transform(X)
    >>> states.shape
    (200, 50)
    """

    def __init__(self, n_reservoir=100, *, spectral_radius=0.9, input_scaling=1.0,
                 density=0.1, leak_rate=1.0, bias_scaling=0.2, activation="tanh",
                 n_jobs=None, random_state=None):
        self.n_reservoir = n_reservoir
        self.spectral_radius = spectral_radius
        self.input_scaling = input_scaling
        self.density = density
        self.leak_rate = leak_rate
        self.bias_scaling = bias_scaling
        self.activation = activation
        self.n_jobs = n_jobs
        self.random_state = random_state

    # -- validation --------------------------------------------------------
    def _validate_params(self):
        """The hyper-parameters, checked, as Python numbers (use these: a NumPy
        scalar such as ``np.int16(5)`` overflows in arithmetic with large
        Python ints)."""
        p = {}
        p["n_reservoir"] = check_scalar_param(
            self.n_reservoir, "n_reservoir", kind=Integral, low=1,
            hint="Use a positive number of units, e.g. 100.")
        p["spectral_radius"] = check_scalar_param(
            self.spectral_radius, "spectral_radius", low=0,
            hint="Typical values are 0.5 to 1.0.")
        p["density"] = check_scalar_param(
            self.density, "density", low=0, high=1, low_inclusive=False,
            hint="It is the fraction of nonzero recurrent weights, e.g. 0.1.")
        p["leak_rate"] = check_scalar_param(
            self.leak_rate, "leak_rate", low=0, high=1, low_inclusive=False,
            hint="1.0 means no leak.")
        p["bias_scaling"] = check_scalar_param(self.bias_scaling, "bias_scaling",
                                               low=0)
        if not isinstance(self.activation, str) or self.activation not in _ACTIVATIONS:
            raise ValueError(f"activation={self.activation!r} must be one of "
                             f"{_ACTIVATIONS}.")
        p["activation"] = self.activation
        p["n_jobs"] = _check_n_jobs(self.n_jobs)
        scaling = np.asarray(self.input_scaling)
        if scaling.dtype.kind not in "iuf" or scaling.ndim > 1:
            raise TypeError(f"input_scaling={self.input_scaling!r} must be a real "
                            "number or a 1-D array of one value per feature.")
        scaling = scaling.astype(np.float64)
        if not np.all(np.isfinite(scaling)) or np.any(scaling < 0):
            raise ValueError(f"input_scaling={self.input_scaling!r} must be "
                             "finite and >= 0.")
        p["input_scaling"] = scaling if scaling.ndim else float(scaling)
        return p

    def _check_input_scaling(self, scaling, n_features):
        scaling = np.asarray(scaling, dtype=np.float64)
        if scaling.ndim == 1 and scaling.shape[0] != n_features:
            raise ValueError(
                f"input_scaling has {scaling.shape[0]} values but X has "
                f"{n_features} features; pass one value per feature or a scalar.")
        return scaling

    # -- fitting -----------------------------------------------------------
    def _init_matrices(self, n_features):
        """Draw W, W_in and the bias in a fixed order from ``random_state``."""
        p = self._validate_params()
        scaling = self._check_input_scaling(p["input_scaling"], n_features)
        rng = check_random_state_param(self.random_state)
        n = p["n_reservoir"]
        # the recurrent weights (value and column index each) and W_in, bias
        entries = n * matrices.n_incoming(n, p["density"]) + n * (n_features + 2)
        with memory_for(16 * entries, f"n_reservoir={n}"):
            W = matrices.fixed_indegree_matrix(n, p["density"], rng)
        eig_seed = rng.randint(np.iinfo(np.int32).max)
        rho = matrices.spectral_radius(W, random_state=eig_seed)
        if rho > 0:
            W = W * (p["spectral_radius"] / rho)
        else:
            warnings.warn("The drawn recurrent matrix is nilpotent (spectral "
                          "radius 0) and cannot be rescaled; increase density.",
                          ReservoirWarning, stacklevel=3)
        self.W_ = W.tocsr()
        self.W_in_ = matrices.input_matrix(n, n_features, scaling, rng)
        self.bias_ = matrices.bias_vector(n, p["bias_scaling"], rng)
        self.spectral_radius_ = float(p["spectral_radius"] if rho > 0 else 0.0)
        self.n_features_in_ = n_features
        self._leak_rate, self._linear = p["leak_rate"], p["activation"] == "identity"
        if p["spectral_radius"] >= 1.0:
            eff = matrices.effective_spectral_radius(self.W_, p["leak_rate"],
                                                     random_state=eig_seed)
            if eff >= 1.0:
                warnings.warn(
                    f"The effective spectral radius of (1 - leak_rate) I + "
                    f"leak_rate W is {eff:.3f} >= 1: the reservoir may not have "
                    "the echo state property (states can depend on the initial "
                    "state forever or blow up). Lower spectral_radius below 1.",
                    ReservoirWarning, stacklevel=3)
        self._packed = _kernels.pack_recurrent(self.W_.indptr, self.W_.indices,
                                               self.W_.data)
        return self

    def fit(self, X, y=None):
        """Draw the reservoir matrices for inputs shaped like ``X``.

        Parameters
        ----------
        X : array-like of shape (n_timesteps, n_features), list of such, or
            3-D array (n_sequences, n_timesteps, n_features)
        y : ignored

        Returns
        -------
        self
        """
        seqs = check_X(X)
        check_feature_names(self, seqs.feature_source, reset=True)
        return self._init_matrices(seqs.n_columns)

    def transform(self, X):
        """States for every step of every sequence, starting from zero.

        Parameters
        ----------
        X : array-like of shape (n_timesteps, n_features), list of such, or
            3-D array (n_sequences, n_timesteps, n_features)

        Returns
        -------
        states : same structure as ``X`` with ``n_reservoir`` columns
        """
        check_is_fitted(self, "W_")
        seqs = check_X(X, n_features=self.n_features_in_,
                       estimator_name=type(self).__name__)
        check_feature_names(self, seqs.feature_source, reset=False)
        container = output_container(self)
        if container != "default" and seqs.kind != "single":
            raise ValueError(
                f"set_output(transform={container!r}) gives one table, but X "
                f"holds {len(seqs.arrays)} sequences; transform them one at a "
                "time, or keep the default output (a list of arrays, or a "
                "list of DataFrames for a list of DataFrames).")
        out = [np.empty((n, self.W_.shape[0])) for n in seqs.lengths]
        for pieces, _, states in self._iter_states(seqs.arrays):
            row = 0
            for i, start, stop in pieces:
                out[i][start:stop] = states[row:row + stop - start]
                row += stop - start
        _check_states_finite(out, seqs, "X")
        return restore(out, seqs, columns=list(self.get_feature_names_out()))

    def get_feature_names_out(self, input_features=None):
        """Names of the state columns: ``reservoir0``, ``reservoir1``, ...

        Parameters
        ----------
        input_features : ignored
            Present for scikit-learn's transformer API.

        Returns
        -------
        ndarray of str objects of shape (n_reservoir,)
        """
        check_is_fitted(self, "W_")
        return np.asarray([f"reservoir{i}" for i in range(self.W_.shape[0])],
                          dtype=object)

    def __sklearn_tags__(self):
        return transformer_tags(super().__sklearn_tags__())

    # -- the state engine shared with ESNRegressor -------------------------
    def _drive(self, U, out):
        """``W_in u(t) + b`` for a block of inputs (one GEMM) into ``out``."""
        drive = np.matmul(U, self.W_in_.T, out=out[:U.shape[0]])
        drive += self.bias_
        return drive

    def _iter_states(self, arrays, x0=None):
        """Run the reservoir over sequences, a block of rows at a time.

        Yields ``(pieces, final, states)``: ``states`` (R, N) holds, in order,
        rows ``start:stop`` of sequence ``i`` for each ``(i, start, stop)`` in
        ``pieces``; ``final`` maps a sequence index to its last state when that
        sequence ends in this block. ``x0`` optionally gives the initial state
        of every sequence (default zero). Long sequences stream in chunks; short
        ones are grouped and run in parallel.

        ``states`` is a view of a buffer reused for the next block (fresh
        arrays of this size cost page faults on every chunk): consume or copy
        it before advancing the generator; ``final`` entries are copies.
        """
        n = self.W_.shape[0]
        chunk = _chunk_rows(n)
        linear, leak = self._linear, self._leak_rate
        n_jobs = _check_n_jobs(self.n_jobs)
        packed = self._packed
        zeros = np.zeros(n)
        start_of = (lambda i: zeros) if x0 is None else (lambda i: x0[i])

        group, group_rows = [], 0
        rows = min(chunk, sum(a.shape[0] for a in arrays))
        drive_buf = np.empty((rows, n))
        state_buf = np.empty((rows, n))

        def flush():
            lengths = [arrays[i].shape[0] for i in group]
            offsets = np.zeros(len(group) + 1, dtype=np.int64)
            np.cumsum(lengths, out=offsets[1:])
            drive = self._drive(np.concatenate([arrays[i] for i in group]),
                                drive_buf)
            states = state_buf[:drive.shape[0]]
            if len(group) == 1:      # the lockstep kernel pays off for many only
                _kernels.harvest(packed, drive, leak,
                                 np.ascontiguousarray(start_of(group[0])), linear,
                                 states)
            else:
                init = np.ascontiguousarray(np.stack([start_of(i) for i in group]))
                with numba_threads(n_jobs):
                    _kernels.harvest_many(packed, drive, offsets, leak, init,
                                          linear, states)
            pieces = [(i, 0, L) for i, L in zip(group, lengths)]
            final = {i: states[offsets[j + 1] - 1].copy()
                     for j, i in enumerate(group)}
            return pieces, final, states

        for i, seq in enumerate(arrays):
            T = seq.shape[0]
            if T <= chunk:
                if group_rows + T > chunk:
                    yield flush()
                    group, group_rows = [], 0
                group.append(i)
                group_rows += T
                continue
            if group:
                yield flush()
                group, group_rows = [], 0
            x = start_of(i)
            for lo in range(0, T, chunk):
                hi = min(T, lo + chunk)
                drive = self._drive(seq[lo:hi], drive_buf)
                states = state_buf[:hi - lo]
                _kernels.harvest(packed, drive, leak, np.ascontiguousarray(x),
                                 linear, states)
                x = states[-1].copy()
                yield [(i, lo, hi)], ({i: x} if hi == T else {}), states
        if group:
            yield flush()


class ESNRegressor(SequenceRegressorMixin, BaseEstimator):
    """Echo State Network: a random reservoir with a ridge readout.

    The readout is ``y(t) = W_out [1, u(t), x(t)]`` (``[1, x(t)]`` with
    ``include_input=False``), fitted by ridge regression on every step after
    the ``washout`` of every sequence. The states stream into the ridge
    sufficient statistics, so memory stays of order ``N^2 + chunk * N``
    however long the series.

    Parameters
    ----------
    n_reservoir, spectral_radius, input_scaling, density, leak_rate, bias_scaling, activation
        As in :class:`Reservoir`.
    alpha : float, default=1e-6
        Ridge penalty (the intercept is not penalised).
    washout : int, default=0
        Steps at the start of every sequence that are run but not fitted.
    include_input : bool, default=True
        Whether the readout sees the input ``u(t)`` besides the states.
    solver : {"cholesky", "qr"}, default="cholesky"
        How the streamed readout is kept and solved. "cholesky" accumulates
        ``X^T X`` (one BLAS ``dsyrk`` per chunk; fastest). "qr" keeps the
        triangular factor of the QR decomposition of the features instead:
        about twice the arithmetic, but it does not square the condition
        number, which matters for nearly collinear states with a tiny
        ``alpha`` (e.g. Mackey-Glass free runs).
    n_jobs : int, default=None
        Threads for many sequences at once (None: 1, -1: all cores).
    random_state : int, RandomState instance or None, default=None

    Attributes
    ----------
    reservoir_ : Reservoir
        The fitted reservoir (its ``W_``, ``W_in_``, ``bias_``).
    coef_ : ndarray of shape (n_outputs, n_readout_features)
        Readout weights for ``[u(t), x(t)]`` (or ``x(t)``).
    intercept_ : ndarray of shape (n_outputs,)
    n_features_in_ : int
    n_outputs_ : int
    n_samples_fitted_ : int
        Rows (after washout) in the readout's statistics.
    feature_names_in_ : ndarray
        Defined when the input had string column names.

    See Also
    --------
    Reservoir : the states alone, for your own readout.

    Notes
    -----
    ``fit`` keeps the readout's sufficient statistics, so
    :meth:`refit_readout` re-solves for another ``alpha`` without running the
    reservoir again, and :meth:`partial_fit` adds data to them.

    Examples
    --------
    >>> import numpy as np
    >>> from reservoir import ESNRegressor
    >>> t = np.arange(1000) * 0.1
    >>> X, y = np.sin(t)[:-1, None], np.sin(t)[1:]
    >>> esn = ESNRegressor(n_reservoir=100, washout=100, random_state=0).fit(X, y)
    >>> float(np.abs(esn.predict(X)[100:] - y[100:]).max()) < 1e-3
    True
    """

    def __init__(self, n_reservoir=100, *, spectral_radius=0.9, input_scaling=1.0,
                 density=0.1, leak_rate=1.0, bias_scaling=0.2, activation="tanh",
                 alpha=1e-6, washout=0, include_input=True, solver="cholesky",
                 n_jobs=None, random_state=None):
        self.n_reservoir = n_reservoir
        self.spectral_radius = spectral_radius
        self.input_scaling = input_scaling
        self.density = density
        self.leak_rate = leak_rate
        self.bias_scaling = bias_scaling
        self.activation = activation
        self.alpha = alpha
        self.washout = washout
        self.include_input = include_input
        self.solver = solver
        self.n_jobs = n_jobs
        self.random_state = random_state

    _reservoir_params = ("n_reservoir", "spectral_radius", "input_scaling",
                         "density", "leak_rate", "bias_scaling", "activation",
                         "n_jobs", "random_state")

    def _validate_own_params(self):
        """The readout's hyper-parameters, checked, as Python values."""
        p = {"alpha": _check_alpha(self.alpha),
             "washout": check_scalar_param(self.washout, "washout",
                                           kind=Integral, low=0)}
        if not isinstance(self.include_input, (bool, np.bool_)):
            raise TypeError(f"include_input={self.include_input!r} must be True "
                            "or False.")
        p["include_input"] = bool(self.include_input)
        if not isinstance(self.solver, str) or self.solver not in ("cholesky", "qr"):
            raise ValueError(f"solver={self.solver!r} must be 'cholesky' or 'qr'.")
        p["solver"] = self.solver
        return p

    # -- fitting -----------------------------------------------------------
    def fit(self, X, y):
        """Run the reservoir over ``X`` and fit the readout to ``y``.

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

        The first call draws the reservoir as ``fit`` does. Later calls add
        more sequences, or, with ``continue_state=True``, the next chunk of
        the single sequence given last (its state carries over and no
        washout is applied again).

        Parameters
        ----------
        X : array-like of shape (n_timesteps, n_features), list of such, or
            3-D array (n_sequences, n_timesteps, n_features)
        y : array-like, same structure as ``X`` with 1-D or 2-D entries
        continue_state : bool, default=False
            Continue the state of the last sequence instead of starting new
            sequences from zero.

        Returns
        -------
        self
        """
        _check_flag(continue_state, "continue_state")
        first = not hasattr(self, "_stats")
        if continue_state and first:
            raise ValueError("continue_state=True needs a previous call of "
                             "partial_fit or fit to continue from.")
        return self._fit(X, y, reset=first, continue_state=continue_state)

    def _fit(self, X, y, *, reset, continue_state):
        own = self._validate_own_params()
        if reset:
            res_params = Reservoir(**self._reservoir_kwargs())._validate_params()
        seqs = check_X(X, n_features=None if reset else self.n_features_in_,
                       estimator_name=type(self).__name__)
        check_feature_names(self, seqs.feature_source, reset=reset)
        targets = check_y_like(y, seqs)
        if continue_state and seqs.kind != "single":
            raise ValueError("continue_state=True continues one sequence; pass "
                             "a single 2-D X.")
        if not continue_state:
            check_washout(seqs, own["washout"])
        if reset:
            # the fitted reservoir holds the checked values (Python numbers)
            self.reservoir_ = Reservoir(**dict(self._reservoir_kwargs(),
                                               **res_params))
            self.reservoir_._init_matrices(seqs.n_columns)
            self.n_features_in_ = seqs.n_columns
            self.n_outputs_ = targets.n_columns
            self._y_info = (targets.was_1d, targets.columns, targets.name)
            self._include_input = own["include_input"]
            d = seqs.n_columns if self._include_input else 0
            self._stats = make_statistics(own["solver"], res_params["n_reservoir"],
                                          d, self.n_outputs_)
        elif targets.n_columns != self.n_outputs_:
            raise ValueError(f"y has {targets.n_columns} outputs but the model "
                             f"was fitted with {self.n_outputs_}.")

        washout = 0 if continue_state else own["washout"]
        x0 = [self._last_state] if continue_state else None
        U, Y = seqs.arrays, targets.arrays
        for pieces, final, states in self.reservoir_._iter_states(U, x0):
            rows, keep_rows = 0, []
            for i, start, stop in pieces:
                lo = max(start, washout)
                if lo < stop:
                    keep_rows.append((rows + lo - start, rows + stop - start,
                                      i, lo, stop))
                rows += stop - start
            if final:
                last = max(final)
                self._last_state = final[last].copy()
                self._last_input = U[last][-1].copy()
            if not keep_rows:
                continue
            if len(keep_rows) == 1:
                r0, r1, i, lo, hi = keep_rows[0]
                xs, us, ys = states[r0:r1], U[i][lo:hi], Y[i][lo:hi]
            else:
                xs = np.concatenate([states[r0:r1] for r0, r1, *_ in keep_rows])
                us = np.concatenate([U[i][lo:hi] for *_, i, lo, hi in keep_rows])
                ys = np.concatenate([Y[i][lo:hi] for *_, i, lo, hi in keep_rows])
            self._stats.update(xs, us if self._include_input else None, ys,
                               overwrite_states=True)
        self._solve(own["alpha"], seqs, targets)
        return self

    def _reservoir_kwargs(self):
        return {p: getattr(self, p) for p in self._reservoir_params}

    def _solve(self, alpha, seqs=None, targets=None):
        stats = self._stats
        # What the solve reads must be finite: inputs beyond ~1e154 overflow
        # the squares of the Gram matrix, and a solve of inf gives garbage.
        used = stats.centered() if hasattr(stats, "centered") else (stats.R,)
        try:
            coef, intercept = stats.solve(alpha)
        except np.linalg.LinAlgError:
            coef = intercept = np.array([np.nan])
        if not all(np.isfinite(a).all() for a in (*used, coef, intercept)):
            scale = ("" if seqs is None else
                     f" (largest |X| = {_largest(seqs.arrays):.3g}, largest "
                     f"|y| = {_largest(targets.arrays):.3g})")
            raise ValueError(
                f"The readout cannot be fitted: X and y{scale} overflow the "
                "double-precision statistics of the ridge regression (which "
                "holds products of the inputs with include_input=True). "
                "Standardise X and y (e.g. StandardScaler) before fitting.")
        self.coef_, self.intercept_ = coef, intercept
        self.n_samples_fitted_ = stats.n_samples
        self._fitted_alpha = alpha

    def refit_readout(self, alpha):
        """Re-solve the readout for another ridge ``alpha``, without running
        the reservoir again (the sufficient statistics are kept by ``fit``).

        Parameters
        ----------
        alpha : float
            The new ridge penalty (>= 0); stored as ``self.alpha``.

        Returns
        -------
        self
        """
        check_is_fitted(self, "coef_")
        self.alpha = _check_alpha(alpha)
        self._solve(self.alpha)
        return self

    # -- prediction --------------------------------------------------------
    def _readout(self, states, inputs):
        d = self.n_features_in_ if self._include_input else 0
        out = states @ self.coef_[:, d:].T
        if d:
            out += inputs @ self.coef_[:, :d].T
        out += self.intercept_
        return out

    def predict(self, X, *, initial_state=None, return_state=False):
        """Outputs for every step of every sequence.

        Parameters
        ----------
        X : array-like, same structures as in ``fit``
        initial_state : ndarray of shape (n_reservoir,), optional
            State before the first step of a single sequence (default zero):
            continue a run explicitly, e.g. from the state returned earlier.
        return_state : bool, default=False
            Also return the state after the last step (single sequence).

        Returns
        -------
        y_pred : same structure as ``X``; 1-D entries (or a Series) if the
            model was fitted on a 1-D ``y``.
        state : ndarray of shape (n_reservoir,)
            Only with ``return_state=True``.
        """
        check_is_fitted(self, "coef_")
        _check_flag(return_state, "return_state")
        seqs = check_X(X, n_features=self.n_features_in_,
                       estimator_name=type(self).__name__)
        check_feature_names(self, seqs.feature_source, reset=False)
        x0 = None
        if initial_state is not None or return_state:
            if seqs.kind != "single":
                raise ValueError("initial_state and return_state apply to a "
                                 "single 2-D sequence X.")
        if initial_state is not None:
            x0 = [check_vector(initial_state, "initial_state",
                               self.reservoir_.W_.shape[0])]
        out = [np.empty((n, self.n_outputs_)) for n in seqs.lengths]
        last = None
        for pieces, final, states in self.reservoir_._iter_states(seqs.arrays, x0):
            row = 0
            for i, start, stop in pieces:
                span = slice(row, row + stop - start)
                out[i][start:stop] = self._readout(states[span],
                                                   seqs.arrays[i][start:stop])
                row += stop - start
            last = final.get(0, last)
        _check_outputs_finite(out, seqs, "X")
        was_1d, columns, name = self._y_info
        pred = restore(out, seqs, columns=columns, name=name, squeeze=was_1d)
        return (pred, last) if return_state else pred

    def generate(self, n_steps, X_warmup=None, X_future=None, *, initial_state=None):
        """Run the network in closed loop, each prediction fed back as input.

        The model must predict the first ``n_outputs_`` of its input columns
        one step ahead (e.g. fitted on ``X = u[:-1]``, ``y = u[1:]``); any
        further input columns are known in advance (calendar features,
        exogenous values) and come from ``X_future``. The whole loop runs in
        one compiled call.

        Parameters
        ----------
        n_steps : int
            Number of future steps to generate.
        X_warmup : array-like of shape (n_timesteps, n_features), optional
            Teacher-forced warm-up sequence; the generation continues after its
            last row. If None, it continues after the last sequence seen by
            ``fit``/``partial_fit``.
        X_future : array-like of shape (n_steps - 1, n_features - n_outputs_), optional
            The known input columns of the generated steps: the input fed after
            ``y_gen[s]`` is ``[y_gen[s], X_future[s]]``.
        initial_state : ndarray of shape (n_reservoir,), optional
            State before the first row of ``X_warmup`` (default zero), as
            returned by ``predict(..., return_state=True)``: many free runs
            from one long warm-up then cost a single run of it.

        Returns
        -------
        y_gen : ndarray of shape (n_steps, n_outputs) (1-D if fitted on 1-D y)
            ``y_gen[0]`` is the prediction of the step after the warm-up.
        """
        check_is_fitted(self, "coef_")
        if initial_state is not None and X_warmup is None:
            raise ValueError("initial_state is the state before X_warmup; pass "
                             "X_warmup too (its last row at least).")
        n_steps = check_scalar_param(n_steps, "n_steps", kind=Integral, low=1)
        future = check_future(X_future, n_steps, self.n_features_in_, self.n_outputs_)
        if X_warmup is None:
            x_last, u_last = self._last_state, self._last_input
        else:
            seqs = check_X(X_warmup, "X_warmup", n_features=self.n_features_in_,
                           estimator_name=type(self).__name__)
            check_feature_names(self, seqs.feature_source, reset=False,
                                name="X_warmup")
            if seqs.kind != "single":
                raise ValueError("X_warmup must be one 2-D sequence.")
            _, x_last = self.predict(seqs.arrays[0], initial_state=initial_state,
                                     return_state=True)
            u_last = seqs.arrays[0][-1]
        res = self.reservoir_
        first = self._readout(x_last[None, :], u_last[None, :])[0]
        out = allocate_steps(n_steps, self.n_outputs_)
        out[0] = first
        if n_steps > 1:
            u0 = np.concatenate([first, future[0]])
            w_out = np.ascontiguousarray(
                np.column_stack([self.intercept_, self.coef_]))
            _kernels.generate(res._packed, res.W_in_, res.bias_, w_out,
                              res._leak_rate, np.ascontiguousarray(x_last), u0,
                              n_steps - 1, self._include_input,
                              res._linear, out[1:], future=future[1:])
        check_generated_finite(out)
        return out[:, 0] if self._y_info[0] else out

    @property
    def n_parameters_(self):
        """Trained parameters: the readout's weights and intercepts (the
        reservoir's ``W_``, ``W_in_`` and ``bias_`` are drawn, not trained)."""
        check_is_fitted(self, "coef_")
        return self.coef_.size + self.intercept_.size

    def __sklearn_tags__(self):
        return regressor_tags(super().__sklearn_tags__())

