"""Numba forward and backward kernels of recurrent cells (one layer, one direction).

These are the leaves of backpropagation through time for the gradient-trained
estimators: Elman (``nn.RNN`` with tanh), GRU, LSTM and Clockwork RNN. Each
kernel runs a whole batch of sequences over all time steps in one jitted call
(the GRU and LSTM split large batches into two groups of sequences, one jitted
call each, on two threads; see ``_n_parts``).

Contract shared by every kernel
-------------------------------
Layout is time-major: ``xw`` has shape ``(T, B, G*H)`` with ``T`` steps, ``B``
sequences and ``H`` hidden units, ``G`` = 1 (Elman, CW-RNN), 3 (GRU) or 4
(LSTM). ``xw = X @ W_ih.T + b_ih`` is the input projection, precomputed by the
caller for all steps with one GEMM. Weight names, shapes and gate order are
PyTorch's: ``w_hh`` is ``(G*H, H)``, ``b_hh`` is ``(G*H,)``, ``h0`` (and ``c0``)
are ``(B, H)``.

Forward kernels return ``(H, *cache)`` with ``H`` of shape ``(T, B, H)``, the
hidden output of every step (``H[-1]`` is the final state). Backward kernels
take ``dH = dLoss/dH`` of shape ``(T, B, H)`` plus the forward's outputs and
return ``(dxw, dw_hh, db_hh, dh0[, dc0])``; the caller gets the input-side
gradients with big GEMMs: ``dW_ih = dxw.reshape(-1, G*H).T @ X.reshape(-1, F)``,
``db_ih = dxw.sum((0, 1))``, ``dX = dxw @ W_ih``.

Dtypes. All floating arrays of one call share one dtype, float64 or float32
(numba compiles one specialisation per dtype; mixing them is a typing error).
Arrays should be C-contiguous (others are accepted but compile another
specialisation and may be copied). ``periods`` is int64. Activations are
evaluated in float64 and rounded to the array dtype on store.

Notes
-----
Per-step recurrent products go to BLAS through ``np.dot(a, b, out)`` on
contiguous operands, with no per-step allocation. The weight gradient is
``dw_hh = sum_t dA_t^T h_{t-1}`` with ``dA`` the gradient of the recurrent
pre-activation ``h W_hh^T + b_hh``: one GEMM over all steps after the time
loop (Elman), or one per 8-step chunk of ``dA`` while it is still in cache
(GRU, LSTM). ``*_forward_into`` / ``*_backward_into`` write into arrays the
caller keeps from batch to batch: fresh pages cost about a microsecond each,
as much as the arithmetic at hidden 64.
``tanh`` and the logistic function use :func:`_expm1`, a branch-free
polynomial that vectorises (libm's ``exp``/``tanh`` do not, and cost more than
the matrix products at small ``H``); both are within a few ulp of libm.

Elementwise loops are long and touch few arrays. The LSTM evaluates its four
gates in one loop over ``4H`` with :func:`_gate` (sigmoid or tanh chosen per
lane, no branch) rather than one short loop per gate, and its backward splits
the per-unit work into loops of at most five arrays: LLVM vectorises a loop
over arrays that might alias only behind runtime overlap checks, and gives up
beyond about eight of them, which made a single fused loop scalar and slower.
"""

import math
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from llvmlite import ir
import numba
from numba import njit, types
from numba.extending import intrinsic, overload

# error_model="numpy": no ZeroDivisionError branch, so loops vectorise.
_JIT = dict(cache=True, nogil=True, error_model="numpy")

__all__ = [
    "elman_forward", "elman_backward",
    "gru_forward", "gru_backward", "gru_forward_into", "gru_backward_into",
    "lstm_forward", "lstm_backward", "lstm_forward_into", "lstm_backward_into",
    "cwrnn_forward", "cwrnn_backward", "closed_loop", "CELL_CODES",
    "cwrnn_default_periods", "cwrnn_mask", "cwrnn_n_recurrent_params",
]


# ---------------------------------------------------------------------------
# Activations (scalar, branch-free, inlined into the vectorised gate loops).
# _sig / _th dispatch on the dtype: float64 to ~2 ulp, float32 computed in
# float32 (twice the SIMD lanes, shorter polynomial) to a few float32 ulp.
# ---------------------------------------------------------------------------

@intrinsic
def _pow2(typingctx, k):
    """2.0**k for an int64 -1022 <= k <= 1023, by writing the exponent bits
    (a bit cast: no libm call, vectorises)."""
    if not isinstance(k, types.Integer):
        return None

    def codegen(context, builder, signature, args):
        k64 = context.cast(builder, args[0], signature.args[0], types.int64)
        bits = builder.shl(builder.add(k64, ir.Constant(ir.IntType(64), 1023)),
                           ir.Constant(ir.IntType(64), 52))
        return builder.bitcast(bits, ir.DoubleType())

    return types.float64(k), codegen


@intrinsic
def _pow2f(typingctx, k):
    """float32 2.0**k for an int32 -126 <= k <= 127 (bit cast)."""
    if not isinstance(k, types.Integer):
        return None

    def codegen(context, builder, signature, args):
        k32 = context.cast(builder, args[0], signature.args[0], types.int32)
        bits = builder.shl(builder.add(k32, ir.Constant(ir.IntType(32), 127)),
                           ir.Constant(ir.IntType(32), 23))
        return builder.bitcast(bits, ir.FloatType())

    return types.float32(k), codegen


