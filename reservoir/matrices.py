"""Random reservoir and input matrices, and spectral radius scaling.

Everything here is drawn from a :class:`numpy.random.RandomState` in a fixed
order, so that the same seed gives bit-identical matrices.
"""

from __future__ import annotations

import warnings

import numpy as np
import scipy.sparse as sp

from ._blas import one_blas_thread
from ._warnings import ReservoirWarning

__all__ = [
    "fixed_indegree_matrix",
    "spectral_radius",
    "effective_spectral_radius",
    "input_matrix",
    "bias_vector",
]

# Below this size the eigenvalues are computed densely (exact, and cheaper
# than ARPACK's reverse-communication loop); above it ARPACK finds the
# largest-magnitude ones. Dense eigenvalues cost O(n^3): measured on one BLAS
# thread (load 5, 2 cores), dense took 9.7 ms against ARPACK's 24 ms at
# n = 64 and 128.7 against 74.5 ms at n = 300, breaking even near n = 190;
# at n = 500-1,000 dense is 3-15 times slower.
DENSE_EIG_MAX = 192
# ARPACK's settings for the spectral radius. The eigenvalues of a random
# reservoir fill a disc, so the largest ones are barely separated: with one
# wanted value and ncv=20 (scipy's defaults) ARPACK converged to a value up to
# 1.6 % below the spectral radius for 5 of 8 seeds at n = 1,000. Six wanted
# values in a 40-vector basis matched dense eigenvalues to 1e-9 on every
# matrix tried (n = 100-2,000, density 0.02-1).
ARPACK_K, ARPACK_NCV, ARPACK_TOL = 6, 40, 1e-8
# ARPACK runs on W^4 (the largest |lambda|^4 are the fourth powers of the
# largest |lambda|): each reverse-communication step, whose Python and
# re-orthogonalisation overhead costs more than a sparse product at these
# sizes, then applies four products. Counted over seeds at density 0.1, the
# steps fell from 333 / 454 / 681 to 115 / 151 / 225 at n = 300 / 500 /
# 1,000, for 1.3-1.4 times the products.
ARPACK_POWER = 4


def n_incoming(n_reservoir: int, density: float) -> int:
    """Number of incoming connections per unit for a given ``density``."""
    return int(min(n_reservoir, max(1, round(density * n_reservoir))))


def fixed_indegree_matrix(n_reservoir, density, rng):
    """Draw a sparse matrix with the same number of nonzeros in every row.

    Each unit receives ``k = round(density * n_reservoir)`` (at least one)
    connections from distinct units chosen uniformly at random; the weights are
    uniform on [-1, 1). Fixing the in-degree is the classic construction of
    Jaeger's ESNs and gives the state kernels a regular layout.

    Parameters
    ----------
    n_reservoir : int
    density : float in (0, 1]
    rng : numpy.random.RandomState

    Returns
    -------
    W : scipy.sparse.csr_matrix of shape (n_reservoir, n_reservoir)
        Unscaled; column indices sorted within each row.
    """
    n = int(n_reservoir)
    k = n_incoming(n, density)
    cols = _distinct_columns(n, n, k, rng)
    values = rng.uniform(-1.0, 1.0, size=(n, k))
    indptr = np.arange(0, n * k + 1, k, dtype=np.int64)
    return sp.csr_matrix((values.ravel(), cols.ravel(), indptr), shape=(n, n))


def _distinct_columns(n_rows, n, k, rng):
    """``k`` distinct sorted integers from ``range(n)`` per row, each row an
    independent uniformly random ``k``-subset; shape (n_rows, k), int32.

    Vectorised: for ``k <= n / 4`` the columns are drawn with replacement and
    the repeated ones redrawn until every row is distinct (a handful of
    rounds); for denser rows the ``k`` smallest of ``n`` uniform keys. Both
    rules treat every column label alike, so each ``k``-subset is equally
    likely.
    """
    if k == n:
        return np.broadcast_to(np.arange(n, dtype=np.int32), (n_rows, n)).copy()
    if 4 * k > n:
        keys = rng.random_sample((n_rows, n))
        cols = np.argpartition(keys, k - 1, axis=1)[:, :k].astype(np.int32)
        cols.sort(axis=1)
        return cols
    cols = rng.randint(0, n, size=(n_rows, k)).astype(np.int32)
    while True:
        cols.sort(axis=1)
        repeated = np.zeros(cols.shape, dtype=bool)
        np.equal(cols[:, 1:], cols[:, :-1], out=repeated[:, 1:])
        n_repeated = int(np.count_nonzero(repeated))
        if n_repeated == 0:
            return cols
        cols[repeated] = rng.randint(0, n, size=n_repeated)


def eigs(*args, **kwargs):
    """:func:`scipy.sparse.linalg.eigs`, imported on first use (a fit of up
    to 192 units does not need ARPACK, and importing it costs start-up)."""
    from scipy.sparse.linalg import eigs as arpack_eigs
    return arpack_eigs(*args, **kwargs)


