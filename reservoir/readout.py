"""Ridge readout from streamed sufficient statistics.

The readout maps features ``[u(t), x(t)]`` (inputs, if included, and reservoir
states) plus an intercept to the targets. Its training data never needs to be
held in memory: chunks of states update the sufficient statistics

    S1 = sum_t z(t),    S2 = sum_t z(t) z(t)^T,    Sy = sum_t z(t) y(t)^T,

(``z`` the features minus a fixed shift taken from the first chunk, which
keeps the later centring free of cancellation), with the large block
``sum x x^T`` computed by one BLAS ``dsyrk`` per chunk. The solve centres the
statistics (so the intercept is not penalised, exactly as
:class:`sklearn.linear_model.Ridge` with ``fit_intercept=True``) and uses a
Cholesky factorisation, falling back to a symmetric indefinite solve (and, for
singular systems, a truncated eigendecomposition) with a warning when the
system is too ill-conditioned for it.

Forming ``S2`` squares the condition number of the state matrix. When the
states are nearly collinear and the ridge is tiny (Jaeger's Mackey-Glass
setting), :class:`QRStatistics` keeps instead the triangular factor ``R`` of
the QR decomposition of ``[1, z, y]``, updated chunk by chunk with LAPACK's
triangular-pentagonal QR (``tpqrt``): the same O(F^2) memory, about twice the
arithmetic, and the accuracy of a least-squares solve on the full matrix.

:class:`RLSReadout` is the online alternative: recursive least squares,
updating the weights row by row (with an optional forgetting factor for
systems that drift).
"""

from __future__ import annotations

import warnings

import numpy as np
import scipy.linalg as sla
from scipy.linalg import blas, lapack

from . import _kernels
from ._warnings import ReservoirWarning

__all__ = ["RidgeStatistics", "QRStatistics", "RLSReadout", "solve_ridge",
           "make_statistics"]

# Below this reciprocal condition number the Cholesky solution is not trusted.
RCOND_MIN = np.finfo(np.float64).eps


