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
from ._sequences import (allocate_steps, check_dtype_range, check_future,
                         check_generated_finite, check_random_state_param, check_scalar_param, check_vector,
                         check_washout, check_X, check_y_like, check_y_warmup,
                         memory_for, restore)
from ._blas import pinned
from ._threads import numba_threads
from .readout import RLSReadout, make_statistics
from ._warnings import ReservoirWarning

__all__ = ["Reservoir", "ESNRegressor"]

# Rows of states held at once while streaming: about 8 M floats (64 MB).
CHUNK_FLOATS = 1 << 23
MIN_CHUNK_ROWS = 256

_ACTIVATIONS = ("tanh", "identity")
_DTYPES = ("float64", "float32")
# Up to this many input columns (with the fed-back outputs), the kernels add
# W_in u(t) inside the loop; wider inputs get their drive from one GEMM per
# chunk (the kernels then read a (rows, N) float64 drive).
MAX_INPUTS_IN_KERNEL = 16
# Short sequences are run in blocks of a multiple of this many (two lockstep
# groups of the many-sequence kernel: one per thread of two).
_GROUP_SEQS = 2 * _kernels._LANES


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


def _check_dtype(dtype):
    """'float64' or 'float32' (NumPy dtypes and types of those accepted)."""
    try:
        name = np.dtype(dtype).name if not isinstance(dtype, str) else dtype
    except TypeError:
        name = None
    if name not in _DTYPES:
        raise ValueError(f"dtype={dtype!r} must be 'float64' or 'float32'.")
    return name


def _check_flag(value, name):
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name}={value!r} must be True or False.")


def _check_alpha(alpha):
    return check_scalar_param(alpha, "alpha", low=0,
                              hint="Use a small positive ridge penalty, e.g. 1e-6.")


def _largest(arrays):
    return max((float(np.abs(a).max()) for a in arrays if a.size), default=0.0)


def _split_rows(flat, lengths):
    """The consecutive blocks of ``lengths`` rows of ``flat``, as views."""
    bounds = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=bounds[1:])
    return [flat[a:b] for a, b in zip(bounds[:-1].tolist(), bounds[1:].tolist())]


def _piece_views(pieces, states):
    """The rows of ``states`` of each ``(i, start, stop)`` piece, as views."""
    return _split_rows(states, [stop - start for _, start, stop in pieces])