def _arpack(W, which, rng, k=ARPACK_K, power=1):
    """Eigenvalues from ARPACK with a seeded start vector; None if it fails.

    With ``power`` p > 1 the operator is ``W^p`` and the eigenvalues returned
    are its own (``lambda^p``).
    """
    from scipy.sparse.linalg import ArpackNoConvergence, LinearOperator

    n = W.shape[0]
    v0 = rng.uniform(-1.0, 1.0, size=n)
    k = min(k, n - 2)
    ncv = min(n - 1, max(ARPACK_NCV, 2 * k + 1))
    op = W
    if power > 1:
        def matvec(v):
            v = v.ravel()
            for _ in range(power):
                v = W @ v
            return v
        op = LinearOperator((n, n), matvec=matvec, dtype=np.float64)
    try:
        with one_blas_thread():
            return eigs(op, k=k, which=which, v0=v0, tol=ARPACK_TOL, ncv=ncv,
                        maxiter=50 * n, return_eigenvectors=False)
    except ArpackNoConvergence as exc:
        return exc.eigenvalues if len(exc.eigenvalues) else None


def _power_iteration_radius(W, rng, n_iter=2000):
    """Spectral radius estimate by the growth rate of ||W^m v|| (fallback)."""
    v = rng.uniform(-1.0, 1.0, size=W.shape[0])
    log_growth = 0.0
    tail = []
    for it in range(n_iter):
        v = W @ v
        norm = np.linalg.norm(v)
        if norm == 0.0:
            return 0.0
        v /= norm
        if it >= n_iter // 2:
            tail.append(np.log(norm))
    log_growth = float(np.mean(tail))
    return float(np.exp(log_growth))


def _dense_eigvals(W):
    dense = W.toarray() if sp.issparse(W) else np.array(W, dtype=np.float64)
    with one_blas_thread():
        return np.linalg.eigvals(dense)


def spectral_radius(W, random_state=0):
    """Largest absolute eigenvalue of a square matrix (dense or sparse).

    Dense eigenvalues for ``n <= 192``; ARPACK (the six largest-magnitude
    eigenvalues of ``W^4``, seeded start vector, so the result is
    reproducible) above; if
    ARPACK does not converge, the converged part is used, and failing that a
    power-iteration estimate, with a :class:`ReservoirWarning`. LAPACK and
    ARPACK run on one BLAS thread.
    """
    n = W.shape[0]
    if n <= DENSE_EIG_MAX:
        return float(np.max(np.abs(_dense_eigvals(W)))) if n else 0.0
    rng = np.random.RandomState(random_state)
    vals = _arpack(W, "LM", rng, power=ARPACK_POWER)
    if vals is None:
        warnings.warn(
            "ARPACK did not converge on the spectral radius; using a "
            "power-iteration estimate instead.", ReservoirWarning, stacklevel=3)
        return _power_iteration_radius(W, rng)
    return float(np.max(np.abs(vals)) ** (1.0 / ARPACK_POWER))


def effective_spectral_radius(W, leak_rate, random_state=0):
    """Spectral radius of the linearised leaky update ``(1 - a) I + a W``.

    The eigenvalues of that matrix are ``(1 - a) + a * lambda`` for the
    eigenvalues ``lambda`` of W. For large matrices the largest-magnitude and
    largest-real-part eigenvalues of W are found with ARPACK (the maximum of
    ``|(1 - a) + a lambda|`` is attained at one of them in practice), and the
    bound ``(1 - a) + a * rho(W)`` is used when ARPACK fails.
    """
    a = float(leak_rate)
    n = W.shape[0]
    if n <= DENSE_EIG_MAX:
        lam = _dense_eigvals(W) if n else np.zeros(1)
    else:
        rng = np.random.RandomState(random_state)
        parts = [_arpack(W, which, rng, k=6) for which in ("LM", "LR")]
        parts = [p for p in parts if p is not None]
        if not parts:
            return (1.0 - a) + a * spectral_radius(W, random_state)
        lam = np.concatenate(parts)
    return float(np.max(np.abs((1.0 - a) + a * lam)))


def input_matrix(n_reservoir, n_features, input_scaling, rng):
    """Dense input weights, uniform on [-1, 1) times ``input_scaling``.

    ``input_scaling`` is a scalar or one value per input feature.
    Returns an array of shape (n_reservoir, n_features).
    """
    w = rng.uniform(-1.0, 1.0, size=(n_reservoir, n_features))
    return w * np.asarray(input_scaling, dtype=np.float64)


def bias_vector(n_reservoir, bias_scaling, rng):
    """Reservoir bias, uniform on [-1, 1) times ``bias_scaling``."""
    return rng.uniform(-1.0, 1.0, size=n_reservoir) * float(bias_scaling)