class RidgeStatistics:
    """Streaming sufficient statistics of a ridge regression.

    Parameters
    ----------
    n_states : int
        Width of the state block (reservoir units).
    n_inputs : int
        Width of the input block (0 when inputs are not read out).
    n_outputs : int

    Attributes
    ----------
    n_samples : int
        Rows accumulated so far.
    """

    def __init__(self, n_states, n_inputs, n_outputs):
        self.n_states = int(n_states)
        self.n_inputs = int(n_inputs)
        self.n_outputs = int(n_outputs)
        n, d, o = self.n_states, self.n_inputs, self.n_outputs
        self.n_samples = 0
        self.shift_x = self.shift_u = self.shift_y = None
        # The big block is Fortran-ordered so dsyrk updates it in place.
        self.sxx = np.zeros((n, n), order="F")
        self.sux = np.zeros((d, n))
        self.suu = np.zeros((d, d))
        self.sx = np.zeros(n)
        self.su = np.zeros(d)
        self.sxy = np.zeros((n, o))
        self.suy = np.zeros((d, o))
        self.sy = np.zeros(o)
        self.syy = np.zeros(o)
        self._buffer = None

    def update(self, states, inputs, targets, *, overwrite_states=False):
        """Add rows: ``states`` (T, n_states), ``inputs`` (T, n_inputs) or
        None, ``targets`` (T, n_outputs). With ``overwrite_states`` the state
        chunk is shifted in place instead of copied."""
        t = states.shape[0]
        if t == 0:
            return self
        if self.shift_x is None:
            self.shift_x = states.mean(axis=0)
            self.shift_u = inputs.mean(axis=0) if self.n_inputs else np.zeros(0)
            self.shift_y = targets.mean(axis=0)
        if overwrite_states and states.flags.c_contiguous and states.dtype == np.float64:
            states -= self.shift_x
            xs = states
        else:
            # A kept buffer: fresh 10-100 MB arrays cost page faults every chunk.
            if self._buffer is None or self._buffer.shape[0] < t:
                self._buffer = np.empty((t, self.n_states))
            xs = np.subtract(states, self.shift_x, out=self._buffer[:t])
        d, o = self.n_inputs, self.n_outputs
        # The narrow columns [1, u, y] meet the states in ONE product (one
        # pass over the chunk gives sum x, u^T x and y^T x); x^T x is the
        # upper triangle of a Fortran matrix updated by dsyrk (x.T is Fortran).
        small = np.empty((t, 1 + d + o))
        small[:, 0] = 1.0
        if d:
            np.subtract(inputs, self.shift_u, out=small[:, 1:1 + d])
        np.subtract(targets, self.shift_y, out=small[:, 1 + d:])
        self.sxx = blas.dsyrk(1.0, xs.T, beta=1.0, c=self.sxx, trans=0,
                              lower=0, overwrite_c=1)
        cross = small.T @ xs
        self.sx += cross[0]
        self.sux += cross[1:1 + d]
        self.sxy += cross[1 + d:].T
        inner = small[:, 1:].T @ small[:, 1:]
        us_sum = small[:, 1:].sum(axis=0)
        self.suu += inner[:d, :d]
        self.suy += inner[:d, d:]
        self.su += us_sum[:d]
        self.sy += us_sum[d:]
        self.syy += np.diag(inner)[d:]
        self.n_samples += t
        return self

    def solve(self, alpha, fit_intercept=True):
        """Ridge solution: ``(coef (n_outputs, F), intercept (n_outputs,))``.

        Without ``fit_intercept`` the readout passes through the origin (the
        intercept is zero and the statistics are not centred).
        """
        if not fit_intercept:
            gram, cross = self.uncentered()
            w = solve_ridge(_finite(gram), _finite(cross), alpha)
            return np.ascontiguousarray(w.T), np.zeros(self.n_outputs)
        gram, cross, mean_z, mean_y = self.centered()
        w = solve_ridge(_finite(gram), _finite(cross), alpha)
        return np.ascontiguousarray(w.T), mean_y - mean_z @ w

    def _shifted(self):
        """Gram and cross-products of the shifted features, their sums."""
        n, d = self.n_states, self.n_inputs
        f = d + n
        gram = np.empty((f, f), order="F")
        gram[d:, d:] = self.sxx
        gram[:d, :d] = self.suu
        gram[:d, d:] = self.sux
        gram[d:, :d] = self.sux.T
        s = np.concatenate([self.su, self.sx])
        cross = np.vstack([self.suy, self.sxy])
        return gram, cross, s

    def uncentered(self):
        """``sum z z^T`` and ``sum z y^T`` of the features as given (upper
        triangle of the Gram matrix meaningful), undoing the shift."""
        gram, cross, s = self._shifted()
        m = self.n_samples
        shift = np.concatenate([self.shift_u, self.shift_x])
        gram += np.outer(shift, s) + np.outer(s, shift) + m * np.outer(shift, shift)
        cross += (np.outer(shift, self.sy) + np.outer(s, self.shift_y)
                  + m * np.outer(shift, self.shift_y))
        return gram, cross

    def centered(self):
        """Centred Gram matrix, cross-products and means (features [u, x]).

        Only the upper triangle of the returned Fortran-ordered Gram matrix is
        meaningful (it is all that the solvers read).
        """
        m = self.n_samples
        gram, cross, s = self._shifted()
        gram -= np.outer(s, s) / m
        cross -= np.outer(s, self.sy) / m
        mean_z = s / m + np.concatenate([self.shift_u, self.shift_x])
        mean_y = self.sy / m + self.shift_y
        return gram, cross, mean_z, mean_y


def _finite(a):
    """``a``, or LinAlgError when it holds inf or NaN (statistics that
    overflowed: a solve of them gives garbage)."""
    if not np.isfinite(a).all():
        raise np.linalg.LinAlgError("The ridge statistics are not finite.")
    return a


def solve_ridge(gram, cross, alpha):
    """Solve ``(gram + alpha I) w = cross`` for a symmetric PSD ``gram``.

    Only the upper triangle of ``gram`` is read.

    Cholesky when the regularised matrix is well enough conditioned
    (reciprocal condition estimate from LAPACK ``pocon`` >= ``RCOND_MIN``);
    otherwise, with a :class:`ReservoirWarning` that says how to fix it, a
    symmetric indefinite (Bunch-Kaufman) solve, and for a system singular to
    working precision an eigendecomposition that drops the directions whose
    regularised eigenvalue is at round-off level.

    Returns
    -------
    w : ndarray of shape (n_features, n_outputs)
    """
    if gram.shape[0] == 0:
        return np.zeros((0, cross.shape[1]))
    a = np.array(gram, order="F")           # LAPACK works in place on Fortran data
    a.flat[:: a.shape[0] + 1] += alpha
    # 1-norm of the symmetric matrix from its upper triangle (the largest
    # column sum of |a| over the triangle's column and row)
    upper = np.abs(np.triu(a))
    anorm = (upper.sum(axis=0) + upper.sum(axis=1) - upper.diagonal()).max()
    c, info = lapack.dpotrf(a, lower=0, clean=0, overwrite_a=0)
    if info == 0:
        rcond, info_c = lapack.dpocon(c, anorm)
        if info_c == 0 and rcond >= RCOND_MIN:
            return sla.cho_solve((c, False), cross, check_finite=False)
    else:
        rcond = 0.0
    warnings.warn(
        f"The readout's ridge system is ill-conditioned (reciprocal condition "
        f"number {rcond:.1e}); solving it with a symmetric indefinite "
        f"factorisation. Increase alpha (now {alpha:g}), standardise the "
        "inputs, or use solver='qr', which does not square the condition "
        "number.", ReservoirWarning, stacklevel=3)
    # Measured on Mackey-Glass (alpha=1e-12): a plain symmetric solve keeps
    # 1.5 decades more free-run accuracy than truncating the eigenvalues at
    # round-off level, which acts as a ridge of ~1e-10. Truncation is the
    # last resort, for systems that are singular to working precision.
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", sla.LinAlgWarning)
            w = sla.solve(a, cross, assume_a="sym", lower=False, check_finite=False)
        if np.isfinite(w).all():
            return w
    except np.linalg.LinAlgError:
        pass
    lam, vec = np.linalg.eigh(a, UPLO="U")
    cutoff = lam.max() * a.shape[0] * np.finfo(np.float64).eps
    keep = lam > cutoff
    proj = vec[:, keep].T @ cross
    return vec[:, keep] @ (proj / lam[keep, None])


