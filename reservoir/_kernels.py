"""Numba kernels for reservoir state updates (numpy and numba only).

The leaky-integrator update of an Echo State Network is::

    x(t) = (1 - a) x(t-1) + a f(drive(t) + W x(t-1)),   f = tanh or identity

where ``drive(t) = W_in u(t) + b`` is either summed inside the loop from the
inputs (``inputs=(u, W_in^T)`` and the bias as a one-row drive: no (T, N)
array is written and read back, the right choice for narrow inputs) or
precomputed by the caller for a whole chunk (one GEMM; wide inputs, and the
drive of a deeper layer from :func:`project`). ``W`` has a fixed number ``k``
of nonzeros per row; the caller converts its CSR arrays once with
:func:`pack_recurrent` and passes the tuple unchanged to the other kernels.

Notes
-----
Layout. Gathers (``vgatherdpd``) are slower than scalar loads on Zen 4, so the
single-sequence product is scalar with 8 rows interleaved: ``(N/8, k, 8)``
blocks keep 8 independent sums in registers and read weights contiguously.
Column indices are unsigned (a signed index costs 4 extra instructions per
nonzero for numba's negative-index wraparound) and packed four 16-bit fields
to a 64-bit word when N <= 65536: one load yields 4 columns, and the matrix
streams 10 instead of 12 bytes per nonzero (N=2000 does not fit in L2).
Many sequences run ``_LANES`` = 32 at a time in lockstep on a ``(N, 32)``
state block: the innermost loop is over the lanes, has a literal length and
becomes 4 zmm registers. The row sums live in a stack buffer
(:func:`_stack_buffer`), which LLVM knows aliases no array: they stay in
registers for the whole row and the loop needs no runtime overlap checks
(with a heap accumulator those checks cost more than the multiply-adds).
Each pass applies 8 nonzeros (one broadcast weight, 4 loads). Leftover
sequences too few to fill a group run alone with the single-sequence kernel.

Dtypes. The weights' dtype (:func:`pack_recurrent`'s ``dtype``) is the
states' dtype: float64, or float32, which streams 6 instead of 10 bytes per
nonzero and holds twice the lanes per register. Every kernel is generic over
it (numba compiles one specialisation per dtype). The drive is always summed
in float64 and rounded once to the states' dtype; the activation is
evaluated in float64 and rounded once.

Exactness. Every kernel adds ``drive + sum_j W[i, c_j] x[c_j]`` in the order
of the sorted column indices (the drive itself as ``drive row + sum_j
W_in[i, j] u_j`` in the order of j), and uses :func:`_tanh` (branch-free, vectorisable,
at most 3 ulp from libm; libm's tanh does not vectorise and cost more than the
matrix product at N=100), and no multiply-add is contracted to an FMA.
``harvest_many`` is therefore bitwise equal to ``harvest`` on each sequence,
and all agree with a float64 numpy loop to ~1e-15.

Beyond the harvest: :func:`project` drives a deeper layer from the states of
the layer below; :func:`free_run` runs a (deep) reservoir step by step with
its output fed back (output feedback, and the closed loop of ``generate``);
:func:`rls_update` is the recursive least squares readout; and
:func:`nvar_features` / :func:`nvar_free_run` compute the features of a
nonlinear vector autoregression and run it in closed loop.
"""

import math

import numpy as np
from numba import carray, njit, parallel_chunksize, prange, types
from numba.core import cgutils
from numba.extending import intrinsic

# error_model="numpy": no ZeroDivisionError branch, so loops vectorise.
_JIT = dict(cache=True, nogil=True, error_model="numpy")
_BLOCK = 8    # rows interleaved in the single-sequence product
_LANES = 32   # sequences run in lockstep by harvest_many (4 zmm registers)
_MIN_LANES = 12  # fewer sequences left over run one by one (harvest's kernel)
# Unsigned constants for unpacking column indices (uint64 op uint64 stays
# uint64; mixing in a signed int would promote to float).
_M16, _M32 = np.uint64(0xFFFF), np.uint64(0xFFFFFFFF)
_S16, _S32, _S48 = np.uint64(16), np.uint64(32), np.uint64(48)

__all__ = ["pack_recurrent", "harvest", "harvest_many", "all_finite", "project",
           "stack_packed",
           "free_run", "rls_update", "nvar_features", "nvar_free_run"]


