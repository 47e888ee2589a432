"""Numba kernels for reservoir state updates (numpy and numba only).

The leaky-integrator update of an Echo State Network is::

    x(t) = (1 - a) x(t-1) + a f(drive(t) + W x(t-1)),   f = tanh or identity

where ``drive(t) = W_in u(t) + b`` is precomputed by the caller for a whole
chunk (one GEMM). ``W`` has a fixed number ``k`` of nonzeros per row; the caller
converts its CSR arrays once with :func:`pack_recurrent` and passes the tuple
unchanged to the other kernels.

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
Weights stay float64 (float32 values gained < 10% on top of packed indices
and would need the caller to round W).

Exactness. Every kernel adds ``drive + sum_j W[i, c_j] x[c_j]`` in the order
of the sorted column indices, and uses :func:`_tanh` (branch-free, vectorisable,
at most 3 ulp from libm; libm's tanh does not vectorise and cost more than the
matrix product at N=100), and no multiply-add is contracted to an FMA.
``harvest_many`` is therefore bitwise equal to ``harvest`` on each sequence,
and all agree with a float64 numpy loop to ~1e-15.
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
        ``(idx, val)``. ``val`` is float64 of shape (ceil(N / 8), k, 8):
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
    return _pack(n, k, indices, data, bits=16 if n <= 1 << 16 else 32)


def _pack(n, k, indices, data, bits):
    nb = -(-n // _BLOCK)
    idx = np.zeros((nb * _BLOCK, k), dtype=np.uint64)
    val = np.zeros((nb * _BLOCK, k), dtype=np.float64)
    idx[:n] = np.asarray(indices).reshape(n, k)
    val[:n] = np.asarray(data, dtype=np.float64).reshape(n, k)
    idx = idx.reshape(nb, _BLOCK, k).transpose(0, 2, 1)   # (nb, k, 8)
    val = np.ascontiguousarray(val.reshape(nb, _BLOCK, k).transpose(0, 2, 1))
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
def _stack_buffer(typingctx, size):
    """Pointer to ``size`` (a literal) float64 on the stack of the calling
    kernel. Wrapped with ``carray`` it is an array that LLVM knows aliases no
    other array, so loops that accumulate into it need no runtime overlap
    checks and keep it in registers."""
    if not isinstance(size, types.IntegerLiteral):
        return None

    def codegen(context, builder, sig, args):
        return cgutils.alloca_once(builder,
                                   context.get_value_type(types.float64),
                                   size=size.literal_value)
    return types.CPointer(types.float64)(size), codegen


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


@njit(**_JIT)
def _harvest(idx, val, drive, leak, x0, linear, out):
    acc = np.empty(idx.shape[0] * 8)
    for t in range(drive.shape[0]):
        x = x0 if t == 0 else out[t - 1]
        _step(idx, val, x, drive[t], leak, linear, acc, out[t])


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


@njit(**_JIT)
def _group_step(cols, vals, xs, drive, rows, live, leak, linear, xn):
    """One lockstep step of ``_LANES`` sequences: ``xn[:, g]`` from
    ``xs[:, g]`` (shape (N, _LANES)) and ``drive[rows[g]]`` for the live lanes
    g < live (drive 0 for the others, whose state stays 0).

    Each lane adds its nonzeros in column order, as :func:`_step` does. The
    loop over lanes has a literal length, so LLVM vectorises it into 4 zmm
    registers; the sums live in a stack buffer, which aliases nothing, so they
    stay in registers across the whole row and no loop needs overlap checks.
    Each pass applies 8 nonzeros: one broadcast weight and one load per
    register and nonzero. ``cols`` and ``vals`` (N, k) hold the columns and
    weights of each row (unpacking ``idx`` row by row cost a third more)."""
    n, k = cols.shape
    acc = carray(_stack_buffer(_LANES), _LANES)
    for i in range(n):
        for g in range(_LANES):
            z = drive[rows[g], i]
            acc[g] = z if g < live else 0.0
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


@njit(parallel=True, **_JIT)
def _harvest_many(idx, val, drive, offsets, groups, singles, leak, x0, linear,
                  out):
    """Work items, longest first, handed out one at a time: groups[q] are
    ``_LANES`` sequences (by decreasing length, -1 = empty lane) run in
    lockstep on a state block (N, _LANES); lanes that have ended are driven by
    0 and not stored. singles[s] are sequences run alone by _harvest."""
    n, k = x0.shape[1], idx.shape[1]
    n_groups = groups.shape[0]
    rows_in_groups = n if n_groups > 0 else 0
    cols = np.empty((rows_in_groups, k), np.uint64)
    vals = np.empty((rows_in_groups, k))
    for i in range(rows_in_groups):
        _row_columns(idx, i, cols[i])
        for j in range(k):
            vals[i, j] = val[i >> 3, j, i & 7]
    for q in prange(n_groups + singles.shape[0]):
        if q >= n_groups:
            b = singles[q - n_groups]
            lo, hi = offsets[b], offsets[b + 1]
            _harvest(idx, val, drive[lo:hi], leak, x0[b], linear, out[lo:hi])
            continue
        seqs = groups[q]
        start = np.zeros(_LANES, np.int64)
        length = np.zeros(_LANES, np.int64)
        rows = np.zeros(_LANES, np.int64)
        xs = np.zeros((n, _LANES))
        xn = np.empty((n, _LANES))
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
            _group_step(cols, vals, xs, drive, rows, live, leak, linear, xn)
            xs, xn = xn, xs
            for g in range(live):
                dst = out[rows[g]]
                for i in range(n):
                    dst[i] = xs[i, g]


def harvest_many(packed, drive, offsets, leak, x0, linear, out):
    """Run the reservoir over many independent sequences, in parallel.

    Each sequence is run as by :func:`harvest`; the result is bitwise equal.

    Parameters
    ----------
    packed : tuple of ndarray
        Output of :func:`pack_recurrent`.
    drive : ndarray of float64, shape (sum T_b, N), C-contiguous
        Drives of all sequences concatenated along time.
    offsets : ndarray of int64, shape (B + 1,)
        Sequence b occupies rows ``offsets[b]:offsets[b + 1]`` (may be empty).
    leak : float
    x0 : ndarray of float64, shape (B, N)
        Initial state of each sequence.
    linear : bool
    out : ndarray of float64, same shape as ``drive``
        Filled in place.
    """
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
        _harvest_many(packed[0], packed[1], drive, offsets, groups, singles,
                      float(leak), x0, bool(linear), out)


@njit(**_JIT)
def _generate(idx, val, w_in, bias, w_out, leak, x0, u0, linear, out_y, out_x,
              store_x, include_input, future):
    n, d = w_in.shape
    o = w_out.shape[0]
    x = x0.copy()
    x_new = np.empty(n)
    u = u0.copy()
    drive = np.empty(n)
    acc = np.empty(idx.shape[0] * 8)
    off = 1 + d if include_input else 1
    for s in range(out_y.shape[0]):
        for i in range(n):
            z = bias[i]
            for e in range(d):
                z += w_in[i, e] * u[e]
            drive[i] = z
        _step(idx, val, x, drive, leak, linear, acc, x_new)
        x, x_new = x_new, x
        for e in range(w_out.shape[0]):
            z = w_out[e, 0]
            if include_input:
                for f in range(d):
                    z += w_out[e, 1 + f] * u[f]
            for i in range(n):
                z += w_out[e, off + i] * x[i]
            out_y[s, e] = z
        if store_x:
            out_x[s] = x
        u[:o] = out_y[s]
        if s < future.shape[0]:
            u[o:] = future[s]


def generate(packed, w_in, bias, w_out, leak, x0, u0, n_steps, include_input,
             linear, out_y, out_x=None, future=None):
    """Closed-loop (free-running) generation in one jitted call.

    Starting from state ``x = x0`` and input ``u = u0``, for s in 0..n_steps-1::

        x = (1 - leak) x + leak f(w_in @ u + bias + W x)
        y = w_out @ [1, u, x]          ([1, x] if not include_input)
        out_y[s] = y;  out_x[s] = x;  u = [y, future[s]]

    The outputs are fed back as the first ``o`` input columns; the other
    ``d - o`` columns (known in advance: calendar or exogenous values) come
    from ``future``.

    so ``out_y[0]`` is the prediction made after feeding ``u0`` (an estimate
    of the input that follows ``u0``), and ``out_x[s]`` the state that made
    ``out_y[s]``.

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
    out_y : ndarray of float64, shape (n_steps, o)
        Filled in place.
    out_x : ndarray of float64, shape (n_steps, N), optional
        If given, filled with the states.
    future : ndarray of float64, shape (>= n_steps - 1, d - o), optional
        Known input columns of the steps after each output (default: none,
        then ``o == d``).
    """
    store_x = out_x is not None
    if not store_x:
        out_x = np.empty((0, x0.shape[0]))
    if future is None:
        future = np.empty((0, w_in.shape[1] - w_out.shape[0]))
    _generate(packed[0], packed[1], w_in, bias, w_out, float(leak), x0,
              np.asarray(u0, dtype=np.float64), bool(linear), out_y[:n_steps],
              out_x, store_x, bool(include_input),
              np.ascontiguousarray(future, dtype=np.float64))