@njit(inline="always", **_JIT)
def _expm1(y):
    """expm1(y) for float64 y <= 0 (clamped at -40: exp(-40) ~ 4e-18).
    y = k ln2 + r, |r| <= ln2/2; expm1(y) = 2^k expm1(r) + (2^k - 1)."""
    y = max(y, -40.0)
    kf = (y * 1.4426950408889634 + 6755399441055744.0) - 6755399441055744.0
    r = (y - kf * 6.93147180369123816490e-01) - kf * 1.90821492927058770002e-10
    p = 1.0 / 6227020800.0                          # Taylor to r^14 / 14!
    p = p * r + 1.0 / 479001600.0
    p = p * r + 1.0 / 39916800.0
    p = p * r + 1.0 / 3628800.0
    p = p * r + 1.0 / 362880.0
    p = p * r + 1.0 / 40320.0
    p = p * r + 1.0 / 5040.0
    p = p * r + 1.0 / 720.0
    p = p * r + 1.0 / 120.0
    p = p * r + 1.0 / 24.0
    p = p * r + 1.0 / 6.0
    p = p * r + 0.5
    em_r = r + r * r * p
    s = _pow2(np.int64(kf))                         # -58 <= kf <= 0
    return s * em_r + (s - 1.0)


# float32 constants (numba freezes numpy scalars with their dtype)
_F_LO = np.float32(-40.0)
_F_LOG2E = np.float32(1.44269504)
_F_MAGIC = np.float32(12582912.0)                   # 1.5 * 2^23: round to int
_F_LN2_HI = np.float32(0.693145752)                 # ln2 split, 12-bit hi part
_F_LN2_LO = np.float32(1.42860677e-06)
_F_C = tuple(np.float32(1.0 / math.factorial(n)) for n in range(2, 9))
_F_0 = np.float32(0.0)
_F_1 = np.float32(1.0)
_F_2 = np.float32(2.0)


@njit(inline="always", **_JIT)
def _expm1f(y):
    """float32 expm1(y) for y <= 0 (clamped at -40), as :func:`_expm1` with a
    Taylor polynomial to r^8 / 8! (relative error < 1e-8 on |r| <= ln2/2)."""
    y = max(y, _F_LO)
    kf = (y * _F_LOG2E + _F_MAGIC) - _F_MAGIC
    r = (y - kf * _F_LN2_HI) - kf * _F_LN2_LO
    c2, c3, c4, c5, c6, c7, c8 = _F_C
    p = c8
    p = p * r + c7
    p = p * r + c6
    p = p * r + c5
    p = p * r + c4
    p = p * r + c3
    p = p * r + c2
    em_r = r + r * r * p
    s = _pow2f(np.int32(kf))
    return s * em_r + (s - _F_1)


def _sig(x):
    """Logistic function, in the precision of ``x`` (float32 or float64)."""
    raise NotImplementedError("only callable from jitted code")


def _th(x):
    """tanh, in the precision of ``x`` (float32 or float64)."""
    raise NotImplementedError("only callable from jitted code")


@njit(inline="always", **_JIT)
def _sig64(x):
    x = float(x)
    e = _expm1(-abs(x)) + 1.0
    num = 1.0 if x >= 0.0 else e
    return num / (1.0 + e)


@njit(inline="always", **_JIT)
def _sig32(x):
    e = _expm1f(-abs(x)) + _F_1
    num = _F_1 if x >= _F_0 else e
    return num / (_F_1 + e)


@njit(inline="always", **_JIT)
def _th64(x):
    x = float(x)
    e = _expm1(-2.0 * abs(x))
    return math.copysign(-e / (2.0 + e), x)


@njit(inline="always", **_JIT)
def _th32(x):
    e = _expm1f(-_F_2 * abs(x))
    return np.float32(math.copysign(-e / (_F_2 + e), x))


@overload(_sig)
def _sig_impl(x):
    if x == types.float32:
        return lambda x: _sig32(x)
    return lambda x: _sig64(x)


@overload(_th)
def _th_impl(x):
    if x == types.float32:
        return lambda x: _th32(x)
    return lambda x: _th64(x)


def _gate(x, t):
    """``tanh(x)`` where the bool ``t`` is set, else ``sigmoid(x)``: the value
    of :func:`_th` / :func:`_sig` (same operations, same rounding), but
    branch-free so that one loop over all 4H LSTM gates vectorises."""
    raise NotImplementedError("only callable from jitted code")


@njit(inline="always", **_JIT)
def _gate64(x, t):
    x = float(x)
    e = _expm1(-((2.0 if t else 1.0) * abs(x)))
    e1 = e + 1.0
    num = -e if t else (1.0 if x >= 0.0 else e1)
    q = num / ((2.0 + e) if t else (1.0 + e1))
    return math.copysign(q, x) if t else q


@njit(inline="always", **_JIT)
def _gate32(x, t):
    e = _expm1f(-((_F_2 if t else _F_1) * abs(x)))
    e1 = e + _F_1
    num = -e if t else (_F_1 if x >= _F_0 else e1)
    q = num / ((_F_2 + e) if t else (_F_1 + e1))
    return np.float32(math.copysign(q, x)) if t else q


@overload(_gate)
def _gate_impl(x, t):
    if x == types.float32:
        return lambda x, t: _gate32(x, t)
    return lambda x, t: _gate64(x, t)


@njit(inline="always", **_JIT)
def _one(a):
    """1 in the dtype of array ``a`` (a literal 1.0 would promote float32)."""
    return np.ones(1, dtype=a.dtype)[0]


# ---------------------------------------------------------------------------
# Shared pieces of the backward pass
# ---------------------------------------------------------------------------

# Batches of at least _SPLIT_MIN_WORK = B * H * H (multiply-adds per step and
# gate) run as _N_PARTS independent groups of sequences: the first in the
# calling thread, the others on a helper thread (the kernels release the GIL),
# each group with its own time loop and its own BLAS products, joined once at
# the end. A 32 x 256 product per step is too small for BLAS's own threads,
# which wait on each other at every step. The split depends on the shapes
# only, never on the number of threads, so the bits of the result do not
# either; with ``numba.get_num_threads() == 1`` the groups run one after the
# other in the calling thread.
_N_PARTS = 2
_SPLIT_MIN_WORK = 32 * 64 * 64
_SPLIT_MIN_ROWS = 8              # sequences per group, at least

_helper = None                   # ThreadPoolExecutor, made on first use
_helper_lock = threading.Lock()


def _forget_helper():
    global _helper, _helper_lock
    _helper, _helper_lock = None, threading.Lock()


if hasattr(os, "register_at_fork"):   # a forked child has no helper thread
    os.register_at_fork(after_in_child=_forget_helper)