def _check_states_finite(arrays, seqs, name, pieces=None):
    """Finite input gives finite states unless the reservoir overflows
    (identity activation with an effective spectral radius >= 1, or inputs
    near the float limit): say so rather than return inf or NaN. ``pieces``
    (``(i, start, stop)`` per array) place the arrays in the sequences."""
    if pieces is None:
        pieces = [(i, 0, a.shape[0]) for i, a in enumerate(arrays)]
    for (i, start, _), a in zip(pieces, arrays):
        if not np.isfinite(a).all():
            t = start + int(np.argwhere(~np.isfinite(a))[0][0])
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

    With ``num_layers = L > 1`` the reservoir is deep (DeepESN, after
    Gallicchio & Micheli): layer 1 is driven by the input and layer k by the
    states of layer k-1 through sparse weights ``V_k``,

        x_k(t) = (1 - a) x_k(t-1) + a f(V_k x_{k-1}(t) + W_k x_k(t-1) + b_k),

    every layer with ``n_reservoir`` units and the same knobs, and the
    features are the states of every layer side by side. With
    ``bidirectional=True`` a second, independently drawn stack runs over
    each sequence reversed (within its own length), so that the features at
    step t also depend on the steps after t: 2 N features per layer.

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
    num_layers : int, default=1
        Number of stacked reservoirs (the name the gradient-trained networks
        use). Layer k > 1 reads the states of layer k-1.
    bidirectional : bool, default=False
        Also run a second stack over every sequence reversed. Its features
        at step t depend on the future of the sequence (steps t+1, t+2, ...):
        use it for classification and per-step labelling of whole
        sequences, never for causal forecasting.
    inter_scaling : float or None, default=None
        Weights from layer k-1 into layer k (``num_layers > 1``): every unit
        reads ``round(density * n_reservoir)`` units of the layer below
        through weights uniform on [-inter_scaling, inter_scaling]. None uses
        ``input_scaling``, which must then be a scalar. Ignored when
        ``num_layers=1``.
    dtype : {"float64", "float32"}, default="float64"
        Precision of the states. "float32" runs the state update with float32
        weights and states (the drive ``W_in u(t) + b`` is summed in float64
        and rounded once), which halves the bytes each step streams: faster
        for large reservoirs, states within float32 rounding (about 1e-6
        relative) of the float64 ones. ``transform`` returns states of this
        dtype; the matrices ``W_``, ``W_in_``, ``bias_`` stay float64.
    n_jobs : int, default=None
        Threads for many sequences at once (None: 1, -1: all cores).
    random_state : int, RandomState instance or None, default=None

    Attributes
    ----------
    W_ : scipy.sparse.csr_matrix of shape (n_reservoir, n_reservoir)
        Recurrent weights of the first layer, scaled.
    W_in_ : ndarray of shape (n_reservoir, n_features_in_)
        Input weights of the first layer.
    bias_ : ndarray of shape (n_reservoir,)
        Bias of the first layer.
    W_layers_, W_in_layers_, bias_layers_ : list
        The same for every layer and direction, in the order of the feature
        blocks (layer 0 forward, [layer 0 reverse,] layer 1 forward, ...,
        as :meth:`get_feature_names_out` numbers them);
        ``W_in_layers_`` holds the input weights for the first layer and the
        sparse inter-layer weights (n_reservoir, n_reservoir) for the others.
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

    The matrices are drawn in a fixed order: the forward stack layer by
    layer (W, input or inter-layer weights, bias), then the reverse stack,
    so the first layer of a deep or bidirectional reservoir is the shallow
    reservoir of the same ``random_state``. States stream through the
    readout in chunks for every variant: a deep reservoir runs each layer
    over a whole chunk of every sequence at once (one compiled call per
    layer and chunk); the reverse pass of a sequence longer than a chunk
    runs twice, first from its end to record the state at every chunk
    boundary, then chunk by chunk beside the forward pass, so memory stays
    of order ``chunk * features``.

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
                 num_layers=1, bidirectional=False, inter_scaling=None,
                 dtype="float64", n_jobs=None, random_state=None):
        self.n_reservoir = n_reservoir
        self.spectral_radius = spectral_radius
        self.input_scaling = input_scaling
        self.density = density
        self.leak_rate = leak_rate
        self.bias_scaling = bias_scaling
        self.activation = activation
        self.num_layers = num_layers
        self.bidirectional = bidirectional
        self.inter_scaling = inter_scaling
        self.dtype = dtype
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
        p["dtype"] = _check_dtype(self.dtype)
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
        p["num_layers"] = check_scalar_param(
            self.num_layers, "num_layers", kind=Integral, low=1,
            hint="Use 1 for a shallow reservoir, 2-4 for a deep one.")
        _check_flag(self.bidirectional, "bidirectional")
        p["bidirectional"] = bool(self.bidirectional)
        if self.inter_scaling is not None:
            p["inter_scaling"] = check_scalar_param(
                self.inter_scaling, "inter_scaling", low=0,
                hint="It scales the weights between layers, e.g. 0.5.")
        elif p["num_layers"] > 1 and scaling.ndim == 1:
            raise ValueError(
                "input_scaling is given per feature, so it cannot also scale the "
                f"weights between the {p['num_layers']} layers; pass "
                "inter_scaling (a number) as well.")
        else:
            p["inter_scaling"] = None
        return p

    def _check_input_scaling(self, scaling, n_features):
        scaling = np.asarray(scaling, dtype=np.float64)
        if scaling.ndim == 1 and scaling.shape[0] != n_features:
            raise ValueError(
                f"input_scaling has {scaling.shape[0]} values but X has "
                f"{n_features} features; pass one value per feature or a scalar.")
        return scaling

    # -- fitting -----------------------------------------------------------
    def _draw_recurrent(self, p, rng):
        """One recurrent matrix scaled to ``spectral_radius`` (with the seed of
        its eigenvalue solver, drawn right after it)."""
        n = p["n_reservoir"]
        # the recurrent weights (value and column index each)
        with memory_for(16 * n * matrices.n_incoming(n, p["density"]),
                        f"n_reservoir={n}"):
            W = matrices.fixed_indegree_matrix(n, p["density"], rng)
        eig_seed = rng.randint(np.iinfo(np.int32).max)
        rho = matrices.spectral_radius(W, random_state=eig_seed)
        if rho > 0:
            W = W * (p["spectral_radius"] / rho)
        else:
            warnings.warn("The drawn recurrent matrix is nilpotent (spectral "
                          "radius 0) and cannot be rescaled; increase density.",
                          ReservoirWarning, stacklevel=4)
        return W.tocsr(), rho, eig_seed

    def _init_matrices(self, n_features, n_feedback=0, feedback_scaling=0.0):
        """Draw every matrix in a fixed order from ``random_state``.

        The forward stack layer by layer (W, input or inter-layer weights,
        bias), then the reverse stack, then the feedback weights ``W_back_``
        (n_reservoir, n_feedback) uniform on [-feedback_scaling,
        feedback_scaling] when ``n_feedback`` > 0. Returns the generator, for
        the caller's further draws.
        """
        p = self._validate_params()
        scaling = self._check_input_scaling(p["input_scaling"], n_features)
        rng = check_random_state_param(self.random_state)
        n, n_layers = p["n_reservoir"], p["num_layers"]
        n_dirs = 2 if p["bidirectional"] else 1
        inter = float(p["input_scaling"] if p["inter_scaling"] is None
                      else p["inter_scaling"]) if n_layers > 1 else 0.0
        drawn = {}
        for direction in range(n_dirs):
            for layer in range(n_layers):
                W, rho, eig_seed = self._draw_recurrent(p, rng)
                if layer == 0:
                    with memory_for(8 * n * (n_features + 1), f"n_reservoir={n}"):
                        W_in = matrices.input_matrix(n, n_features, scaling, rng)
                else:
                    W_in = (matrices.fixed_indegree_matrix(n, p["density"], rng)
                            * inter).tocsr()
                bias = matrices.bias_vector(n, p["bias_scaling"], rng)
                drawn[layer, direction] = (W, W_in, bias, rho, eig_seed)
        order = [(layer, d) for layer in range(n_layers) for d in range(n_dirs)]
        self.W_layers_ = [drawn[key][0] for key in order]
        self.W_in_layers_ = [drawn[key][1] for key in order]
        self.bias_layers_ = [drawn[key][2] for key in order]
        self.W_, self.W_in_, self.bias_ = (self.W_layers_[0], self.W_in_layers_[0],
                                           self.bias_layers_[0])
        rho, eig_seed = drawn[0, 0][3:]
        self.spectral_radius_ = float(p["spectral_radius"] if rho > 0 else 0.0)
        self.n_features_in_ = n_features
        self._leak_rate, self._linear = p["leak_rate"], p["activation"] == "identity"
        self._state_dtype = p["dtype"]
        # the fitted structure, in checked Python numbers (set_params after fit
        # does not change what the matrices are)
        self._shape = (n, n_layers, n_dirs)
        if n_feedback:
            self.W_back_ = matrices.input_matrix(n, n_feedback,
                                                 float(feedback_scaling), rng)
        else:
            self.__dict__.pop("W_back_", None)
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
        dtype = np.dtype(p["dtype"])
        pack = _kernels.pack_recurrent
        self._packed_layers = [pack(W.indptr, W.indices, W.data, dtype)
                               for W in self.W_layers_]
        self._packed_inter = [None if i < n_dirs
                              else pack(V.indptr, V.indices, V.data, dtype)
                              for i, V in enumerate(self.W_in_layers_)]
        self._packed = self._packed_layers[0]
        return rng

    @pinned
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
        self._init_matrices(seqs.n_columns)
        return self

    @pinned
    def transform(self, X):
        """States for every step of every sequence, starting from zero.

        Parameters
        ----------
        X : array-like of shape (n_timesteps, n_features), list of such, or
            3-D array (n_sequences, n_timesteps, n_features)

        Returns
        -------
        states : same structure as ``X`` with
            ``num_layers * n_reservoir`` columns (twice that if
            ``bidirectional``), named by :meth:`get_feature_names_out`, of
            the reservoir's ``dtype`` (float64 or float32). The arrays of a
            list are consecutive row blocks of one array.
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
        self._check_range(seqs)
        # One array for all the states, filled by the kernels in place; the
        # sequences are views of it (a 3-D input gets it reshaped).
        lengths, width = seqs.lengths, self._n_state_columns
        flat = allocate_steps(sum(lengths), width, self._states_dtype, name="X")
        for pieces, _, states in self._iter_states(seqs.arrays, out=flat):
            if not _kernels.all_finite(states):
                _check_states_finite(_piece_views(pieces, states), seqs, "X",
                                     pieces=pieces)
        if seqs.kind == "array3d":
            return flat.reshape(len(lengths), lengths[0], width)
        return restore(_split_rows(flat, lengths), seqs,
                       columns=list(self.get_feature_names_out()))

    def get_feature_names_out(self, input_features=None):
        """Names of the state columns.

        ``reservoir0``, ``reservoir1``, ... for one layer; each layer's
        units prefixed by ``layer0_``, ``layer1_``, ... when
        ``num_layers > 1``; the reverse pass's units suffixed by
        ``_reverse`` when ``bidirectional`` (each layer's forward block, then
        its reverse block).

        Parameters
        ----------
        input_features : ignored
            Present for scikit-learn's transformer API.

        Returns
        -------
        ndarray of str objects of shape (num_layers * n_reservoir,), twice that if bidirectional
        """
        check_is_fitted(self, "W_")
        n, n_layers, n_dirs = self._shape
        names = []
        for layer in range(n_layers):
            prefix = f"layer{layer}_" if n_layers > 1 else ""
            for suffix in ("", "_reverse")[:n_dirs]:
                names += [f"{prefix}reservoir{i}{suffix}" for i in range(n)]
        return np.asarray(names, dtype=object)

    @property
    def _n_state_columns(self):
        n, n_layers, n_dirs = self._shape
        return n * n_layers * n_dirs

    def __sklearn_tags__(self):
        return transformer_tags(super().__sklearn_tags__())

    # -- the state engine shared with ESNRegressor -------------------------
    @property
    def _states_dtype(self):
        """The dtype of the states (float64 for models fitted before the
        ``dtype`` parameter existed)."""
        return np.dtype(self.__dict__.get("_state_dtype", "float64"))

    def _check_range(self, seqs, name="X"):
        """A float32 reservoir reads nothing beyond the float32 range."""
        if self._states_dtype == np.float32:
            check_dtype_range(seqs, np.float32, name)

    def _run_stack(self, direction, U, offsets, init, out, bufs, fb=None, perm=None):
        """Run the layers of one direction over a block of sequences.

        ``U`` (R, n_features) holds the sequences at ``offsets`` one after
        another, each in that direction's time order; ``init`` (B, L, N) their
        initial states (None: zero); ``fb`` (R, n_feedback) the fed-back
        values. Layer l's states go to its columns of ``out`` (R, F), at rows
        ``perm`` when given (the reverse pass's rows back in time order).
        Returns the states after each sequence's last row, (B, L, N), in the
        dtype of the states.

        The first layer's drive ``W_in u(t) + b`` (with ``W_back`` times the
        fed-back values) is summed inside the kernels when there are at most
        ``MAX_INPUTS_IN_KERNEL`` such columns: no (R, N) drive is written and
        read back. Wider inputs, and deeper layers, get a float64 drive
        buffer from one GEMM (or :func:`_kernels.project`) per block.
        """
        n, n_layers, n_dirs = self._shape
        rows, n_seq = U.shape[0], offsets.shape[0] - 1
        linear, leak = self._linear, self._leak_rate
        dtype = self._states_dtype
        final = np.empty((n_seq, n_layers, n), dtype)
        last_rows = offsets[1:] - 1
        below = None
        for layer in range(n_layers):
            unit = layer * n_dirs + direction
            inputs = None
            if layer == 0:
                W_in, bias = self.W_in_layers_[unit], self.bias_layers_[unit]
                if fb is not None:
                    U, W_in = np.hstack([U, fb]), np.hstack([W_in, self.W_back_])
                if U.shape[1] <= MAX_INPUTS_IN_KERNEL:
                    drive = bias.reshape(1, n)
                    inputs = (np.ascontiguousarray(U), np.ascontiguousarray(W_in.T))
                else:
                    drive = bufs.drive(rows)
                    np.matmul(U, W_in.T, out=drive)
                    drive += bias
            else:
                drive = bufs.drive(rows)
                _kernels.project(self._packed_inter[unit], below,
                                 self.bias_layers_[unit], drive)
            states = out if out.shape[1] == n else bufs.layer(layer, rows)
            packed = self._packed_layers[unit]
            if n_seq == 1:
                x0 = (np.zeros(n, dtype) if init is None
                      else np.ascontiguousarray(init[0, layer], dtype=dtype))
                _kernels.harvest(packed, drive, leak, x0, linear, states, inputs)
            else:
                x0 = (np.zeros((n_seq, n), dtype) if init is None
                      else np.ascontiguousarray(init[:, layer], dtype=dtype))
                with numba_threads(_check_n_jobs(self.n_jobs)):
                    _kernels.harvest_many(packed, drive, offsets, leak, x0,
                                          linear, states, inputs)
            final[:, layer] = states[last_rows]
            if states is not out:
                cols = slice(unit * n, (unit + 1) * n)
                if perm is None:
                    out[:, cols] = states
                else:
                    out[perm, cols] = states
            below = states
        return final

    def _iter_states(self, arrays, x0=None, feedback=None, out=None):
        """Run the reservoir over sequences, a block of rows at a time.

        Yields ``(pieces, final, states)``: ``states`` (R, F) holds, in order,
        rows ``start:stop`` of sequence ``i`` for each ``(i, start, stop)`` in
        ``pieces``; ``final`` maps a sequence index to its last forward state
        (all layers, shape (L * N,), float64) when that sequence ends in this
        block. ``x0`` optionally gives the initial state of every sequence
        (default zero; forward stack only); ``feedback`` the values fed back
        through ``W_back_`` at every row (teacher forcing). Long sequences
        stream in chunks; short ones are grouped and run in parallel. Each
        block's rows are consecutive rows of the sequences concatenated in
        order.

        With ``out`` (sum of lengths, F), C-contiguous and of the states'
        dtype, the states are written straight into it (the sequences one
        after another) and ``states`` is the block's view of it. Otherwise
        ``states`` is a view of a buffer reused for the next block (fresh
        arrays of this size cost page faults on every chunk): consume or copy
        it before advancing the generator; ``final`` entries are copies.
        """
        n, n_layers, n_dirs = self._shape
        width = self._n_state_columns
        dtype = self._states_dtype
        chunk = _chunk_rows(width)
        start_of = (lambda i: None) if x0 is None else (
            lambda i: np.asarray(x0[i]).reshape(1, n_layers, n))
        lengths = [a.shape[0] for a in arrays]
        starts = np.zeros(len(arrays) + 1, dtype=np.int64)
        np.cumsum(lengths, out=starts[1:])
        bufs = _Buffers(min(chunk, int(starts[-1])), n, dtype)
        out_buf = (None if out is not None
                   else np.empty((min(chunk, int(starts[-1])), width), dtype))

        def target(r0, r1):
            return out[r0:r1] if out is not None else out_buf[:r1 - r0]

        # Sequences no longer than a chunk run together (harvest_many), in
        # blocks of at most `cap` rows; a block that holds more than
        # _GROUP_SEQS sequences keeps a multiple of them (whole lockstep
        # groups for every thread) and hands the rest to the next block, so
        # few sequences run alone and the threads get equal shares. With
        # `out`, one layer and the drive summed in the kernel no buffer
        # bounds a block: all the short sequences run in one call.
        n_cols = arrays[0].shape[1] + (0 if feedback is None else feedback[0].shape[1])
        direct = out is not None and width == n and n_cols <= MAX_INPUTS_IN_KERNEL
        cap = max(chunk, int(starts[-1])) if direct else chunk
        group, group_rows = [], 0

        def flush(group):
            offsets = starts[group[0]:group[-1] + 2] - starts[group[0]]
            U = (arrays[group[0]] if len(group) == 1
                 else np.concatenate([arrays[i] for i in group]))
            fb = None if feedback is None else (
                feedback[group[0]] if len(group) == 1
                else np.concatenate([feedback[i] for i in group]))
            init = None if x0 is None else np.concatenate(
                [start_of(i) for i in group])
            states = target(starts[group[0]], starts[group[-1] + 1])
            if out is not None and len(group) > 1:
                # Fresh pages of the output, faulted in here by one thread:
                # faults taken by the threads of the parallel kernel cost
                # a third of its time (measured at 1,000 x 100 steps, N=500).
                states.fill(0.0)
            last = self._run_stack(0, U, offsets, init, states, bufs, fb)
            if n_dirs == 2:
                perm = np.concatenate([np.arange(offsets[j + 1] - 1, offsets[j] - 1, -1)
                                       for j in range(len(group))])
                self._run_stack(1, U[perm], offsets, None, states, bufs, perm=perm)
            pieces = [(i, 0, lengths[i]) for i in group]
            final = {i: last[j].ravel().astype(np.float64)
                     for j, i in enumerate(group)}
            return pieces, final, states

        for i, seq in enumerate(arrays):
            T = seq.shape[0]
            if T <= chunk:
                while group and group_rows + T > cap:
                    keep = (len(group) if len(group) < _GROUP_SEQS
                            else len(group) - len(group) % _GROUP_SEQS)
                    yield flush(group[:keep])
                    group = group[keep:]
                    group_rows = sum(lengths[j] for j in group)
                group.append(i)
                group_rows += T
                continue
            if group:
                yield flush(group)
                group, group_rows = [], 0
            one = np.array([0, 0], dtype=np.int64)
            bounds = [(lo, min(T, lo + chunk)) for lo in range(0, T, chunk)]
            row0 = int(starts[i])
            if n_dirs == 2:
                # The reverse pass starts at the end: run it once from there
                # to record its state at every chunk boundary (its states go
                # to the chunk's rows, which the second pass overwrites).
                entry, x_rev = [None] * len(bounds), None
                for j in range(len(bounds) - 1, -1, -1):
                    lo, hi = bounds[j]
                    entry[j] = x_rev
                    one[1] = hi - lo
                    x_rev = self._run_stack(1, np.ascontiguousarray(seq[lo:hi][::-1]),
                                            one, x_rev, target(row0 + lo, row0 + hi),
                                            bufs)
            x = start_of(i)
            for j, (lo, hi) in enumerate(bounds):
                one[1] = hi - lo
                states = target(row0 + lo, row0 + hi)
                fb = None if feedback is None else feedback[i][lo:hi]
                x = self._run_stack(0, seq[lo:hi], one, x, states, bufs, fb)
                if n_dirs == 2:
                    self._run_stack(1, np.ascontiguousarray(seq[lo:hi][::-1]), one,
                                    entry[j], states, bufs,
                                    perm=np.arange(hi - lo - 1, -1, -1))
                yield ([(i, lo, hi)],
                       ({i: x[0].ravel().astype(np.float64)} if hi == T else {}),
                       states)
        if group:
            yield flush(group)


class _Buffers:
    """Scratch arrays of a run, allocated on first use and reused for every
    block: the float64 drive of a block and the states of two consecutive
    layers (the one below is read while the next is written)."""

    def __init__(self, rows, n, dtype):
        self.rows, self.n, self.dtype = rows, n, dtype
        self._drive = None
        self._layers = [None, None]

    def drive(self, rows):
        if self._drive is None:
            self._drive = np.empty((self.rows, self.n))
        return self._drive[:rows]

    def layer(self, layer, rows):
        k = layer % 2
        if self._layers[k] is None:
            self._layers[k] = np.empty((self.rows, self.n), self.dtype)
        return self._layers[k][:rows]


class ESNRegressor(SequenceRegressorMixin, BaseEstimator):
    """Echo State Network: a random reservoir with a ridge readout.

    The readout is ``y(t) = W_out [1, u(t), x(t)]`` (``[1, x(t)]`` with
    ``include_input=False``), fitted by ridge regression on every step after
    the ``washout`` of every sequence. The states stream into the ridge
    sufficient statistics, so memory stays of order ``N^2 + chunk * N``
    however long the series.

    With ``feedback_scaling > 0`` the output is fed back into the reservoir
    (the ``W_back`` of Jaeger's ESN):

        x(t) = (1 - a) x(t-1) + a tanh(W_in u(t) + W x(t-1) + W_back y(t-1) + b),

    ``y(-1) = 0``. ``fit`` teacher-forces: the true ``y(t-1)`` is fed back
    (plus Gaussian noise of std ``teacher_noise``, Jaeger's recipe for
    stable free runs). ``predict`` feeds back its own outputs, after the
    true outputs ``y_warmup`` of the first steps when given: this is how a
    trained generator is started.

    Parameters
    ----------
    n_reservoir, spectral_radius, input_scaling, density, leak_rate, bias_scaling, activation
        As in :class:`Reservoir`.
    num_layers, bidirectional, inter_scaling
        Deep and bidirectional reservoirs, as in :class:`Reservoir`; the
        readout sees the states of every layer (and direction).
        ``bidirectional=True`` sees the future of each sequence: it is for
        labelling whole sequences, not for causal forecasting, and
        ``generate``, feedback and carried states refuse it.
    feedback_scaling : float, default=0.0
        Scale of ``W_back`` (n_reservoir, n_outputs), uniform on
        [-feedback_scaling, feedback_scaling] and drawn after the
        reservoir's matrices; 0 means no feedback. With several layers the
        output is fed back into the first.
    teacher_noise : float, default=0.0
        Standard deviation of the Gaussian noise added to the fed-back
        teacher during ``fit`` (drawn from ``random_state``). Ignored
        without feedback.
    alpha : float, default=1e-6
        Ridge penalty (the intercept is not penalised by the batch solvers).
    washout : int, default=0
        Steps at the start of every sequence that are run but not fitted.
    include_input : bool, default=True
        Whether the readout sees the input ``u(t)`` besides the states.
    solver : {"cholesky", "qr", "rls"}, default="cholesky"
        How the readout is fitted. "cholesky" accumulates ``X^T X`` (one
        BLAS ``dsyrk`` per chunk; fastest). "qr" keeps the triangular factor
        of the QR decomposition of the features instead: about twice the
        arithmetic, but it does not square the condition number, which
        matters for nearly collinear states with a tiny ``alpha`` (e.g.
        Mackey-Glass free runs). "rls" is the online readout: recursive
        least squares updates the weights at every step in a compiled kernel
        (O(F^2) per step for F readout features), starting from the inverse
        correlation ``I / alpha``; ``partial_fit`` continues it.
    forgetting_factor : float in (0, 1], default=1.0
        RLS only: the weight of a step ``s`` steps back is
        ``forgetting_factor ** s``, so values below 1 track a system that
        drifts (memory of about ``1 / (1 - forgetting_factor)`` steps). With
        1, RLS equals the ridge solution with the intercept penalised like
        the other weights.
    dtype : {"float64", "float32"}, default="float64"
        Precision of the reservoir's states, as in :class:`Reservoir`
        ("float32" halves the bytes each step streams). Every variant
        (deep, bidirectional, feedback, every solver) runs in either. The
        readout's statistics are accumulated and solved in float64 and its
        weights are float64, so ``predict`` and ``generate`` return float64
        whatever the reservoir's dtype; ``last_state_`` and returned states
        are float64 too (float32 states convert exactly).
    n_jobs : int, default=None
        Threads for many sequences at once (None: 1, -1: all cores).
    random_state : int, RandomState instance or None, default=None

    Attributes
    ----------
    reservoir_ : Reservoir
        The fitted reservoir (its ``W_``, ``W_in_``, ``bias_``, and
        ``W_back_`` with feedback).
    coef_ : ndarray of shape (n_outputs, n_readout_features)
        Readout weights for ``[u(t), x(t)]`` (or ``x(t)``), ``x(t)`` being
        the states of every layer.
    intercept_ : ndarray of shape (n_outputs,)
    n_features_in_ : int
    n_outputs_ : int
    n_samples_fitted_ : int
        Rows (after washout) in the readout's statistics.
    last_state_ : ndarray
        The state after the last step seen by ``fit``/``partial_fit``, to
        continue from with ``predict(X, initial_state=...)``.
    feature_names_in_ : ndarray
        Defined when the input had string column names.

    See Also
    --------
    Reservoir : the states alone, for your own readout.
    NVARRegressor : next-generation reservoir computing (no reservoir).

    Notes
    -----
    ``fit`` keeps the readout's sufficient statistics, so
    :meth:`refit_readout` re-solves for another ``alpha`` without running the
    reservoir again, and :meth:`partial_fit` adds data to them.

    Two ways to run a trained network on its own outputs:

    * :meth:`generate`, the closed loop through the *input*: the model was
      fitted to predict its next input (``X = u[:-1]``, ``y = u[1:]``), and
      each prediction becomes the next input. Use it for autoregressive
      forecasting of a series; no feedback matrix is needed.
    * output feedback (``feedback_scaling > 0``), the loop through
      ``W_back``: the inputs are whatever drives the system (a constant, a
      control signal, known covariates) and the output returns to the
      reservoir beside them. Use it for pattern generators driven by
      inputs other than their own past (Jaeger's sine and multiple
      superimposed oscillator tasks) and when the output is not an input
      column; run it with ``predict(X, y_warmup=...)``. ``generate`` on a
      feedback model does both: its predictions return as inputs and
      through ``W_back``.

    With feedback, :meth:`score` teacher-forces the first ``washout`` steps
    of each sequence and scores the free run after them.

    Examples
    --------
    >>> import numpy as np
    >>> from reservoir import ESNRegressor
    >>> t = np.arange(1000) * 0.1
    >>> X, y = np.sin(t)[:-1, None], np.sin(t)[1:]
    >>> esn = ESNRegressor(n_reservoir=100, washout=100, random_state=0).fit(X, y)
    >>> float(np.abs(esn.predict(X)[100:] - y[100:]).max()) < 1e-3
    True

    A generator with output feedback: a constant input, the sine fed back.

    >>> y = np.sin(0.2 * np.arange(600))
    >>> X = np.ones((600, 1))
    >>> gen = ESNRegressor(n_reservoir=100, feedback_scaling=1.0, washout=100,
    ...                    alpha=1e-8, random_state=0).fit(X[:400], y[:400])
    >>> free = gen.predict(X, y_warmup=y[:400])      # free after step 400
    >>> float(np.abs(free[400:450] - y[400:450]).max()) < 0.05
    True
    """

    def __init__(self, n_reservoir=100, *, spectral_radius=0.9, input_scaling=1.0,
                 density=0.1, leak_rate=1.0, bias_scaling=0.2, activation="tanh",
                 num_layers=1, bidirectional=False, inter_scaling=None,
                 feedback_scaling=0.0, teacher_noise=0.0,
                 alpha=1e-6, washout=0, include_input=True, solver="cholesky",
                 forgetting_factor=1.0, dtype="float64", n_jobs=None,
                 random_state=None):
        self.n_reservoir = n_reservoir
        self.spectral_radius = spectral_radius
        self.input_scaling = input_scaling
        self.density = density
        self.leak_rate = leak_rate
        self.bias_scaling = bias_scaling
        self.activation = activation
        self.num_layers = num_layers
        self.bidirectional = bidirectional
        self.inter_scaling = inter_scaling
        self.feedback_scaling = feedback_scaling
        self.teacher_noise = teacher_noise
        self.alpha = alpha
        self.washout = washout
        self.include_input = include_input
        self.solver = solver
        self.forgetting_factor = forgetting_factor
        self.dtype = dtype
        self.n_jobs = n_jobs
        self.random_state = random_state

    _reservoir_params = ("n_reservoir", "spectral_radius", "input_scaling",
                         "density", "leak_rate", "bias_scaling", "activation",
                         "num_layers", "bidirectional", "inter_scaling",
                         "dtype", "n_jobs", "random_state")

    def _validate_own_params(self):
        """The readout's and feedback's hyper-parameters, checked, as Python
        values."""
        p = {"alpha": _check_alpha(self.alpha),
             "washout": check_scalar_param(self.washout, "washout",
                                           kind=Integral, low=0)}
        _check_flag(self.include_input, "include_input")
        p["include_input"] = bool(self.include_input)
        if not isinstance(self.solver, str) or self.solver not in ("cholesky", "qr", "rls"):
            raise ValueError(f"solver={self.solver!r} must be 'cholesky', 'qr' "
                             "or 'rls'.")
        p["solver"] = self.solver
        p["forgetting_factor"] = check_scalar_param(
            self.forgetting_factor, "forgetting_factor", low=0, high=1,
            low_inclusive=False, hint="1 keeps every step; 0.99-0.9999 tracks drift.")
        if p["solver"] == "rls" and not p["alpha"] > 0:
            raise ValueError(f"alpha={self.alpha!r} must be > 0 with solver='rls': "
                             "the initial inverse correlation is I / alpha.")
        p["feedback_scaling"] = check_scalar_param(
            self.feedback_scaling, "feedback_scaling", low=0,
            hint="0 means no feedback; try 0.1 to 1.")
        p["teacher_noise"] = check_scalar_param(
            self.teacher_noise, "teacher_noise", low=0,
            hint="A small std such as 1e-4 (0 means none).")
        if p["feedback_scaling"] > 0 and self.bidirectional is True:
            raise ValueError(
                f"feedback_scaling={self.feedback_scaling!r} needs a causal "
                "reservoir, but bidirectional=True reads the future of each "
                "sequence; set bidirectional=False or feedback_scaling=0.")
        return p

    # -- fitting -----------------------------------------------------------
    def fit(self, X, y):
        """Run the reservoir over ``X`` and fit the readout to ``y``.

        With feedback the true ``y(t-1)`` is fed back at every step
        (teacher forcing).

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
        the single sequence given last (its state, and with feedback its
        last output, carry over and no washout is applied again). With
        ``solver="rls"`` the online readout continues from its last step.

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
        if continue_state and self.reservoir_._shape[2] == 2:
            raise ValueError("continue_state=True continues a state, but a "
                             "bidirectional reservoir's reverse pass starts at "
                             "each sequence's end; pass whole sequences.")
        return self._fit(X, y, reset=first, continue_state=continue_state)

    @pinned
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
        feedback = own["feedback_scaling"] > 0
        if reset:
            o = targets.n_columns
            # the fitted reservoir holds the checked values (Python numbers)
            self.reservoir_ = Reservoir(**dict(self._reservoir_kwargs(),
                                               **res_params))
            rng = self.reservoir_._init_matrices(
                seqs.n_columns, n_feedback=o if feedback else 0,
                feedback_scaling=own["feedback_scaling"])
            # the teacher noise's generator, kept as its state (plain arrays
            # and numbers, so it saves and pickles as the rest)
            self._noise_state = (np.random.RandomState(
                rng.randint(np.iinfo(np.int32).max)).get_state()
                if feedback else None)
            self.n_features_in_ = seqs.n_columns
            self.n_outputs_ = o
            self._y_info = (targets.was_1d, targets.columns, targets.name)
            self._include_input = own["include_input"]
            d = seqs.n_columns if self._include_input else 0
            self._stats = make_statistics(
                own["solver"], self.reservoir_._n_state_columns, d, o,
                alpha=own["alpha"], forgetting_factor=own["forgetting_factor"])
            self._fitted_feedback = feedback
            self._last_output = np.zeros(o)
        else:
            if targets.n_columns != self.n_outputs_:
                raise ValueError(f"y has {targets.n_columns} outputs but the model "
                                 f"was fitted with {self.n_outputs_}.")
            self._check_unchanged(own)
        if own["solver"] == "rls":
            self._stats.forgetting_factor = own["forgetting_factor"]

        washout = 0 if continue_state else own["washout"]
        x0 = [self._last_state] if continue_state else None
        U, Y = seqs.arrays, targets.arrays
        fed = (self._teacher(Y, continue_state, own["teacher_noise"])
               if feedback else None)
        for pieces, final, states in self.reservoir_._iter_states(U, x0, fed):
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
                self._last_output = Y[last][-1].copy()
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

    def _check_unchanged(self, own):
        """partial_fit continues a model: what shaped it must not change."""
        if (own["feedback_scaling"] > 0) != self._fitted_feedback:
            raise ValueError(
                f"feedback_scaling={self.feedback_scaling!r} turns feedback "
                f"{'on' if own['feedback_scaling'] > 0 else 'off'}, but the model "
                "was fitted the other way; call fit to start again.")
        rls = isinstance(self._stats, RLSReadout)
        if rls != (own["solver"] == "rls"):
            raise ValueError(f"solver={self.solver!r} differs from the solver of "
                             "the first fit; call fit to start again.")
        if rls and own["alpha"] != self._stats.alpha:
            raise ValueError(
                f"alpha={self.alpha!r} differs from alpha={self._stats.alpha!r} "
                "of the first fit; the RLS readout's initial inverse "
                "correlation I / alpha is fixed then. Call fit to start again.")

    def _teacher(self, Y, continue_state, noise):
        """What is fed back at each row while fitting: ``y(t-1)`` (the last
        output of the previous chunk, or 0, at the first row), plus noise."""
        rng = None
        if noise > 0:
            rng = np.random.RandomState()
            rng.set_state(self._noise_state)
        out = []
        for i, Yi in enumerate(Y):
            fb = np.empty_like(Yi)
            fb[0] = self._last_output if continue_state and i == 0 else 0.0
            fb[1:] = Yi[:-1]
            if rng is not None:
                fb += rng.normal(0.0, noise, size=fb.shape)
            out.append(fb)
        if rng is not None:
            self._noise_state = rng.get_state()
        return out

    def _reservoir_kwargs(self):
        return {p: getattr(self, p) for p in self._reservoir_params}

    def _solve(self, alpha, seqs=None, targets=None):
        stats = self._stats
        if isinstance(stats, RLSReadout):
            coef, intercept = stats.solve()
            if not (np.isfinite(coef).all() and np.isfinite(stats.P).all()):
                raise ValueError(
                    "The RLS readout diverged (non-finite weights): raise "
                    "forgetting_factor towards 1 or alpha, or standardise X and "
                    "y (e.g. StandardScaler).")
        else:
            # What the solve reads must be finite: inputs beyond ~1e154
            # overflow the squares of the Gram matrix, and a solve of inf
            # gives garbage.
            # (the ridge statistics check their own centred Gram matrix and
            # raise LinAlgError when it is not finite)
            used = (stats.R,) if hasattr(stats, "R") else ()
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

    @pinned
    def refit_readout(self, alpha):
        """Re-solve the readout for another ridge ``alpha``, without running
        the reservoir again (the sufficient statistics are kept by ``fit``).

        Not available with ``solver="rls"``, whose weights are updated step
        by step from an initial inverse correlation fixed by ``alpha``.

        Parameters
        ----------
        alpha : float
            The new ridge penalty (>= 0); stored as ``self.alpha``.

        Returns
        -------
        self
        """
        check_is_fitted(self, "coef_")
        if isinstance(self._stats, RLSReadout):
            raise ValueError("refit_readout needs the ridge statistics of "
                             "solver='cholesky' or 'qr'; the RLS readout fixed "
                             "alpha at its first step. Fit again with the new alpha.")
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

    @property
    def last_state_(self):
        """The state after the last step seen by ``fit``/``partial_fit``.

        In the layout of ``predict``'s ``initial_state`` (the states of every
        layer, then, with feedback, the last true output, which the next step
        would feed back): ``predict(X_next, initial_state=esn.last_state_)``
        continues right after the training data.
        """
        check_is_fitted(self, "coef_")
        if self.reservoir_._shape[2] == 2:
            raise AttributeError("A bidirectional reservoir has no state to carry "
                                 "forward (its reverse pass starts at each "
                                 "sequence's end).")
        if self._fitted_feedback:
            return np.concatenate([self._last_state, self._last_output])
        return self._last_state.copy()

    @property
    def _state_size(self):
        n, n_layers, _ = self.reservoir_._shape
        return n * n_layers + (self.n_outputs_ if self._fitted_feedback else 0)

    @pinned
    def predict(self, X, *, y_warmup=None, initial_state=None, return_state=False):
        """Outputs for every step of every sequence.

        Parameters
        ----------
        X : array-like, same structures as in ``fit``
        y_warmup : array-like, optional
            With feedback only: the true outputs of the first steps of each
            sequence (the structure of ``y``, each entry possibly shorter than
            its ``X``), fed back instead of the predictions while they last;
            after them the run is free. Without it the run is free from the
            first step.
        initial_state : ndarray, optional
            State before the first step of a single sequence (default zero):
            continue a run explicitly, e.g. from the state returned earlier.
            Shape ``(num_layers * n_reservoir,)``, plus ``n_outputs_`` values
            with feedback (the output fed back into the first step).
        return_state : bool, default=False
            Also return the state after the last step (single sequence), in
            the layout of ``initial_state``.

        Returns
        -------
        y_pred : same structure as ``X``; 1-D entries (or a Series) if the
            model was fitted on a 1-D ``y``.
        state : ndarray
            Only with ``return_state=True``.
        """
        check_is_fitted(self, "coef_")
        _check_flag(return_state, "return_state")
        seqs = check_X(X, n_features=self.n_features_in_,
                       estimator_name=type(self).__name__)
        check_feature_names(self, seqs.feature_source, reset=False)
        if initial_state is not None or return_state:
            if seqs.kind != "single":
                raise ValueError("initial_state and return_state apply to a "
                                 "single 2-D sequence X.")
            if self.reservoir_._shape[2] == 2:
                raise ValueError("initial_state and return_state carry a state "
                                 "forward, but a bidirectional reservoir's reverse "
                                 "pass starts at each sequence's end.")
        if y_warmup is not None and not self._fitted_feedback:
            raise ValueError("y_warmup is fed back through W_back, but this model "
                             "has no output feedback (feedback_scaling=0 when "
                             "fitted); pass X alone.")
        x0 = (None if initial_state is None else
              check_vector(initial_state, "initial_state", self._state_size))
        self.reservoir_._check_range(seqs)
        if self._fitted_feedback:
            teachers = (check_y_warmup(y_warmup, seqs, self.n_outputs_)
                        if y_warmup is not None else None)
            out, last = self._predict_feedback(seqs.arrays, teachers, x0)
            flat = None
        else:
            flat, last = self._predict_states(seqs.arrays, x0)
            out = _split_rows(flat, seqs.lengths)
        _check_outputs_finite(out, seqs, "X")
        was_1d, columns, name = self._y_info
        if flat is not None and seqs.kind == "array3d":
            pred = flat.reshape(len(out), out[0].shape[0], self.n_outputs_)
            pred = pred[..., 0] if was_1d and self.n_outputs_ == 1 else pred
        else:
            pred = restore(out, seqs, columns=columns, name=name, squeeze=was_1d)
        return (pred, last) if return_state else pred

    def _predict_states(self, arrays, x0):
        """Outputs of every step (the sequences' rows one after another, one
        array) without feedback: each block of states meets the readout in
        one GEMM, written straight into its rows of the result. Returns the
        outputs and the state after the last step of sequence 0."""
        res = self.reservoir_
        d = self.n_features_in_ if self._include_input else 0
        lengths = [a.shape[0] for a in arrays]
        starts = np.zeros(len(arrays) + 1, dtype=np.int64)
        np.cumsum(lengths, out=starts[1:])
        flat = np.empty((int(starts[-1]), self.n_outputs_))
        coef_x = self.coef_[:, d:].T
        last = None
        for pieces, final, states in res._iter_states(
                arrays, None if x0 is None else [x0]):
            i, lo, _ = pieces[0]
            r0 = int(starts[i]) + lo
            block = flat[r0:r0 + states.shape[0]]
            if states.dtype == np.float64:
                np.matmul(states, coef_x, out=block)
            else:   # float32 states, float64 readout (its weights may be large)
                np.matmul(states.astype(np.float64), coef_x, out=block)
            last = final.get(0, last)
        if d:
            U = arrays[0] if len(arrays) == 1 else np.concatenate(arrays)
            flat += U @ self.coef_[:, :d].T
        flat += self.intercept_
        return flat, last

    def _free_run_args(self):
        """The stacked layers and readout weights of :func:`_kernels.free_run`."""
        res = self.reservoir_
        n, n_layers, _ = res._shape
        layers = _kernels.stack_packed(res._packed_layers)
        inter = _kernels.stack_packed(res._packed_inter[1:], like=res._packed)
        inter_bias = np.ascontiguousarray(
            np.array(res.bias_layers_[1:]).reshape(n_layers - 1, n))
        d = self.n_features_in_ if self._include_input else 0
        return layers, inter, inter_bias, np.ascontiguousarray(self.coef_[:, d:])

    def _predict_feedback(self, arrays, teachers, x0):
        """Free runs with the outputs fed back (after the teacher-forced
        ``teachers`` rows), one compiled call per sequence and chunk."""
        res = self.reservoir_
        (n, n_layers, _), o = res._shape, self.n_outputs_
        layers, inter, inter_bias, w_ro_x = self._free_run_args()
        d = self.n_features_in_ if self._include_input else 0
        no_fb_readout = np.zeros((o, o))
        chunk = _chunk_rows(n)
        linear, dtype = res._linear, res._states_dtype
        outs, state = [], None
        for i, U in enumerate(arrays):
            T = U.shape[0]
            out = np.empty((T, o))
            teacher = np.empty((0, o)) if teachers is None else teachers[i]
            if x0 is None:
                x, fb = np.zeros((n_layers, n), dtype), np.zeros(o)
            else:
                x = x0[:n_layers * n].reshape(n_layers, n).astype(dtype)
                fb = x0[n_layers * n:]
            for lo in range(0, T, chunk):
                hi = min(T, lo + chunk)
                u = U[lo:hi]
                drive = u @ res.W_in_.T
                drive += res.bias_
                ro = np.empty((hi - lo, o))
                ro[:] = self.intercept_
                if d:
                    ro += u @ self.coef_[:, :d].T
                x, fb = _kernels.free_run(
                    layers, inter, inter_bias, drive, res.W_back_, ro,
                    no_fb_readout, w_ro_x, res._leak_rate, linear,
                    np.ascontiguousarray(x), np.ascontiguousarray(fb),
                    teacher[lo:max(lo, min(teacher.shape[0], hi))], out[lo:hi])
            outs.append(out)
            state = np.concatenate([x.ravel().astype(np.float64), fb])
        return outs, state

    def _predict_to_score(self, X, y):
        """With feedback, the washout is teacher-forced and the rest is free."""
        if not self._fitted_feedback:
            return self.predict(X)
        seqs = check_X(X, n_features=self.n_features_in_,
                       estimator_name=type(self).__name__)
        truth = check_y_like(y, seqs).arrays
        warm = [t[:self.washout] for t in truth]
        if seqs.kind == "array3d":
            warm = np.stack(warm)
        elif seqs.kind == "single":
            warm = warm[0]
        return self.predict(X, y_warmup=warm)

    @pinned
    def generate(self, n_steps, X_warmup=None, X_future=None, *, initial_state=None):
        """Run the network in closed loop, each prediction fed back as input.

        The model must predict the first ``n_outputs_`` of its input columns
        one step ahead (e.g. fitted on ``X = u[:-1]``, ``y = u[1:]``); any
        further input columns are known in advance (calendar features,
        exogenous values) and come from ``X_future``. The whole loop runs in
        one compiled call. With output feedback the predictions also return
        through ``W_back``, and the warm-up is teacher-forced with its own
        next inputs. For a feedback generator whose inputs are not its
        outputs, use ``predict(X, y_warmup=...)`` instead.

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
        initial_state : ndarray, optional
            State before the first row of ``X_warmup`` (default zero), as
            returned by ``predict(..., return_state=True)``: many free runs
            from one long warm-up then cost a single run of it.

        Returns
        -------
        y_gen : ndarray of shape (n_steps, n_outputs) (1-D if fitted on 1-D y)
            ``y_gen[0]`` is the prediction of the step after the warm-up.
        """
        check_is_fitted(self, "coef_")
        if self.reservoir_._shape[2] == 2:
            raise ValueError("generate runs forward in time, but a bidirectional "
                             "reservoir reads the future of each sequence; fit "
                             "with bidirectional=False to forecast.")
        if initial_state is not None and X_warmup is None:
            raise ValueError("initial_state is the state before X_warmup; pass "
                             "X_warmup too (its last row at least).")
        n_steps = check_scalar_param(n_steps, "n_steps", kind=Integral, low=1)
        o, d_all = self.n_outputs_, self.n_features_in_
        future = check_future(X_future, n_steps, d_all, o)
        res = self.reservoir_
        n, n_layers, _ = res._shape
        if X_warmup is None:
            x_last, u_last = self._last_state, self._last_input
            first = self._readout(x_last[None, :], u_last[None, :])[0]
        else:
            seqs = check_X(X_warmup, "X_warmup", n_features=d_all,
                           estimator_name=type(self).__name__)
            check_feature_names(self, seqs.feature_source, reset=False,
                                name="X_warmup")
            if seqs.kind != "single":
                raise ValueError("X_warmup must be one 2-D sequence.")
            warm = seqs.arrays[0]
            teacher = {"y_warmup": warm[1:, :o]} if self._fitted_feedback else {}
            pred, state = self.predict(warm, initial_state=initial_state,
                                       return_state=True, **teacher)
            x_last = state[:n_layers * n]
            first = np.asarray(pred).reshape(-1, o)[-1]
        out = allocate_steps(n_steps, o)
        out[0] = first
        if n_steps > 1:
            fut = future[:n_steps - 1]
            drive = fut @ res.W_in_[:, o:].T
            drive += res.bias_
            w_fb = res.W_in_[:, :o]
            if self._fitted_feedback:
                w_fb = w_fb + res.W_back_
            ro = np.empty((n_steps - 1, o))
            ro[:] = self.intercept_
            if self._include_input:
                ro += fut @ self.coef_[:, o:d_all].T
                w_ro_fb = self.coef_[:, :o]
            else:
                w_ro_fb = np.zeros((o, o))
            layers, inter, inter_bias, w_ro_x = self._free_run_args()
            _kernels.free_run(layers, inter, inter_bias, drive,
                              np.ascontiguousarray(w_fb), ro,
                              np.ascontiguousarray(w_ro_fb), w_ro_x, res._leak_rate,
                              res._linear,
                              np.ascontiguousarray(x_last.reshape(n_layers, n),
                                                   dtype=res._states_dtype),
                              np.ascontiguousarray(first), np.empty((0, o)),
                              out[1:])
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
