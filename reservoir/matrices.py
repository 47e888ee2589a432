"""Random reservoir and input matrices, and spectral radius scaling.

Everything here is drawn from a :class:`numpy.random.RandomState` in a fixed
order, so that the same seed gives bit-identical matrices.
"""

from __future__ import annotations

import warnings

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import ArpackNoConvergence, eigs

from ._warnings import ReservoirWarning

__all__ = [
    "fixed_indegree_matrix",
    "spectral_radius",
    "effective_spectral_radius",
    "input_matrix",
    "bias_vector",
]

# Below this size the eigenvalues are computed densely (exact and fast enough);
# above it ARPACK finds the largest-magnitude ones.
DENSE_EIG_MAX = 512


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
    cols = np.empty((n, k), dtype=np.int32)
    if k == n:
        cols[:] = np.arange(n, dtype=np.int32)
    else:
        # One permutation-prefix per row: distinct columns, fixed draw order.
        for i in range(n):
            cols[i] = np.sort(rng.choice(n, size=k, replace=False))
    values = rng.uniform(-1.0, 1.0, size=(n, k))
    indptr = np.arange(0, n * k + 1, k, dtype=np.int64)
    return sp.csr_matrix((values.ravel(), cols.ravel(), indptr), shape=(n, n))


def _arpack(W, which, rng, k=1):
    """Eigenvalues from ARPACK with a seeded start vector; None if it fails."""
    n = W.shape[0]
    v0 = rng.uniform(-1.0, 1.0, size=n)
    k = min(k, n - 2)
    try:
        return eigs(W, k=k, which=which, v0=v0, tol=1e-8, maxiter=50 * n,
                    return_eigenvectors=False)
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


def spectral_radius(W, random_state=0):
    """Largest absolute eigenvalue of a square matrix (dense or sparse).

    Dense eigenvalues for ``n <= 512``; ARPACK (seeded start vector, so the
    result is reproducible) above; if ARPACK does not converge, the converged
    part is used, and failing that a power-iteration estimate, with a
    :class:`ReservoirWarning`.
    """
    n = W.shape[0]
    if n <= DENSE_EIG_MAX:
        dense = W.toarray() if sp.issparse(W) else np.asarray(W)
        return float(np.max(np.abs(np.linalg.eigvals(dense)))) if n else 0.0
    rng = np.random.RandomState(random_state)
    vals = _arpack(W, "LM", rng)
    if vals is None:
        warnings.warn(
            "ARPACK did not converge on the spectral radius; using a "
            "power-iteration estimate instead.", ReservoirWarning, stacklevel=3)
        return _power_iteration_radius(W, rng)
    return float(np.max(np.abs(vals)))


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
        dense = W.toarray() if sp.issparse(W) else np.asarray(W)
        lam = np.linalg.eigvals(dense) if n else np.zeros(1)
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