def _n_parts(B, H):
    """Groups of sequences a batch of ``B`` sequences of ``H`` units runs in."""
    if B * H * H >= _SPLIT_MIN_WORK and B >= _N_PARTS * _SPLIT_MIN_ROWS:
        return _N_PARTS
    return 1


def _run_parts(kernel, B, n_parts, args, per_part=()):
    """``kernel(*args, *[a[p] for a in per_part], lo, hi)`` for the ``n_parts``
    groups of rows ``lo:hi`` of a batch of ``B``; group 0 in this thread."""
    global _helper
    calls = [args + tuple(a[p] for a in per_part)
             + ((p * B) // n_parts, ((p + 1) * B) // n_parts) for p in range(n_parts)]
    if n_parts == 1 or numba.get_num_threads() < 2:
        for c in calls:
            kernel(*c)
        return
    with _helper_lock:
        if _helper is None:
            _helper = ThreadPoolExecutor(max_workers=_N_PARTS - 1,
                                         thread_name_prefix="reservoir-rnn")
        helper = _helper
    futures = [helper.submit(kernel, *c) for c in calls[1:]]
    try:
        kernel(*calls[0])
    finally:
        for f in futures:
            f.result()


def _sum_parts(dws, dbs):
    """Sum of the groups' weight gradients, in group order."""
    dw, db = dws[0], dbs[0]
    for p in range(1, dws.shape[0]):
        dw += dws[p]
        db += dbs[p]
    return dw, db


@njit(**_JIT)
def _weight_grads(dA, Hs, h0):
    """dw_hh = sum_t dA[t]^T h_{t-1} (h_{-1} = h0) and db_hh = sum_{t,b} dA[t, b]
    with two GEMMs over all steps; dA (T, B, GH), Hs (T, B, H), h0 (B, H)."""
    T, B, GH = dA.shape
    dw = np.dot(dA[0].T, h0)
    if T > 1:
        dA2 = dA.reshape(T * B, GH)
        H2 = Hs.reshape(T * B, Hs.shape[2])
        dw += np.dot(dA2[B:].T, H2[:(T - 1) * B])
    db = np.zeros(GH, dtype=dA.dtype)
    for t in range(T):
        for b in range(B):
            row = dA[t, b]
            for j in range(GH):
                db[j] += row[j]
    return dw, db


@njit(inline="always", **_JIT)
def _add_into(g, tmp, dHp):
    """g = tmp + dHp, all (B, H)."""
    for b in range(g.shape[0]):
        gr, tr, dr = g[b], tmp[b], dHp[b]
        for j in range(g.shape[1]):
            gr[j] = tr[j] + dr[j]


# ---------------------------------------------------------------------------
# Elman (nn.RNN, tanh)
# ---------------------------------------------------------------------------

@njit(**_JIT)
def elman_forward(xw, w_hh, b_hh, h0):
    """Elman / simple RNN over all steps: h_t = tanh(xw_t + h_{t-1} W_hh^T + b_hh).

    Parameters
    ----------
    xw : ndarray, shape (T, B, H)
        Input projection ``x_t W_ih^T + b_ih`` of every step.
    w_hh : ndarray, shape (H, H)
    b_hh : ndarray, shape (H,)
    h0 : ndarray, shape (B, H)
        Initial state ``h_{-1}``.

    Returns
    -------
    (Hs,) : tuple of one ndarray, shape (T, B, H)
        Hidden states ``h_0 .. h_{T-1}``; also the backward's cache.
    """
    T, B, H = xw.shape
    wT = np.ascontiguousarray(w_hh.T)
    Hs = np.empty((T, B, H), dtype=xw.dtype)
    pre = np.empty((B, H), dtype=xw.dtype)
    hc = np.ascontiguousarray(h0)
    for t in range(T):
        hp = hc if t == 0 else Hs[t - 1]
        np.dot(hp, wT, pre)
        for b in range(B):
            x, p, h = xw[t, b], pre[b], Hs[t, b]
            for j in range(H):
                h[j] = _th(x[j] + p[j] + b_hh[j])
    return (Hs,)


@njit(**_JIT)
def elman_backward(dH, Hs, h0, w_hh):
    """Backward of :func:`elman_forward`.

    With ``a_t = xw_t + h_{t-1} W_hh^T + b_hh`` and ``g_t`` the total gradient
    on ``h_t`` (``dH[t]`` plus what flows back from step ``t + 1``)::

        da_t = g_t * (1 - h_t^2),   g_{t-1} = dH[t-1] + da_t W_hh

    Parameters
    ----------
    dH : ndarray, shape (T, B, H)
        dLoss/dh_t for every step.
    Hs : ndarray, shape (T, B, H)
        From :func:`elman_forward`.
    h0 : ndarray, shape (B, H)
    w_hh : ndarray, shape (H, H)

    Returns
    -------
    dxw : ndarray, shape (T, B, H)
        ``da_t`` (the gradient wrt ``xw``, which is also wrt the recurrent
        pre-activation).
    dw_hh : ndarray, shape (H, H)
    db_hh : ndarray, shape (H,)
    dh0 : ndarray, shape (B, H)
    """
    T, B, H = dH.shape
    one = _one(dH)
    wc = np.ascontiguousarray(w_hh)
    dxw = np.empty((T, B, H), dtype=dH.dtype)
    g = dH[T - 1].copy()
    tmp = np.empty((B, H), dtype=dH.dtype)
    for t in range(T - 1, -1, -1):
        for b in range(B):
            h, gr, da = Hs[t, b], g[b], dxw[t, b]
            for j in range(H):
                da[j] = gr[j] * (one - h[j] * h[j])
        np.dot(dxw[t], wc, tmp)
        if t > 0:
            _add_into(g, tmp, dH[t - 1])
    dw, db = _weight_grads(dxw, Hs, np.ascontiguousarray(h0))
    return dxw, dw, db, tmp


# ---------------------------------------------------------------------------
# GRU (nn.GRU)
# ---------------------------------------------------------------------------

@njit(**_JIT)
def _gru_forward_rows(xw, wT, b_hh, h0, Hs, gates, q, lo, hi):
    """Fill rows ``lo:hi`` of ``Hs``, ``gates``, ``q``; ``wT = W_hh^T``
    C-contiguous, (H, 3H)."""
    T, B, G = xw.shape
    H = G // 3
    one = _one(xw)
    hb = h0[lo:hi].copy()                         # h_{t-1} of the rows
    gh = np.empty((hi - lo, G), dtype=xw.dtype)
    for t in range(T):
        np.dot(hb, wT, gh)
        for r in range(hi - lo):
            b = lo + r
            x, gr, a, qr = xw[t, b], gh[r], gates[t, b], q[t, b]
            for j in range(2 * H):
                a[j] = _sig(x[j] + gr[j] + b_hh[j])
            for j in range(H):
                qr[j] = gr[2 * H + j] + b_hh[2 * H + j]
            for j in range(H):
                a[2 * H + j] = _th(x[2 * H + j] + a[j] * qr[j])
            hn = hb[r]
            for j in range(H):
                z = a[H + j]
                hn[j] = (one - z) * a[2 * H + j] + z * hn[j]
            hr = Hs[t, b]
            for j in range(H):
                hr[j] = hn[j]


def gru_forward(xw, w_hh, b_hh, h0):
    """GRU over all steps, PyTorch's equations and gate order (r, z, n)::

        r_t = sigmoid(xw_r + h_{t-1} W_hr^T + b_hr)
        z_t = sigmoid(xw_z + h_{t-1} W_hz^T + b_hz)
        q_t = h_{t-1} W_hn^T + b_hn
        n_t = tanh(xw_n + r_t * q_t)
        h_t = (1 - z_t) * n_t + z_t * h_{t-1}

    Parameters
    ----------
    xw : ndarray, shape (T, B, 3H)
        ``x_t W_ih^T + b_ih``, blocks ``[r | z | n]`` (so ``xw_n`` includes
        ``b_in``).
    w_hh : ndarray, shape (3H, H)
        ``[W_hr; W_hz; W_hn]`` (PyTorch's ``weight_hh_l0``).
    b_hh : ndarray, shape (3H,)
    h0 : ndarray, shape (B, H)

    Returns
    -------
    Hs : ndarray, shape (T, B, H)
    gates : ndarray, shape (T, B, 3H)
        ``[r | z | n]`` activations of every step.
    q : ndarray, shape (T, B, H)
        ``h_{t-1} W_hn^T + b_hn`` of every step.
    """
    T, B, G = xw.shape
    H = G // 3
    Hs = np.empty((T, B, H), dtype=xw.dtype)
    gates = np.empty((T, B, G), dtype=xw.dtype)
    q = np.empty((T, B, H), dtype=xw.dtype)
    gru_forward_into(xw, w_hh, b_hh, h0, Hs, gates, q)
    return Hs, gates, q


def gru_forward_into(xw, w_hh, b_hh, h0, Hs, gates, q):
    """:func:`gru_forward` writing into given C-contiguous ``Hs``, ``gates``,
    ``q`` (a caller that trains on many batches reuses them: fresh pages
    cost about as much as the arithmetic)."""
    B, H = xw.shape[1], xw.shape[2] // 3
    wT = np.ascontiguousarray(w_hh.T)
    _run_parts(_gru_forward_rows, B, _n_parts(B, H), (xw, wT, b_hh, h0, Hs, gates, q))


_GRU_CHUNK = 8   # steps of dA per weight-gradient GEMM in gru_backward


@njit(inline="always", **_JIT)
def _add_to(a, b):
    """a += b, both C-contiguous 2-D of one shape."""
    for i in range(a.shape[0]):
        ar, br = a[i], b[i]
        for j in range(a.shape[1]):
            ar[j] += br[j]


@njit(**_JIT)
def _fold_chunk(dA, hp, n, wtmp, dw, db):
    """dw += dA[:n].T @ hp[:n] and db += the column sums of dA[:n]: one chunk
    of gate gradients folded into the recurrent weight and bias gradients."""
    np.dot(dA[:n].T, hp[:n], wtmp)
    _add_to(dw, wtmp)
    for i in range(n):
        row = dA[i]
        for j in range(dA.shape[1]):
            db[j] += row[j]


@njit(**_JIT)
def _gru_backward_rows(dH, Hs, gates, q, h0, w_hh, dxw, dh0, dw, db, lo, hi):
    """Rows ``lo:hi`` of :func:`gru_backward`: fill their ``dxw`` and ``dh0``
    and add their share of the weight gradients to ``dw``, ``db`` (zeroed by
    the caller)."""
    T, B, H = dH.shape
    G = 3 * H
    R = hi - lo
    K = _GRU_CHUNK
    one = _one(dH)
    dA = np.empty((K * R, G), dtype=dH.dtype)     # dA of the current chunk
    hpc = np.empty((K * R, H), dtype=dH.dtype)    # h_{t-1} of the same rows
    wtmp = np.empty((G, H), dtype=dH.dtype)
    g = dH[T - 1, lo:hi].copy()
    tmp = np.empty((R, H), dtype=dH.dtype)
    for t in range(T - 1, -1, -1):
        first = (t // K) * K                       # first step of t's chunk
        base = (t - first) * R
        for r in range(R):
            # Loops split so that each touches few arrays (see module notes).
            b = lo + r
            hpr = h0[b] if t == 0 else Hs[t - 1, b]
            a, qr, gr, dx, da = gates[t, b], q[t, b], g[r], dxw[t, b], dA[base + r]
            ar, az, an = a[:H], a[H:2 * H], a[2 * H:]
            dxr, dxz, dxn, dan = dx[:H], dx[H:2 * H], dx[2 * H:], da[2 * H:]
            for j in range(H):
                z = az[j]
                n = an[j]
                dxn[j] = gr[j] * (one - z) * (one - n * n)
            for j in range(H):
                z = az[j]
                dxz[j] = gr[j] * (hpr[j] - an[j]) * z * (one - z)
                gr[j] *= z
            for j in range(H):
                r_ = ar[j]
                dxr[j] = dxn[j] * qr[j] * r_ * (one - r_)
                dan[j] = dxn[j] * r_
            for j in range(2 * H):
                da[j] = dx[j]
            hr = hpc[base + r]
            for j in range(H):
                hr[j] = hpr[j]
        np.dot(dA[base:base + R], w_hh, tmp)
        for r in range(R):
            gr, tr = g[r], tmp[r]
            if t > 0:
                dr = dH[t - 1, lo + r]
                for j in range(H):
                    gr[j] += tr[j] + dr[j]
            else:
                for j in range(H):
                    gr[j] += tr[j]
        if t == first:                             # chunk done: fold it in
            _fold_chunk(dA, hpc, (min(T, first + K) - first) * R, wtmp, dw, db)
    dh0[lo:hi] = g


def gru_backward(dH, Hs, gates, q, h0, w_hh):
    """Backward of :func:`gru_forward`.

    With ``g_t`` the total gradient on ``h_t``::

        dn = g (1 - z),  dz = g (h_{t-1} - n)
        da_n = dn (1 - n^2),  da_r = da_n q r (1 - r),  da_z = dz z (1 - z)
        dq = da_n r
        g_{t-1} = dH[t-1] + g z + [da_r | da_z | dq] W_hh

    The gradient ``dA = [da_r | da_z | dq]`` of the recurrent pre-activation
    lives only in a buffer of ``_GRU_CHUNK`` steps: each full chunk goes into
    ``dw_hh`` / ``db_hh`` with one GEMM while it is still in cache, instead of
    a ``(T, B, 3H)`` array whose fresh pages cost as much as the GEMM. Large
    batches run as independent groups of sequences (see ``_n_parts``), whose
    ``dw_hh`` / ``db_hh`` are summed in group order.

    Parameters
    ----------
    dH : ndarray, shape (T, B, H)
    Hs, gates, q : ndarrays
        From :func:`gru_forward`.
    h0 : ndarray, shape (B, H)
    w_hh : ndarray, shape (3H, H)

    Returns
    -------
    dxw : ndarray, shape (T, B, 3H)
        ``[da_r | da_z | da_n]``.
    dw_hh : ndarray, shape (3H, H)
    db_hh : ndarray, shape (3H,)
    dh0 : ndarray, shape (B, H)
    """
    T, B, H = dH.shape
    dxw = np.empty((T, B, 3 * H), dtype=dH.dtype)
    dw, db, dh0 = gru_backward_into(dH, Hs, gates, q, h0, w_hh, dxw)
    return dxw, dw, db, dh0


def gru_backward_into(dH, Hs, gates, q, h0, w_hh, dxw):
    """:func:`gru_backward` writing ``dxw`` into a given C-contiguous array;
    returns ``(dw_hh, db_hh, dh0)``."""
    T, B, H = dH.shape
    G = 3 * H
    wc = np.ascontiguousarray(w_hh)
    dh0 = np.empty((B, H), dtype=dH.dtype)
    n_parts = _n_parts(B, H)
    dws = np.zeros((n_parts, G, H), dtype=dH.dtype)
    dbs = np.zeros((n_parts, G), dtype=dH.dtype)
    _run_parts(_gru_backward_rows, B, n_parts, (dH, Hs, gates, q, h0, wc, dxw, dh0),
               (dws, dbs))
    dw, db = _sum_parts(dws, dbs)
    return dw, db, dh0


# ---------------------------------------------------------------------------
# LSTM (nn.LSTM)
# ---------------------------------------------------------------------------

_LSTM_CHUNK = 8   # steps of dA per weight-gradient GEMM in lstm_backward


@njit(**_JIT)
def _lstm_forward_rows(xw, wT, b_hh, h0, c0, Hs, Cs, gates, lo, hi):
    """Fill rows ``lo:hi`` of ``Hs``, ``Cs``, ``gates`` (the sequences of a
    batch are independent); ``wT = W_hh^T`` C-contiguous, (H, 4H)."""
    T, B, G = xw.shape
    H = G // 4
    is_tanh = np.zeros(G, dtype=np.bool_)          # the g block: tanh
    is_tanh[2 * H:3 * H] = True
    hb = h0[lo:hi].copy()                         # h_{t-1} of the rows
    gh = np.empty((hi - lo, G), dtype=xw.dtype)
    for t in range(T):
        np.dot(hb, wT, gh)
        for r in range(hi - lo):
            b = lo + r
            x, p, a = xw[t, b], gh[r], gates[t, b]
            for j in range(G):                      # one vectorised loop
                a[j] = _gate(x[j] + p[j] + b_hh[j], is_tanh[j])
            cp = c0[b] if t == 0 else Cs[t - 1, b]
            cr, hn = Cs[t, b], hb[r]
            for j in range(H):
                c = a[H + j] * cp[j] + a[j] * a[2 * H + j]
                cr[j] = c
                hn[j] = a[3 * H + j] * _th(c)
            hr = Hs[t, b]
            for j in range(H):
                hr[j] = hn[j]


def lstm_forward(xw, w_hh, b_hh, h0, c0):
    """LSTM over all steps, PyTorch's equations and gate order (i, f, g, o)::

        [a_i | a_f | a_g | a_o] = xw_t + h_{t-1} W_hh^T + b_hh
        i = sigmoid(a_i), f = sigmoid(a_f), g = tanh(a_g), o = sigmoid(a_o)
        c_t = f * c_{t-1} + i * g
        h_t = o * tanh(c_t)

    Parameters
    ----------
    xw : ndarray, shape (T, B, 4H)
    w_hh : ndarray, shape (4H, H)
    b_hh : ndarray, shape (4H,)
    h0, c0 : ndarray, shape (B, H)

    Returns
    -------
    Hs : ndarray, shape (T, B, H)
    Cs : ndarray, shape (T, B, H)
        Cell states ``c_0 .. c_{T-1}`` (``Cs[-1]`` is the final cell state).
    gates : ndarray, shape (T, B, 4H)
        ``[i | f | g | o]`` activations of every step.
    """
    T, B, G = xw.shape
    H = G // 4
    Hs = np.empty((T, B, H), dtype=xw.dtype)
    Cs = np.empty((T, B, H), dtype=xw.dtype)
    gates = np.empty((T, B, G), dtype=xw.dtype)
    lstm_forward_into(xw, w_hh, b_hh, h0, c0, Hs, Cs, gates)
    return Hs, Cs, gates


def lstm_forward_into(xw, w_hh, b_hh, h0, c0, Hs, Cs, gates):
    """:func:`lstm_forward` writing into given C-contiguous ``Hs``, ``Cs``,
    ``gates`` (see :func:`gru_forward_into`)."""
    B, H = xw.shape[1], xw.shape[2] // 4
    wT = np.ascontiguousarray(w_hh.T)
    _run_parts(_lstm_forward_rows, B, _n_parts(B, H),
               (xw, wT, b_hh, h0, c0, Hs, Cs, gates))


@njit(**_JIT)
def _lstm_backward_rows(dH, Hs, Cs, gates, h0, c0, w_hh, dxw, dh0, dc0, dw, db,
                        lo, hi):
    """Rows ``lo:hi`` of :func:`lstm_backward`: fill their ``dxw``, ``dh0``,
    ``dc0`` and add their share of the weight gradients to ``dw``, ``db``
    (zeroed by the caller)."""
    T, B, H = dH.shape
    G = 4 * H
    R = hi - lo
    K = _LSTM_CHUNK
    one = _one(dH)
    k = np.zeros((R, H), dtype=dH.dtype)          # gradient on c_t
    gw = np.zeros((R, H), dtype=dH.dtype)         # da_{t+1} W_hh
    dA = np.empty((K * R, G), dtype=dH.dtype)     # da of the current chunk
    hp = np.empty((K * R, H), dtype=dH.dtype)     # h_{t-1} of the same rows
    wtmp = np.empty((G, H), dtype=dH.dtype)
    tc = np.empty(H, dtype=dH.dtype)              # tanh(c_t) of one row
    for t in range(T - 1, -1, -1):
        first = (t // K) * K                      # first step of t's chunk
        base = (t - first) * R
        for r in range(R):
            # Loops split so that each touches few arrays: LLVM gives up
            # vectorising when too many runtime alias checks are needed.
            b = lo + r
            a, cr, dh, gr, kr, d = gates[t, b], Cs[t, b], dH[t, b], gw[r], k[r], dA[base + r]
            for j in range(H):
                gr[j] += dh[j]                      # g_t
                tc[j] = _th(cr[j])
            for j in range(H):
                o = a[3 * H + j]
                d[3 * H + j] = gr[j] * tc[j] * o * (one - o)
                kr[j] += gr[j] * o * (one - tc[j] * tc[j])
            cp = c0[b] if t == 0 else Cs[t - 1, b]
            for j in range(H):
                i = a[j]
                f = a[H + j]
                gg = a[2 * H + j]
                d[j] = kr[j] * gg * i * (one - i)
                d[H + j] = kr[j] * cp[j] * f * (one - f)
                d[2 * H + j] = kr[j] * i * (one - gg * gg)
                kr[j] *= f
            out = dxw[t, b]
            for j in range(G):
                out[j] = d[j]
            src, dst = (h0[b] if t == 0 else Hs[t - 1, b]), hp[base + r]
            for j in range(H):
                dst[j] = src[j]
        np.dot(dA[base:base + R], w_hh, gw)
        if t == first:                            # chunk done: fold it in
            _fold_chunk(dA, hp, (min(T, first + K) - first) * R, wtmp, dw, db)
    dh0[lo:hi] = gw
    dc0[lo:hi] = k


def lstm_backward(dH, Hs, Cs, gates, h0, c0, w_hh):
    """Backward of :func:`lstm_forward`.

    With ``g_t`` / ``k_t`` the total gradients on ``h_t`` / ``c_t``::

        k = k_next + g o (1 - tanh(c)^2)
        da_i = k g i (1 - i),  da_f = k c_{t-1} f (1 - f)
        da_g = k i (1 - g^2),  da_o = g tanh(c) o (1 - o)
        k_{t-1} = k f,  g_{t-1} = dH[t-1] + [da_i | da_f | da_g | da_o] W_hh

    The weight gradient ``dw_hh = sum_t da_t^T h_{t-1}`` is folded in every
    ``_LSTM_CHUNK`` steps with one GEMM while that chunk's ``da`` is still in
    cache; large batches run as independent groups of sequences (see
    ``_n_parts``), whose ``dw_hh`` / ``db_hh`` are summed in group order.

    Parameters
    ----------
    dH : ndarray, shape (T, B, H)
    Hs, Cs, gates : ndarrays
        From :func:`lstm_forward`.
    h0, c0 : ndarray, shape (B, H)
    w_hh : ndarray, shape (4H, H)

    Returns
    -------
    dxw : ndarray, shape (T, B, 4H)
    dw_hh : ndarray, shape (4H, H)
    db_hh : ndarray, shape (4H,)
    dh0, dc0 : ndarray, shape (B, H)
    """
    T, B, H = dH.shape
    dxw = np.empty((T, B, 4 * H), dtype=dH.dtype)
    dw, db, dh0, dc0 = lstm_backward_into(dH, Hs, Cs, gates, h0, c0, w_hh, dxw)
    return dxw, dw, db, dh0, dc0


def lstm_backward_into(dH, Hs, Cs, gates, h0, c0, w_hh, dxw):
    """:func:`lstm_backward` writing ``dxw`` into a given C-contiguous array;
    returns ``(dw_hh, db_hh, dh0, dc0)``."""
    T, B, H = dH.shape
    G = 4 * H
    wc = np.ascontiguousarray(w_hh)
    dh0 = np.empty((B, H), dtype=dH.dtype)
    dc0 = np.empty((B, H), dtype=dH.dtype)
    n_parts = _n_parts(B, H)
    dws = np.zeros((n_parts, G, H), dtype=dH.dtype)
    dbs = np.zeros((n_parts, G), dtype=dH.dtype)
    _run_parts(_lstm_backward_rows, B, n_parts,
               (dH, Hs, Cs, gates, h0, c0, wc, dxw, dh0, dc0), (dws, dbs))
    dw, db = _sum_parts(dws, dbs)
    return dw, db, dh0, dc0


# ---------------------------------------------------------------------------
# Clockwork RNN (Koutnik et al., 2014)
# ---------------------------------------------------------------------------

def cwrnn_default_periods(n_modules):
    """Periods ``1, 2, 4, ..., 2**(n_modules - 1)`` as int64."""
    return 2 ** np.arange(int(n_modules), dtype=np.int64)


def cwrnn_mask(hidden_size, n_modules):
    """Boolean (H, H) mask of the free recurrent weights: block (i, j) of size
    m x m (m = H / n_modules) is free iff j >= i (block upper triangular)."""
    m = _module_size(hidden_size, n_modules)
    mod = np.arange(hidden_size) // m
    return mod[None, :] >= mod[:, None]


def cwrnn_n_recurrent_params(hidden_size, n_modules):
    """Number of free recurrent weights of a Clockwork RNN:
    ``m^2 g (g + 1) / 2`` with ``g = n_modules`` and ``m = hidden_size / g``."""
    m = _module_size(hidden_size, n_modules)
    g = int(n_modules)
    return m * m * g * (g + 1) // 2


def _module_size(hidden_size, n_modules):
    hidden_size, n_modules = int(hidden_size), int(n_modules)
    if n_modules < 1 or hidden_size < 1 or hidden_size % n_modules:
        raise ValueError(
            f"hidden_size={hidden_size} must be a positive multiple of "
            f"n_modules={n_modules}; choose hidden_size = n_modules * module size.")
    return hidden_size // n_modules


@njit(**_JIT)
def _cw_blocks(w_hh, g):
    """Contiguous copies of the free row blocks W[i m:(i+1) m, i m:], i < g."""
    H = w_hh.shape[0]
    m = H // g
    blocks = [np.ascontiguousarray(w_hh[0:m, 0:H])]
    for i in range(1, g):
        blocks.append(np.ascontiguousarray(w_hh[i * m:(i + 1) * m, i * m:H]))
    return blocks


@njit(**_JIT)
def cwrnn_forward(xw, w_hh, b_hh, h0, periods, t0=0):
    """Clockwork RNN over all steps (Koutnik et al., ICML 2014).

    The ``H`` units form ``g = len(periods)`` modules of ``m = H / g`` units,
    ordered by increasing period. Module ``i`` is active at step ``t``
    (0-based) iff ``t % periods[i] == 0``; then::

        h_t[i] = tanh(xw_t[i] + sum_{j >= i} h_{t-1}[j] W_hh[i, j]^T + b_hh[i])

    and otherwise ``h_t[i] = h_{t-1}[i]`` (no work is done for it). ``[i]``
    is the slice ``i m:(i+1) m`` and ``W_hh[i, j]`` the ``m x m`` block.

    Parameters
    ----------
    xw : ndarray, shape (T, B, H)
    w_hh : ndarray, shape (H, H)
        Full matrix; only the block upper triangle (``j >= i``, see
        :func:`cwrnn_mask`) is read. The caller keeps the lower blocks zero
        (the backward returns zero gradient there).
    b_hh : ndarray, shape (H,)
    h0 : ndarray, shape (B, H)
    periods : ndarray of int64, shape (g,)
        Positive and strictly increasing (the caller validates), ``H % g == 0``.
    t0 : int, default 0
        Clock of the first step (to continue a sequence): module ``i`` is
        active at step ``t`` iff ``(t0 + t) % periods[i] == 0``.

    Returns
    -------
    (Hs,) : tuple of one ndarray, shape (T, B, H)
    """
    T, B, H = xw.shape
    g = periods.shape[0]
    m = H // g
    blocks = _cw_blocks(w_hh, g)
    hT = np.ascontiguousarray(h0.T)               # state, (H, B)
    pre = np.empty((H, B), dtype=xw.dtype)
    Hs = np.empty((T, B, H), dtype=xw.dtype)
    for t in range(T):
        for i in range(g):                        # products from the old state
            if (t0 + t) % periods[i] == 0:
                np.dot(blocks[i], hT[i * m:], pre[i * m:(i + 1) * m])
        for i in range(g):
            if (t0 + t) % periods[i] == 0:
                for u in range(i * m, (i + 1) * m):
                    for b in range(B):
                        hT[u, b] = _th(xw[t, b, u] + pre[u, b] + b_hh[u])
        ht = Hs[t]
        for b in range(B):
            for u in range(H):
                ht[b, u] = hT[u, b]
    return (Hs,)


@njit(**_JIT)
def cwrnn_backward(dH, Hs, h0, w_hh, periods, t0=0):
    """Backward of :func:`cwrnn_forward`.

    With ``g_t`` the total gradient on ``h_t`` and ``A_t`` the modules active
    at step ``t``: for ``i`` in ``A_t``, ``da[i] = g_t[i] (1 - h_t[i]^2)``,
    ``dxw_t[i] = da[i]``, ``dW[i, j] += da[i]^T h_{t-1}[j]`` (``j >= i``);
    for ``i`` not in ``A_t``, ``dxw_t[i] = 0``. Then::

        g_{t-1}[j] = dH[t-1][j] + [j not in A_t] g_t[j]
                     + sum_{i in A_t, i <= j} da[i] W_hh[i, j]

    Parameters
    ----------
    dH : ndarray, shape (T, B, H)
    Hs : ndarray, shape (T, B, H)
        From :func:`cwrnn_forward`.
    h0 : ndarray, shape (B, H)
    w_hh : ndarray, shape (H, H)
    periods : ndarray of int64, shape (g,)
    t0 : int, default 0
        The clock passed to :func:`cwrnn_forward`.

    Returns
    -------
    dxw : ndarray, shape (T, B, H)
        Zero in the columns of inactive modules.
    dw_hh : ndarray, shape (H, H)
        Exactly zero outside the block upper triangle.
    db_hh : ndarray, shape (H,)
    dh0 : ndarray, shape (B, H)
    """
    T, B, H = dH.shape
    g = periods.shape[0]
    m = H // g
    dt = dH.dtype
    blocks = _cw_blocks(w_hh, g)
    dblocks = [np.zeros((m, H - i * m), dtype=dt) for i in range(g)]
    scratch = [np.empty((m, H - i * m), dtype=dt) for i in range(g)]
    dxw = np.zeros((T, B, H), dtype=dt)
    db = np.zeros(H, dtype=dt)
    gT = np.ascontiguousarray(dH[T - 1].T)        # g_t transposed, (H, B)
    daT = np.empty((H, B), dtype=dt)
    hpT = np.empty((H, B), dtype=dt)
    tmp = np.empty((H, B), dtype=dt)
    for t in range(T - 1, -1, -1):
        hp = h0 if t == 0 else Hs[t - 1]
        for b in range(B):
            for u in range(H):
                hpT[u, b] = hp[b, u]
        for i in range(g):
            if (t0 + t) % periods[i] == 0:
                for u in range(i * m, (i + 1) * m):
                    s = 0.0
                    for b in range(B):
                        h = Hs[t, b, u]
                        d = gT[u, b] * (1.0 - h * h)
                        daT[u, b] = d
                        dxw[t, b, u] = d
                        gT[u, b] = 0.0
                        s += d
                    db[u] += s
        for i in range(g):
            if (t0 + t) % periods[i] == 0:
                dai = daT[i * m:(i + 1) * m]
                np.dot(blocks[i].T, dai, tmp[:H - i * m])
                for u in range(H - i * m):
                    for b in range(B):
                        gT[i * m + u, b] += tmp[u, b]
                np.dot(dai, hpT[i * m:].T, scratch[i])
                dblocks[i] += scratch[i]
        if t > 0:
            for b in range(B):
                for u in range(H):
                    gT[u, b] += dH[t - 1, b, u]
    dw = np.zeros((H, H), dtype=dt)
    for i in range(g):
        dw[i * m:(i + 1) * m, i * m:] = dblocks[i]
    return dxw, dw, db, np.ascontiguousarray(gT.T)


# ---------------------------------------------------------------------------
# Closed-loop generation: every output fed back as the next input
# ---------------------------------------------------------------------------

CELL_CODES = {"elman": 0, "gru": 1, "lstm": 2, "cwrnn": 3}


@njit(**_JIT)
def closed_loop(cell, w_ih0, w_ih, w_hh, wT, b_ih, b_hh, w_out, b_out, h, c, y0,
                future, periods, t0):
    """Generate with a unidirectional stack of ``L`` layers, one compiled loop.

    Step ``s >= 1`` feeds ``[out[s - 1], future[s - 1]]`` through the layers
    (each with the same single-step arithmetic as the forward kernels) and
    reads out ``out[s]``; ``out[0] = y0``.

    Parameters
    ----------
    cell : int
        :data:`CELL_CODES` of the cell.
    w_ih0 : ndarray (G H, n_in)
        Input weights of layer 0; ``w_ih`` (L - 1, G H, H) those above it.
    w_hh : ndarray (L, G H, H)
        Recurrent weights; ``wT`` their contiguous transposes (L, H, G H).
    b_ih, b_hh : ndarray (L, G H)
    w_out : ndarray (n_out, H), b_out : ndarray (n_out,)
    h, c : ndarray (L, H)
        States after the warm-up (``c`` is read by the LSTM only); updated
        in place.
    y0 : ndarray (n_out,)
    future : ndarray (n_steps - 1, n_in - n_out)
        Known input columns of the fed-back steps.
    periods : ndarray of int64
        Clockwork RNN module periods (unused by the other cells).
    t0 : int
        Clock of the first fed-back step (Clockwork RNN).

    Returns
    -------
    out : ndarray (n_steps, n_out)
    """
    L, G, H = w_hh.shape
    n_out = y0.shape[0]
    n_steps = future.shape[0] + 1
    dt = w_hh.dtype
    out = np.empty((n_steps, n_out), dtype=dt)
    out[0] = y0
    x = np.empty((1, w_ih0.shape[1]), dtype=dt)
    xw = np.empty((1, G), dtype=dt)
    yrow = np.empty((1, n_out), dtype=dt)
    Hs = np.empty((1, 1, H), dtype=dt)
    Cs = np.empty((1, 1, H), dtype=dt)
    gates = np.empty((1, 1, G), dtype=dt)
    q = np.empty((1, 1, H), dtype=dt)
    for s in range(1, n_steps):
        x[0, :n_out] = out[s - 1]
        x[0, n_out:] = future[s - 1]
        for layer in range(L):
            if layer == 0:
                np.dot(x, w_ih0.T, xw)
            else:
                np.dot(h[layer - 1:layer], w_ih[layer - 1].T, xw)
            for j in range(G):
                xw[0, j] += b_ih[layer, j]
            xw3 = xw.reshape((1, 1, G))
            h_prev = h[layer:layer + 1]
            if cell == 0:
                Hs[:] = elman_forward(xw3, w_hh[layer], b_hh[layer], h_prev)[0]
            elif cell == 1:
                _gru_forward_rows(xw3, wT[layer], b_hh[layer], h_prev, Hs, gates, q,
                                  0, 1)
            elif cell == 2:
                _lstm_forward_rows(xw3, wT[layer], b_hh[layer], h_prev,
                                   c[layer:layer + 1], Hs, Cs, gates, 0, 1)
                c[layer] = Cs[0, 0]
            else:
                Hs[:] = cwrnn_forward(xw3, w_hh[layer], b_hh[layer], h_prev, periods,
                                      t0 + s - 1)[0]
            h[layer] = Hs[0, 0]
        np.dot(h[L - 1:L], w_out.T, yrow)
        for k in range(n_out):
            out[s, k] = yrow[0, k] + b_out[k]
    return out