class QRStatistics:
    """Streaming QR factor of ``[1, z, y]`` for an accurate ridge readout.

    Same interface as :class:`RidgeStatistics`. The factor ``R`` (upper
    triangular, ``1 + F + n_outputs`` wide) satisfies ``R^T R = A^T A`` for
    the stacked rows ``A = [1, z(t), y(t)]`` seen so far, without the
    squaring of the condition number that ``A^T A`` itself suffers.
    """

    def __init__(self, n_states, n_inputs, n_outputs):
        self.n_states = int(n_states)
        self.n_inputs = int(n_inputs)
        self.n_outputs = int(n_outputs)
        self.n_samples = 0
        self.shift_z = self.shift_y = None
        width = 1 + self.n_inputs + self.n_states + self.n_outputs
        self.R = np.zeros((width, width), order="F")

    def update(self, states, inputs, targets, *, overwrite_states=False):
        t = states.shape[0]
        if t == 0:
            return self
        d, n = self.n_inputs, self.n_states
        if self.shift_z is None:
            self.shift_z = np.concatenate(
                [inputs.mean(axis=0) if d else np.zeros(0), states.mean(axis=0)])
            self.shift_y = targets.mean(axis=0)
        block = np.empty((t, self.R.shape[0]), order="F")
        block[:, 0] = 1.0
        if d:
            np.subtract(inputs, self.shift_z[:d], out=block[:, 1:1 + d])
        np.subtract(states, self.shift_z[d:], out=block[:, 1 + d:1 + d + n])
        np.subtract(targets, self.shift_y, out=block[:, 1 + d + n:])
        nb = max(1, min(32, t, self.R.shape[0]))
        R, _, _, info = lapack.dtpqrt(0, nb, self.R, block, overwrite_a=1,
                                      overwrite_b=1)
        if info != 0:
            raise RuntimeError(f"LAPACK tpqrt failed (info={info}).")
        self.R = R
        self.n_samples += t
        return self

    def solve(self, alpha, fit_intercept=True):
        """Ridge solution from ``R`` (intercept not penalised; zero without
        ``fit_intercept``)."""
        f = self.n_inputs + self.n_states
        R = self.R
        if not fit_intercept:
            # [z, y] = [1, z - shift, y - shift] M: the factor of R M is the
            # factor of the features as given.
            M = np.zeros((R.shape[0], R.shape[0] - 1))
            M[0] = np.concatenate([self.shift_z, self.shift_y])
            M[1:] = np.eye(R.shape[0] - 1)
            top = np.array(np.linalg.qr(R @ M, mode="r"), order="F")
            w = self._solve_factor(top, f, alpha)
            return np.ascontiguousarray(w.T), np.zeros(self.n_outputs)
        r11, r1z, r1y = R[0, 0], R[0, 1:1 + f], R[0, 1 + f:]
        w = self._solve_factor(np.array(R[1:, 1:], order="F"), f, alpha)
        b = (r1y - r1z @ w) / r11
        intercept = self.shift_y + b - self.shift_z @ w
        return np.ascontiguousarray(w.T), intercept

    @staticmethod
    def _solve_factor(top, f, alpha):
        """Ridge weights from the triangular factor ``[[Rzz, Rzy], [0, Ryy]]``."""
        # Append sqrt(alpha) I below [Rzz Rzy] and re-triangularise: the top
        # of the result holds the regularised factor and its right-hand side.
        if alpha > 0:
            pen = np.zeros((f, top.shape[0]), order="F")
            pen[:, :f] = np.sqrt(alpha) * np.eye(f)
            nb = max(1, min(32, f))
            top, _, _, info = lapack.dtpqrt(0, nb, top, pen, overwrite_a=1,
                                            overwrite_b=1)
        rzz, rzy = top[:f, :f], top[:f, f:]
        diag = np.abs(np.diag(rzz))
        if f and diag.min() <= diag.max() * f * np.finfo(np.float64).eps:
            warnings.warn(
                "The readout's least-squares problem is rank deficient; solving "
                "by SVD and discarding directions at round-off level. Increase "
                f"alpha (now {alpha:g}) to avoid this.", ReservoirWarning,
                stacklevel=4)
            w = np.linalg.lstsq(rzz, rzy, rcond=None)[0]
        else:
            w = sla.solve_triangular(rzz, rzy, check_finite=False)
        return w


