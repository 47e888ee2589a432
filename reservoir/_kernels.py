"""Numba kernels for reservoir state updates (numpy and numba only).

The leaky-integrator update of an Echo State Network is::

    x(t) = (1 - a) x(t-1) + a f(drive(t) + W x(t-1)),   f = tanh or identity

where ``drive(t) = W_in u(t) + b`` is precomputed by the caller for a whole
chunk (one GEMM). ``W`` has a fixed number ``k`` of nonzeros per row; the caller
converts its CSR arrays once with :func:`pack_recurrent` and passes the tuple
unchanged to the other kernels.
"""

import numpy as np
from numba import njit, prange

_JIT = dict(cache=True, nogil=True)

__all__ = ["pack_recurrent", "harvest", "harvest_many", "generate"]


def pack_recurrent(indptr, indices, data):
    """Convert a fixed in-degree CSR matrix to the kernels' layout.

    Parameters
    ----------
    indptr : ndarray of int, shape (N + 1,)
    indices : ndarray of int, shape (N * k,)
        Column indices, sorted within each row.
    data : ndarray of float, shape (N * k,)

    Returns
    -------
    packed : tuple of ndarray
        ``(idx, val)`` with ``idx`` int32 and ``val`` float64, both shape
        (k, N): entry ``[j, i]`` is the j-th nonzero of row i (ELL, transposed).
    """
    indptr = np.asarray(indptr, dtype=np.int64)
    n = indptr.shape[0] - 1
    counts = np.diff(indptr)
    k = int(counts[0]) if n > 0 else 0
    if n > 0 and np.any(counts != k):
        raise ValueError("W must have the same number of nonzeros in every row "
                         f"(found between {counts.min()} and {counts.max()}).")
    idx = np.ascontiguousarray(
        np.asarray(indices, dtype=np.int32).reshape(n, k).T)
    val = np.ascontiguousarray(
        np.asarray(data, dtype=np.float64).reshape(n, k).T)
    return (idx, val)


@njit(**_JIT)
def _step(idx, val, x, drive_t, leak, linear, out_t):
    """out_t = (1 - leak) x + leak f(drive_t + W x); out_t must not alias x."""
    k, n = idx.shape
    for i in range(n):
        out_t[i] = drive_t[i]
    for j in range(k):
        for i in range(n):
            out_t[i] += val[j, i] * x[idx[j, i]]
    for i in range(n):
        s = out_t[i] if linear else np.tanh(out_t[i])
        out_t[i] = (1.0 - leak) * x[i] + leak * s


@njit(**_JIT)
def _harvest(idx, val, drive, leak, x0, linear, out):
    for t in range(drive.shape[0]):
        if t == 0:
            _step(idx, val, x0, drive[0], leak, linear, out[0])
        else:
            _step(idx, val, out[t - 1], drive[t], leak, linear, out[t])


def harvest(packed, drive, leak, x0, linear, out):
    """Run the reservoir over one sequence (or chunk) and store every state.

    ``out[t] = (1 - leak) x(t-1) + leak f(drive[t] + W x(t-1))`` with
    ``x(-1) = x0`` and ``f`` tanh (or identity if ``linear``).

    Parameters
    ----------
    packed : tuple of ndarray
        Output of :func:`pack_recurrent`.
    drive : ndarray of float64, shape (T, N), C-contiguous
        ``W_in u(t) + b`` for each step; T may be 0.
    leak : float
        Leak rate ``a`` in (0, 1].
    x0 : ndarray of float64, shape (N,)
        State before the first step (``out[-1]`` of the previous chunk).
    linear : bool
        Identity activation instead of tanh.
    out : ndarray of float64, shape (T, N), C-contiguous
        Filled in place; ``out[t]`` is the state after consuming step t.
    """
    _harvest(packed[0], packed[1], drive, float(leak), x0, bool(linear), out)


@njit(parallel=True, **_JIT)
def _harvest_many(idx, val, drive, offsets, leak, x0, linear, out):
    for b in prange(offsets.shape[0] - 1):
        lo, hi = offsets[b], offsets[b + 1]
        _harvest(idx, val, drive[lo:hi], leak, x0[b], linear, out[lo:hi])


def harvest_many(packed, drive, offsets, leak, x0, linear, out):
    """Run the reservoir over many independent sequences, in parallel.

    Parameters
    ----------
    packed : tuple of ndarray
        Output of :func:`pack_recurrent`.
    drive : ndarray of float64, shape (sum T_b, N), C-contiguous
        Drives of all sequences concatenated along time.
    offsets : ndarray of int64, shape (B + 1,)
        Sequence b occupies rows ``offsets[b]:offsets[b + 1]``.
    leak : float
    x0 : ndarray of float64, shape (B, N)
        Initial state of each sequence.
    linear : bool
    out : ndarray of float64, same shape as ``drive``
        Filled in place, as :func:`harvest` does for each sequence.
    """
    _harvest_many(packed[0], packed[1], drive, np.asarray(offsets, np.int64),
                  float(leak), x0, bool(linear), out)


@njit(**_JIT)
def _generate(idx, val, w_in, bias, w_out, leak, x0, u0, linear, out_y, out_x,
              store_x, include_input):
    n = x0.shape[0]
    d = u0.shape[0]
    x = x0.copy()
    x_new = np.empty(n)
    u = u0.copy()
    feats = np.empty(w_out.shape[1])
    feats[0] = 1.0
    for s in range(out_y.shape[0]):
        drive = w_in @ u + bias
        _step(idx, val, x, drive, leak, linear, x_new)
        x, x_new = x_new, x
        if include_input:
            feats[1:1 + d] = u
            feats[1 + d:] = x
        else:
            feats[1:] = x
        y = w_out @ feats
        out_y[s] = y
        if store_x:
            out_x[s] = x
        u = y


def generate(packed, w_in, bias, w_out, leak, x0, u0, n_steps, include_input,
             linear, out_y, out_x=None):
    """Closed-loop (free-running) generation in one jitted call.

    Starting from state ``x = x0`` and input ``u = u0``, for s in 0..n_steps-1::

        x = (1 - leak) x + leak f(w_in @ u + bias + W x)
        y = w_out @ [1, u, x]          ([1, x] if not include_input)
        out_y[s] = y; out_x[s] = x;  u = y

    so ``out_y[0]`` is the prediction made after feeding ``u0`` (an estimate
    of the input that follows ``u0``).

    Parameters
    ----------
    packed : tuple of ndarray
        Output of :func:`pack_recurrent`.
    w_in : ndarray of float64, shape (N, d)
    bias : ndarray of float64, shape (N,)
    w_out : ndarray of float64, shape (d, 1 + d + N) or (d, 1 + N)
    leak : float
    x0 : ndarray of float64, shape (N,)
        State after the last warm-up input.
    u0 : ndarray of float64, shape (d,)
        First input to feed (usually the readout's prediction from ``x0``).
    n_steps : int
    include_input : bool
        Whether the readout features contain ``u``.
    linear : bool
    out_y : ndarray of float64, shape (n_steps, d)
        Filled in place.
    out_x : ndarray of float64, shape (n_steps, N), optional
        If given, filled with the states.
    """
    store_x = out_x is not None
    if not store_x:
        out_x = np.empty((0, x0.shape[0]))
    _generate(packed[0], packed[1], w_in, bias, w_out, float(leak), x0, u0,
              bool(linear), out_y[:n_steps], out_x, store_x,
              bool(include_input))