def pack_recurrent(indptr, indices, data, dtype=np.float64):
    """Convert a fixed in-degree CSR matrix to the kernels' layout.

    Parameters
    ----------
    indptr : ndarray of int, shape (N + 1,)
    indices : ndarray of int, shape (N * k,)
        Column indices, sorted within each row.
    data : ndarray of float, shape (N * k,)
    dtype : {float64, float32}, default=float64
        Dtype of the weights, which is the dtype of the states the other
        kernels compute with them (float32 halves the bytes streamed per
        step).

    Returns
    -------
    packed : tuple of ndarray
        ``(idx, val)``. ``val`` is of ``dtype`` and shape (ceil(N / 8), k, 8):
        ``val[b, j, r]`` is the j-th nonzero of row ``8 b + r``. ``idx`` is
        uint64 of shape (ceil(N / 8), k, 2) if N <= 65536, with the column of
        ``val[b, j, r]`` in bits ``16 (r % 4)`` to ``16 (r % 4) + 15`` of
        ``idx[b, j, r // 4]``; otherwise (ceil(N / 8), k, 4) with 32-bit
        fields. Padding rows (beyond N) hold column 0 and weight 0.
    """
    indptr = np.asarray(indptr, dtype=np.int64)
    n = indptr.shape[0] - 1
    counts = np.diff(indptr)
    k = int(counts[0]) if n > 0 else 0
    if n > 0 and np.any(counts != k):
        raise ValueError("W must have the same number of nonzeros in every row "
                         f"(found between {counts.min()} and {counts.max()}).")
    return _pack(n, k, indices, data, bits=16 if n <= 1 << 16 else 32,
                 dtype=dtype)