class RLSReadout:
    """Online readout by recursive least squares (RLS, as in FORCE learning).

    Same interface as :class:`RidgeStatistics`, but ``update`` changes the
    weights step by step inside a compiled kernel
    (:func:`reservoir._kernels.rls_update`), O(F^2) per row, and ``solve``
    returns them as they are. The features are ``z = [1, u, x]``; the
    initial inverse correlation is ``P = I / alpha`` and the weights start
    at zero, so with ``forgetting_factor=1`` the weights after any number of
    rows equal the ridge solution ``(Z^T Z + alpha I)^-1 Z^T Y`` on those
    rows, with the constant feature penalised like the others (the batch
    solvers leave the intercept unpenalised; for a small ``alpha`` the two
    agree closely). A ``forgetting_factor`` below 1 weights the row ``s``
    steps back by ``forgetting_factor ** s``, so the readout tracks a
    system that drifts; ``1 / (1 - forgetting_factor)`` is the effective
    memory in steps.

    Parameters
    ----------
    n_states, n_inputs, n_outputs : int
    alpha : float
        Ridge penalty; fixes the initial inverse correlation.
    forgetting_factor : float in (0, 1]

    Notes
    -----
    With ``forgetting_factor < 1`` and features that stop varying, ``P``
    grows like ``forgetting_factor ** -t`` in the unexcited directions
    ("covariance wind-up"); keep it close to 1 (0.99-0.9999) or the input
    rich.
    """

    def __init__(self, n_states, n_inputs, n_outputs, *, alpha, forgetting_factor=1.0):
        self.n_states = int(n_states)
        self.n_inputs = int(n_inputs)
        self.n_outputs = int(n_outputs)
        self.alpha = float(alpha)
        self.forgetting_factor = float(forgetting_factor)
        f = 1 + self.n_inputs + self.n_states
        if self.alpha <= 0:
            raise ValueError(f"alpha={alpha!r} must be > 0 for solver='rls': the "
                             "initial inverse correlation is I / alpha.")
        self.P = np.eye(f) / self.alpha
        self.W = np.zeros((self.n_outputs, f))
        self.n_samples = 0

    def update(self, states, inputs, targets, *, overwrite_states=False):
        """Run RLS over the rows, in order: ``states`` (T, n_states),
        ``inputs`` (T, n_inputs) or None, ``targets`` (T, n_outputs)."""
        t = states.shape[0]
        if t == 0:
            return self
        if inputs is None:
            inputs = np.empty((t, 0))
        _kernels.rls_update(np.ascontiguousarray(states, dtype=np.float64),
                            np.ascontiguousarray(inputs, dtype=np.float64),
                            np.ascontiguousarray(targets, dtype=np.float64),
                            self.forgetting_factor, self.W, self.P)
        self.n_samples += t
        return self

    def solve(self, alpha=None):
        """The current weights: ``(coef (n_outputs, F - 1), intercept)``
        (the estimator checks that they are finite)."""
        return np.ascontiguousarray(self.W[:, 1:]), self.W[:, 0].copy()


def make_statistics(solver, n_states, n_inputs, n_outputs, *, alpha=None,
                    forgetting_factor=1.0):
    """The statistics object of a readout ``solver`` ('cholesky', 'qr' or
    'rls'; the last needs ``alpha`` and ``forgetting_factor``)."""
    if solver == "rls":
        return RLSReadout(n_states, n_inputs, n_outputs, alpha=alpha,
                          forgetting_factor=forgetting_factor)
    cls = {"cholesky": RidgeStatistics, "qr": QRStatistics}[solver]
    return cls(n_states, n_inputs, n_outputs)