def _pack(n, k, indices, data, bits, dtype=np.float64):
    nb = -(-n // _BLOCK)
    idx = np.zeros((nb * _BLOCK, k), dtype=np.uint64)
    val = np.zeros((nb * _BLOCK, k), dtype=np.float64)
    idx[:n] = np.asarray(indices).reshape(n, k)
    val[:n] = np.asarray(data, dtype=np.float64).reshape(n, k)
    idx = idx.reshape(nb, _BLOCK, k).transpose(0, 2, 1)   # (nb, k, 8)
    val = np.ascontiguousarray(val.reshape(nb, _BLOCK, k).transpose(0, 2, 1),
                               dtype=dtype)
    per_word = 64 // bits
    fields = idx.reshape(nb, k, _BLOCK // per_word, per_word)
    shifts = (np.arange(per_word, dtype=np.uint64) * np.uint64(bits))
    words = np.bitwise_or.reduce(fields << shifts, axis=3)
    return (np.ascontiguousarray(words, dtype=np.uint64), val)


@intrinsic
def _float_from_bits(typingctx, bits):
    """The float64 whose IEEE bits are the int64 ``bits`` (a bitcast)."""
    if not isinstance(bits, types.Integer):
        return None

    def codegen(context, builder, sig, args):
        return builder.bitcast(args[0], context.get_value_type(types.float64))
    return types.float64(types.int64), codegen


@intrinsic
def _stack_buffer(typingctx, size, like):
    """Pointer to ``size`` (a literal) floats of the type of the scalar
    ``like`` on the stack of the calling kernel. Wrapped with ``carray`` it
    is an array that LLVM knows aliases no other array, so loops that
    accumulate into it need no runtime overlap checks and keep it in
    registers."""
    if not isinstance(size, types.IntegerLiteral) or not isinstance(like, types.Float):
        return None

    def codegen(context, builder, sig, args):
        return cgutils.alloca_once(builder, context.get_value_type(like),
                                   size=size.literal_value)
    return types.CPointer(like)(size, like), codegen


@njit(inline="always", **_JIT)
def _tanh(x):
    """tanh(x) to 3 ulp, without libm calls: |tanh x| = -e / (2 + e),
    e = expm1(-2|x|) = 2^-m expm1(r) + (2^-m - 1), -2|x| = -m ln2 + r,
    |r| <= ln2/2; expm1(r) by its Taylor series to r^13 (truncation < 0.1
    ulp), evaluated by Estrin's scheme (a short dependency chain)."""
    a = min(abs(x), 20.0) if x == x else x          # tanh(20) == 1.0; keep NaN
    y = -2.0 * a
    kf = (y * 1.4426950408889634 + 6755399441055744.0) - 6755399441055744.0
    r = (y - kf * 6.93147180369123816490e-01) - kf * 1.90821492927058770002e-10
    r2 = r * r
    r4 = r2 * r2
    q0 = 1.0 / 2 + r * (1.0 / 6)                     # q_i: 1 / (n + 2)! terms
    q1 = 1.0 / 24 + r * (1.0 / 120)
    q2 = 1.0 / 720 + r * (1.0 / 5040)
    q3 = 1.0 / 40320 + r * (1.0 / 362880)
    q4 = 1.0 / 3628800 + r * (1.0 / 39916800)
    q5 = 1.0 / 479001600 + r * (1.0 / 6227020800)
    p = ((q0 + r2 * q1) + r4 * (q2 + r2 * q3)) + (r4 * r4) * (q4 + r2 * q5)
    em_r = r + r2 * p                                # expm1(r)
    s = _float_from_bits((1023 + np.int64(kf)) << 52)  # 2^kf, -58 <= kf <= 0
    em = s * em_r + (s - 1.0)
    return math.copysign(abs(em) / (2.0 + em), x)


@njit(**_JIT)
def _step(idx, val, x, drive_t, leak, linear, acc, out_t):
    """out_t = (1 - leak) x + leak f(drive_t + W x); acc is scratch of length
    8 * idx.shape[0]; out_t must not alias x. Indices are unsigned (no
    negative-index wraparound) and unpacked with shifts: one 8-byte load
    gives 4 columns, so a nonzero costs ~2.25 loads instead of 3."""
    n = x.shape[0]
    k = idx.shape[1]
    acc[:n] = drive_t
    acc[n:] = 0.0
    narrow = idx.shape[2] == 2
    for b in range(idx.shape[0]):
        i0 = b * 8
        s0, s1, s2, s3 = acc[i0], acc[i0 + 1], acc[i0 + 2], acc[i0 + 3]
        s4, s5, s6, s7 = acc[i0 + 4], acc[i0 + 5], acc[i0 + 6], acc[i0 + 7]
        if narrow:
            for j in range(k):
                v = val[b, j]
                lo, hi = idx[b, j, 0], idx[b, j, 1]
                s0 += v[0] * x[lo & _M16]
                s1 += v[1] * x[(lo >> _S16) & _M16]
                s2 += v[2] * x[(lo >> _S32) & _M16]
                s3 += v[3] * x[lo >> _S48]
                s4 += v[4] * x[hi & _M16]
                s5 += v[5] * x[(hi >> _S16) & _M16]
                s6 += v[6] * x[(hi >> _S32) & _M16]
                s7 += v[7] * x[hi >> _S48]
        else:
            for j in range(k):
                v = val[b, j]
                w = idx[b, j]
                s0 += v[0] * x[w[0] & _M32]
                s1 += v[1] * x[w[0] >> _S32]
                s2 += v[2] * x[w[1] & _M32]
                s3 += v[3] * x[w[1] >> _S32]
                s4 += v[4] * x[w[2] & _M32]
                s5 += v[5] * x[w[2] >> _S32]
                s6 += v[6] * x[w[3] & _M32]
                s7 += v[7] * x[w[3] >> _S32]
        acc[i0], acc[i0 + 1], acc[i0 + 2], acc[i0 + 3] = s0, s1, s2, s3
        acc[i0 + 4], acc[i0 + 5], acc[i0 + 6], acc[i0 + 7] = s4, s5, s6, s7
    _finish(x, acc[:n], leak, linear, out_t)


@njit(inline="always", **_JIT)
def _row_columns(idx, i, cols):
    """cols[j] = column of the j-th nonzero of row i."""
    b, r = i >> 3, i & 7
    bits = 8 * idx.shape[2]    # 2 words of 16-bit or 4 of 32-bit fields
    per_word = 64 // bits
    shift = np.uint64(bits * (r % per_word))
    mask = np.uint64((1 << bits) - 1)
    for j in range(idx.shape[1]):
        cols[j] = (idx[b, j, r // per_word] >> shift) & mask


@njit(inline="always", **_JIT)
def _finish(x, z, leak, linear, out):
    """out = (1 - leak) x + leak f(z), elementwise (1-D, same length)."""
    if linear:
        for i in range(x.shape[0]):
            out[i] = (1.0 - leak) * x[i] + leak * z[i]
    else:
        for i in range(x.shape[0]):
            out[i] = (1.0 - leak) * x[i] + leak * _tanh(z[i])


@njit(inline="always", **_JIT)
def _drive_row(drive, r, u, w_in, t, z):
    """z = drive[r] + sum_j w_in[j] u[t, j] in float64: the drive first,
    then the inputs in the order of j (each a vectorised pass over z)."""
    for i in range(z.shape[0]):
        z[i] = drive[r, i]
    for j in range(u.shape[1]):
        uj = u[t, j]
        w = w_in[j]
        for i in range(z.shape[0]):
            z[i] += w[i] * uj


@njit(**_JIT)
def _harvest(idx, val, drive, u, w_in, leak, x0, linear, out):
    acc = np.empty(idx.shape[0] * 8, val.dtype)
    z = np.empty(out.shape[1])
    full = drive.shape[0] == out.shape[0]
    for t in range(out.shape[0]):
        x = x0 if t == 0 else out[t - 1]
        _drive_row(drive, t if full else 0, u, w_in, t, z)
        _step(idx, val, x, z, leak, linear, acc, out[t])


def _inputs(inputs, drive, n_rows):
    """The ``(u, w_in)`` pair of the kernels: empty when ``inputs`` is None."""
    if inputs is None:
        return np.empty((n_rows, 0)), np.empty((0, drive.shape[1]))
    return inputs


def harvest(packed, drive, leak, x0, linear, out, inputs=None):
    """Run the reservoir over one sequence (or chunk) and store every state.

    ``out[t] = (1 - leak) x(t-1) + leak f(d(t) + W x(t-1))`` with
    ``x(-1) = x0``, ``f`` tanh (or identity if ``linear``) and the drive
    ``d(t) = drive[t] + w_in^T u(t)`` (``inputs = (u, w_in)``), or
    ``drive[0] + w_in^T u(t)`` when ``drive`` has one row (the bias) and the
    sequence more: the input product then happens inside the loop, and no
    (T, N) drive is written and read back.

    Parameters
    ----------
    packed : tuple of ndarray
        Output of :func:`pack_recurrent`; its weights' dtype (float64 or
        float32) is the dtype of the states.
    drive : ndarray of float64, shape (T, N) or (1, N), C-contiguous
        ``W_in u(t) + b`` for each step, or the part of it not given by
        ``inputs``; T may be 0.
    leak : float
        Leak rate ``a`` in (0, 1].
    x0 : ndarray of shape (N,), the dtype of the weights
        State before the first step (``out[-1]`` of the previous chunk).
    linear : bool
        Identity activation instead of tanh.
    out : ndarray of shape (T, N), the dtype of the weights, C-contiguous
        Filled in place; ``out[t]`` is the state after consuming step t.
    inputs : tuple of ndarray, optional
        ``(u (T, d), w_in (d, N))``, float64, C-contiguous. The drive is
        summed in float64 (``drive`` first, then the inputs in order) and
        rounded once to the dtype of the states.
    """
    u, w_in = _inputs(inputs, drive, out.shape[0])
    _harvest(packed[0], packed[1], drive, u, w_in, float(leak), x0, bool(linear),
             out)


@njit(**_JIT)
def _group_step(cols, vals, xs, zb, leak, linear, xn):
    """One lockstep step of ``_LANES`` sequences: ``xn[:, g]`` from
    ``xs[:, g]`` (shape (N, _LANES)) and the drives ``zb[:, g]`` (0 for
    lanes whose sequence has ended, so that their state stays 0).

    Each lane adds its nonzeros in column order, as :func:`_step` does. The
    loop over lanes has a literal length, so LLVM vectorises it into 4 zmm
    registers; the sums live in a stack buffer, which aliases nothing, so they
    stay in registers across the whole row and no loop needs overlap checks.
    Each pass applies 8 nonzeros: one broadcast weight and one load per
    register and nonzero. ``cols`` and ``vals`` (N, k) hold the columns and
    weights of each row (unpacking ``idx`` row by row cost a third more)."""
    n, k = cols.shape
    acc = carray(_stack_buffer(_LANES, xs[0, 0]), _LANES)
    for i in range(n):
        for g in range(_LANES):
            acc[g] = zb[i, g]
        j = 0
        while j + 8 <= k:
            c, v = cols[i], vals[i]
            c0, c1, c2, c3 = c[j], c[j + 1], c[j + 2], c[j + 3]
            c4, c5, c6, c7 = c[j + 4], c[j + 5], c[j + 6], c[j + 7]
            v0, v1, v2, v3 = v[j], v[j + 1], v[j + 2], v[j + 3]
            v4, v5, v6, v7 = v[j + 4], v[j + 5], v[j + 6], v[j + 7]
            for g in range(_LANES):
                a = acc[g] + v0 * xs[c0, g]
                a += v1 * xs[c1, g]
                a += v2 * xs[c2, g]
                a += v3 * xs[c3, g]
                a += v4 * xs[c4, g]
                a += v5 * xs[c5, g]
                a += v6 * xs[c6, g]
                acc[g] = a + v7 * xs[c7, g]
            j += 8
        for j in range(j, k):
            v, c = vals[i, j], cols[i, j]
            for g in range(_LANES):
                acc[g] += v * xs[c, g]
        _finish(xs[i], acc, leak, linear, xn[i])


@njit(inline="always", **_JIT)
def _group_drive(drive, full, u, w_in, rows, live, ul, zb):
    """zb[:, g] = the drive of lane g at its row ``rows[g]``, summed as
    :func:`_drive_row` sums it (so the bits are the same), 0 for lanes
    g >= live. The loops over lanes are innermost and vectorise."""
    zd = carray(_stack_buffer(_LANES, 0.0), _LANES)
    for j in range(u.shape[1]):
        for g in range(_LANES):
            ul[j, g] = u[rows[g], j]
    for i in range(zb.shape[0]):
        if full:
            for g in range(_LANES):
                zd[g] = drive[rows[g], i]
        else:
            for g in range(_LANES):
                zd[g] = drive[0, i]
        for j in range(u.shape[1]):
            w = w_in[j, i]
            for g in range(_LANES):
                zd[g] += w * ul[j, g]
        for g in range(_LANES):
            zb[i, g] = zd[g] if g < live else 0.0


@njit(parallel=True, **_JIT)
def _harvest_many(idx, val, drive, u, w_in, offsets, groups, singles, leak, x0,
                  linear, out):
    """Work items, longest first, handed out one at a time: groups[q] are
    ``_LANES`` sequences (by decreasing length, -1 = empty lane) run in
    lockstep on a state block (N, _LANES); lanes that have ended are driven by
    0 and not stored. singles[s] are sequences run alone by _harvest."""
    n, k = x0.shape[1], idx.shape[1]
    n_groups = groups.shape[0]
    full = drive.shape[0] == out.shape[0]
    rows_in_groups = n if n_groups > 0 else 0
    cols = np.empty((rows_in_groups, k), np.uint64)
    vals = np.empty((rows_in_groups, k), val.dtype)
    for i in range(rows_in_groups):
        _row_columns(idx, i, cols[i])
        for j in range(k):
            vals[i, j] = val[i >> 3, j, i & 7]
    for q in prange(n_groups + singles.shape[0]):
        if q >= n_groups:
            b = singles[q - n_groups]
            lo, hi = offsets[b], offsets[b + 1]
            _harvest(idx, val, drive[lo:hi] if full else drive, u[lo:hi], w_in,
                     leak, x0[b], linear, out[lo:hi])
            continue
        seqs = groups[q]
        start = np.zeros(_LANES, np.int64)
        length = np.zeros(_LANES, np.int64)
        rows = np.zeros(_LANES, np.int64)
        xs = np.zeros((n, _LANES), val.dtype)
        xn = np.empty((n, _LANES), val.dtype)
        zb = np.empty((n, _LANES), val.dtype)
        ul = np.empty((u.shape[1], _LANES))
        for g in range(_LANES):
            if seqs[g] >= 0:
                start[g] = offsets[seqs[g]]
                length[g] = offsets[seqs[g] + 1] - start[g]
                xs[:, g] = x0[seqs[g]]
        live = _LANES
        for t in range(length[0]):
            while t >= length[live - 1]:  # lanes are sorted by length
                live -= 1
                xs[:, live] = 0.0
            for g in range(live):
                rows[g] = start[g] + t
            _group_drive(drive, full, u, w_in, rows, live, ul, zb)
            _group_step(cols, vals, xs, zb, leak, linear, xn)
            xs, xn = xn, xs
            for g in range(live):
                dst = out[rows[g]]
                for i in range(n):
                    dst[i] = xs[i, g]


def harvest_many(packed, drive, offsets, leak, x0, linear, out, inputs=None):
    """Run the reservoir over many independent sequences, in parallel.

    Each sequence is run as by :func:`harvest`; the result is bitwise equal.

    Parameters
    ----------
    packed : tuple of ndarray
        Output of :func:`pack_recurrent` (its dtype is the states').
    drive : ndarray of float64, shape (sum T_b, N) or (1, N), C-contiguous
        Drives of all sequences concatenated along time, or the one row
        (the bias) added at every step, as in :func:`harvest`.
    offsets : ndarray of int64, shape (B + 1,)
        Sequence b occupies rows ``offsets[b]:offsets[b + 1]`` (may be empty).
    leak : float
    x0 : ndarray of shape (B, N), the dtype of the weights
        Initial state of each sequence.
    linear : bool
    out : ndarray of shape (sum T_b, N), the dtype of the weights
        Filled in place.
    inputs : tuple of ndarray, optional
        ``(u (sum T_b, d), w_in (d, N))``, float64, as in :func:`harvest`.
    """
    u, w_in = _inputs(inputs, drive, out.shape[0])
    offsets = np.asarray(offsets, dtype=np.int64)
    lengths = np.diff(offsets)
    order = np.argsort(-lengths, kind="stable")
    order = order[lengths[order] > 0]
    # Full groups of the longest sequences; the rest is one more group if it
    # fills enough lanes to beat running those sequences one by one.
    n_groups = order.shape[0] // _LANES
    if order.shape[0] - n_groups * _LANES >= _MIN_LANES:
        n_groups += 1
    in_groups = min(order.shape[0], n_groups * _LANES)
    groups = np.full((n_groups, _LANES), -1, dtype=np.int64)
    groups.ravel()[:in_groups] = order[:in_groups]
    singles = np.ascontiguousarray(order[in_groups:])
    # Hand out items one at a time, longest first: on a busy machine a
    # static split leaves one thread waiting for a descheduled other.
    with parallel_chunksize(1):
        _harvest_many(packed[0], packed[1], drive, u, w_in, offsets, groups,
                      singles, float(leak), x0, bool(linear), out)


@njit(**_JIT)
def _all_finite(a):
    bad = 0
    for i in range(a.shape[0]):
        d = a[i] - a[i]          # NaN for inf and NaN, else 0
        bad |= d != d
    return bad == 0


def all_finite(a):
    """Whether every value of the C-contiguous array ``a`` is finite: one
    pass, vectorised, no temporary (``np.isfinite(a).all()`` writes a mask
    the size of ``a``). Checks the states of a block while they are in cache."""
    return bool(_all_finite(a.reshape(-1)))


# --------------------------------------------------------------------------
# Deep layers, free runs with the output fed back
# --------------------------------------------------------------------------
@njit(**_JIT)
def _project(idx, val, states, bias, out):
    acc = np.empty(idx.shape[0] * 8, val.dtype)
    for t in range(states.shape[0]):
        # leak 1 and the identity: out[t] = bias + W states[t], summed in the
        # order _step uses, so the free run's deeper layers match bitwise
        _step(idx, val, states[t], bias, 1.0, True, acc, out[t])


def project(packed, states, bias, out):
    """Drive of a deeper layer: ``out[t] = bias + W_inter states[t]``.

    Parameters
    ----------
    packed : tuple of ndarray
        :func:`pack_recurrent` of the inter-layer matrix (N, N).
    states : ndarray of shape (T, N), C-contiguous
        States of the layer below, one row per step, of the weights' dtype
        (the sums are of that dtype too).
    bias : ndarray of float64, shape (N,)
    out : ndarray of float64, shape (T, N), C-contiguous
        Filled in place.
    """
    _project(packed[0], packed[1], states, bias, out)


def stack_packed(packed_list, like=None):
    """Stack :func:`pack_recurrent` tuples of equal shape into
    ``(idx (L, nb, k, w), val (L, nb, k, 8))`` for :func:`free_run`; an
    empty list gives L = 0 arrays shaped like ``like``'s."""
    if not packed_list:
        idx, val = like
        return (np.empty((0,) + idx.shape, np.uint64),
                np.empty((0,) + val.shape, val.dtype))
    return (np.ascontiguousarray(np.stack([p[0] for p in packed_list])),
            np.ascontiguousarray(np.stack([p[1] for p in packed_list])))


@njit(**_JIT)
def _free_run_1(idx, val, drive, w_fb, ro, w_ro_fb, w_ro_x, leak, linear, x0,
                y0, teacher, out_y, out_x, store_x, x_end, fb_end):
    """:func:`free_run` for one layer: 1-D states, so it compiles in a third
    of the time of the layered loop (the common case: generate, feedback)."""
    n = x0.shape[0]
    o = y0.shape[0]
    n_teacher = teacher.shape[0]
    x = x0.copy()
    xn = np.empty_like(x)
    z = np.empty(n)
    acc = np.empty(idx.shape[0] * 8, val.dtype)
    fb = y0.copy()
    for t in range(drive.shape[0]):
        if t > 0:
            src = teacher[t - 1] if t - 1 < n_teacher else out_y[t - 1]
            for e in range(o):
                fb[e] = src[e]
        for i in range(n):
            s = drive[t, i]
            for e in range(o):
                s += w_fb[i, e] * fb[e]
            z[i] = s
        _step(idx, val, x, z, leak, linear, acc, xn)
        x, xn = xn, x
        for e in range(o):
            s = ro[t, e]
            for f in range(o):
                s += w_ro_fb[e, f] * fb[f]
            for i in range(n):
                s += w_ro_x[e, i] * x[i]
            out_y[t, e] = s
        if store_x:
            out_x[t] = x
    t_last = drive.shape[0] - 1
    if t_last >= 0:
        src = teacher[t_last] if t_last < n_teacher else out_y[t_last]
        for e in range(o):
            fb[e] = src[e]
    x_end[:] = x
    fb_end[:] = fb


@njit(**_JIT)
def _free_run(idx, val, pidx, pval, pbias, drive, w_fb, ro, w_ro_fb, w_ro_x,
              leak, linear, x0, y0, teacher, out_y, out_x, store_x, x_end,
              fb_end):
    n_layers, n = x0.shape
    o = y0.shape[0]
    n_teacher = teacher.shape[0]
    x = x0.copy()
    cur = np.empty(n, val.dtype)
    new = np.empty(n, val.dtype)
    z = np.empty(n)
    acc = np.empty(idx.shape[1] * 8, val.dtype)
    fb = y0.copy()
    # leak 1 and the identity for the drive of a deeper layer (variables, not
    # literals: a literal argument would compile a second copy of _step)
    one = leak * 0.0 + 1.0
    yes = linear or not linear
    for t in range(drive.shape[0]):
        if t > 0:
            src = teacher[t - 1] if t - 1 < n_teacher else out_y[t - 1]
            for e in range(o):
                fb[e] = src[e]
        for i in range(n):
            s = drive[t, i]
            for e in range(o):
                s += w_fb[i, e] * fb[e]
            z[i] = s
        for lay in range(n_layers):
            if lay > 0:     # z = b_l + V_l x_{l-1}(t), as _project sums it
                _step(pidx[lay - 1], pval[lay - 1], new, pbias[lay - 1], one, yes,
                      acc, z)
            for i in range(n):
                cur[i] = x[lay, i]
            _step(idx[lay], val[lay], cur, z, leak, linear, acc, new)
            for i in range(n):
                x[lay, i] = new[i]
        for e in range(o):
            s = ro[t, e]
            for f in range(o):
                s += w_ro_fb[e, f] * fb[f]
            for lay in range(n_layers):
                for i in range(n):
                    s += w_ro_x[e, lay * n + i] * x[lay, i]
            out_y[t, e] = s
        if store_x:
            for lay in range(n_layers):
                for i in range(n):
                    out_x[t, lay * n + i] = x[lay, i]
    t_last = drive.shape[0] - 1
    if t_last >= 0:
        src = teacher[t_last] if t_last < n_teacher else out_y[t_last]
        for e in range(o):
            fb[e] = src[e]
    x_end[:] = x
    fb_end[:] = fb


def free_run(layers, inter, inter_bias, drive, w_fb, readout, w_ro_fb, w_ro_x,
             leak, linear, x0, y0, teacher, out_y, out_x=None):
    """Run a (deep) reservoir whose output is fed back, in one jitted call.

    For t in 0..T-1, with the fed-back vector ``fb(0) = y0`` and
    ``fb(t) = teacher[t-1]`` while ``t - 1 < len(teacher)``, else
    ``y(t-1)`` (the run's own output)::

        x_0(t) = (1 - a) x_0(t-1) + a f(drive[t] + w_fb fb(t) + W_0 x_0(t-1))
        x_l(t) = (1 - a) x_l(t-1) + a f(b_l + V_l x_{l-1}(t) + W_l x_l(t-1))
        y(t)   = readout[t] + w_ro_fb fb(t) + w_ro_x [x_0(t), ..., x_{L-1}(t)]

    This one loop serves output feedback (``w_fb = W_back``; ``teacher``
    forces the warm-up) and the closed loop of ``generate``, where the
    outputs are the next inputs (``w_fb = W_in[:, :o]``, ``w_ro_fb`` the
    readout weights of those inputs), or both at once. The known parts
    (``drive = W_in u_known + b``, ``readout = intercept + coef u_known``) are
    computed by the caller for the whole run (one GEMM each).

    Parameters
    ----------
    layers : tuple of ndarray
        :func:`stack_packed` of the L recurrent matrices ``W_l``.
    inter : tuple of ndarray
        :func:`stack_packed` of the L - 1 inter-layer matrices ``V_l``.
    inter_bias : ndarray of float64, shape (L - 1, N)
    drive : ndarray of float64, shape (T, N)
    w_fb : ndarray of float64, shape (N, o)
    readout : ndarray of float64, shape (T, o)
    w_ro_fb : ndarray of float64, shape (o, o)
    w_ro_x : ndarray of float64, shape (o, L * N)
    leak : float
    linear : bool
    x0 : ndarray of float64, shape (L, N)
        States before the first step.
    y0 : ndarray of float64, shape (o,)
        Fed back into the first step.
    teacher : ndarray of float64, shape (K, o)
        Values fed back instead of the outputs of the first K steps.
    out_y : ndarray of float64, shape (T, o)
        Filled in place.
    out_x : ndarray of float64, shape (T, L * N), optional
        If given, filled with the states.

    Returns
    -------
    x_end : ndarray of shape (L, N)
        The states after the last step.
    fb_end : ndarray of shape (o,)
        What the next step would feed back: ``teacher[T-1]`` if the run
        ended inside the teacher-forced part, else ``y(T-1)``.
    """
    store_x = out_x is not None
    if not store_x:
        out_x = np.empty((0, 0))
    x_end = np.empty_like(x0)
    fb_end = np.empty_like(y0)
    if x0.shape[0] == 1:
        _free_run_1(layers[0][0], layers[1][0], drive, w_fb, readout, w_ro_fb,
                    w_ro_x, float(leak), bool(linear), x0[0], y0, teacher, out_y,
                    out_x, store_x, x_end[0], fb_end)
    else:
        _free_run(layers[0], layers[1], inter[0], inter[1], inter_bias, drive,
                  w_fb, readout, w_ro_fb, w_ro_x, float(leak), bool(linear), x0,
                  y0, teacher, out_y, out_x, store_x, x_end, fb_end)
    return x_end, fb_end


# --------------------------------------------------------------------------
# Recursive least squares readout
# --------------------------------------------------------------------------
@njit(inline="always", **_JIT)
def _rls_features(inputs, states, t, z):
    """z = [1, inputs[t], states[t]]."""
    d = inputs.shape[1]
    z[0] = 1.0
    for j in range(d):
        z[1 + j] = inputs[t, j]
    for j in range(states.shape[1]):
        z[1 + d + j] = states[t, j]


# reassoc only (never nnan/ninf), and only on this dot product: it lets the
# sum run in vector lanes instead of one chain of dependent additions (2.4x
# faster RLS steps at N=100 and N=500 on the project's machine). The update
# of P stays strict, so P stays exactly symmetric.
@njit(fastmath={"reassoc"}, **_JIT)
def _dot(a, b):
    s = 0.0
    for j in range(a.shape[0]):
        s += a[j] * b[j]
    return s


@njit(inline="always", **_JIT)
def _rls_row(row, pz, a, inv, inv_lam):
    """``row = (row - a pz / den) / lam`` in place, ``a = pz[i]``:
    ``a * pz[j]`` and ``pz[j] * a`` are the same product, so row i and
    column i of a symmetric P get the same bits."""
    for j in range(row.shape[0]):
        row[j] = (row[j] - (a * pz[j]) * inv) * inv_lam


@njit(**_JIT)
def _rls(states, inputs, targets, lam, W, P):
    f = P.shape[0]
    z = np.empty(f)
    zn = np.empty(f)
    pz = np.zeros(f)
    pzn = np.zeros(f)
    T = states.shape[0]
    inv_lam = 1.0 / lam
    if T > 0:
        _rls_features(inputs, states, 0, z)
        for i in range(f):
            s = 0.0
            for j in range(f):
                s += P[i, j] * z[j]
            pz[i] = s
    for t in range(T):
        den = lam
        for j in range(f):
            den += z[j] * pz[j]
        inv = 1.0 / den
        for e in range(W.shape[0]):
            err = targets[t, e]
            for j in range(f):
                err -= W[e, j] * z[j]
            c = err * inv
            for j in range(f):
                W[e, j] += c * pz[j]
        # P <- (P - pz pz^T / den) / lam, row by row, each row's product with
        # the next step's features taken while it is in cache: the next P z.
        if t + 1 < T:
            _rls_features(inputs, states, t + 1, zn)
            for i in range(f):
                _rls_row(P[i], pz, pz[i], inv, inv_lam)
                pzn[i] = _dot(P[i], zn)       # the row is still in L1
            z, zn = zn, z
            pz, pzn = pzn, pz
        else:
            for i in range(f):
                _rls_row(P[i], pz, pz[i], inv, inv_lam)


def rls_update(states, inputs, targets, forgetting_factor, W, P):
    """Recursive least squares over the rows of a chunk, in place.

    For each row t, with features ``z = [1, inputs[t], states[t]]``::

        k = P z / (lam + z^T P z)
        W = W + (targets[t] - W z) k^T
        P = (P - k z^T P) / lam

    With ``lam = 1``, ``W = 0`` and ``P = I / alpha`` at the start, ``W``
    after T rows is the ridge solution ``Y^T Z (Z^T Z + alpha I)^-1`` of the
    rows seen so far; ``lam < 1`` weights row t by ``lam^(T - 1 - t)``.
    O(F^2) per row.

    Parameters
    ----------
    states : ndarray of float64, shape (T, n)
    inputs : ndarray of float64, shape (T, d)
    targets : ndarray of float64, shape (T, o)
    forgetting_factor : float in (0, 1]
    W : ndarray of float64, shape (o, 1 + d + n)
        Weights of ``[1, u, x]``; updated in place.
    P : ndarray of float64, shape (1 + d + n, 1 + d + n)
        Inverse (weighted) correlation matrix, symmetric; updated in place.
    """
    _rls(states, inputs, targets, float(forgetting_factor), W, P)


# --------------------------------------------------------------------------
# Nonlinear vector autoregression (NVAR) features
# --------------------------------------------------------------------------
@njit(inline="always", **_JIT)
def _nvar_row(window, row, delay, strides, monomials, out):
    """Features of ``window[row]``: the linear part ``[window[row],
    window[row - s], ..., window[row - delay s]]`` then the products of the
    linear features listed in each row of ``monomials`` (-1 = unused)."""
    d = window.shape[1]
    for j in range(delay + 1):
        src = row - j * strides
        for c in range(d):
            out[j * d + c] = window[src, c]
    n_lin = (delay + 1) * d
    for m in range(monomials.shape[0]):
        p = 1.0
        for r in range(monomials.shape[1]):
            c = monomials[m, r]
            if c < 0:
                break
            p *= out[c]
        out[n_lin + m] = p


@njit(**_JIT)
def _nvar_features(window, delay, strides, monomials, out):
    h = delay * strides
    for t in range(out.shape[0]):
        _nvar_row(window, h + t, delay, strides, monomials, out[t])


def nvar_features(window, delay, strides, monomials, out):
    """NVAR features of every step of a chunk.

    Parameters
    ----------
    window : ndarray of float64, shape (H + T, d), C-contiguous
        The ``H = delay * strides`` inputs before the chunk (zeros before the
        start of a sequence), then the chunk's T inputs.
    delay, strides : int
    monomials : ndarray of int64, shape (M, order)
        Indices into the linear features of each nonlinear feature, padded
        with -1.
    out : ndarray of float64, shape (T, (delay + 1) * d + M)
        ``out[t]`` holds the features of input ``window[H + t]``.
    """
    _nvar_features(window, int(delay), int(strides), monomials, out)


@njit(**_JIT)
def _nvar_free_run(window, future, delay, strides, monomials, coef, intercept,
                   out_y):
    h = delay * strides
    o = out_y.shape[1]
    win = window.copy()
    feats = np.empty(coef.shape[1])
    for s in range(out_y.shape[0]):
        _nvar_row(win, h, delay, strides, monomials, feats)
        for e in range(o):
            z = intercept[e]
            for f in range(feats.shape[0]):
                z += coef[e, f] * feats[f]
            out_y[s, e] = z
        for r in range(h):
            win[r] = win[r + 1]
        for e in range(o):
            win[h, e] = out_y[s, e]
        if s < future.shape[0]:
            for c in range(future.shape[1]):
                win[h, o + c] = future[s, c]


def nvar_free_run(window, future, delay, strides, monomials, coef, intercept,
                  out_y):
    """Closed-loop NVAR generation in one jitted call.

    ``out_y[0]`` is the readout of the features of ``window[H]`` (the last
    warm-up input, ``H = delay * strides`` rows of history before it); the
    input after ``out_y[s]`` is ``[out_y[s], future[s]]``.

    Parameters
    ----------
    window : ndarray of float64, shape (H + 1, d)
    future : ndarray of float64, shape (>= n_steps - 1, d - o)
    delay, strides : int
    monomials : ndarray of int64, shape (M, order)
    coef : ndarray of float64, shape (o, F)
    intercept : ndarray of float64, shape (o,)
    out_y : ndarray of float64, shape (n_steps, o)
        Filled in place.
    """
    _nvar_free_run(window, future, int(delay), int(strides), monomials, coef,
                   intercept, out_y)
