"""Kernels against naive numpy reference loops."""

import numpy as np
import pytest

from reservoir._kernels import (_pack, free_run, harvest, harvest_many,
                                pack_recurrent, stack_packed)

RTOL = 1e-12


def random_csr(n, k, seed=0, scale=None):
    """CSR arrays of an n x n matrix with exactly k nonzeros per row."""
    rng = np.random.default_rng(seed)
    indices = np.concatenate(
        [np.sort(rng.choice(n, size=k, replace=False)) for _ in range(n)])
    scale = 1.2 / np.sqrt(k) if scale is None else scale
    data = rng.normal(scale=scale, size=n * k)
    indptr = np.arange(n + 1, dtype=np.int64) * k
    return indptr, indices.astype(np.int32), data


def dense(indptr, indices, data, n):
    w = np.zeros((n, n))
    for i in range(n):
        sl = slice(indptr[i], indptr[i + 1])
        w[i, indices[sl]] = data[sl]
    return w


def naive_harvest(w, drive, leak, x0, linear):
    f = (lambda z: z) if linear else np.tanh
    x = x0.copy()
    out = np.empty_like(drive)
    for t in range(drive.shape[0]):
        x = (1 - leak) * x + leak * f(drive[t] + w @ x)
        out[t] = x
    return out


def assert_close(actual, expected):
    np.testing.assert_allclose(actual, expected, rtol=RTOL,
                               atol=RTOL * max(1.0, np.abs(expected).max(initial=0)))


def assert_same_run(actual, expected, steps):
    """Two code paths of the same recurrence (chunked or not, lockstep lanes or
    alone, with or without storing states) agree to a few ulp per step.

    The kernels are written to add in the same order, so with IEEE arithmetic
    and no FMA contraction they agree to the bit; the tests do not rely on
    that (another compiler or CPU may contract or reorder): they allow 4 ulp
    of the largest value per step, which a wrong state carry or a lane mix-up
    exceeds by many orders of magnitude.
    """
    scale = max(1.0, np.abs(expected).max(initial=0))
    np.testing.assert_allclose(actual, expected, rtol=0,
                               atol=4 * max(steps, 1) * np.finfo(np.float64).eps * scale)


@pytest.fixture(params=[(1, 1, 16), (7, 3, 16), (50, 5, 16), (130, 13, 16),
                        (50, 5, 32), (130, 13, 32)],
                ids=lambda p: f"N{p[0]}k{p[1]}idx{p[2]}")
def reservoir(request):
    """(N, packed, dense W); idx32 forces the layout used when N > 65536."""
    n, k, bits = request.param
    csr = random_csr(n, k, seed=n)
    packed = (pack_recurrent(*csr) if bits == 16
              else _pack(n, k, csr[1], csr[2], bits=32))
    return n, packed, dense(*csr, n)


@pytest.mark.parametrize("linear", [False, True])
@pytest.mark.parametrize("leak", [1.0, 0.3])
def test_harvest_matches_naive(reservoir, linear, leak):
    n, packed, w = reservoir
    if linear:
        w = w * 0.5  # keep the linear reservoir bounded
        packed = tuple(p * 0.5 if p.dtype.kind == "f" else p for p in packed)
    rng = np.random.default_rng(1)
    drive = rng.normal(size=(60, n))
    x0 = rng.normal(size=n)
    out = np.empty_like(drive)
    harvest(packed, drive, leak, x0, linear, out)
    assert_close(out, naive_harvest(w, drive, leak, x0, linear))


def test_harvest_empty(reservoir):
    """No step: nothing is written (the rows around an empty slice keep their
    values) and the initial state is not touched."""
    n, packed, w = reservoir
    buf = np.full((3, n), 7.0)
    x0 = np.linspace(-0.5, 0.5, n)
    keep = x0.copy()
    harvest(packed, np.empty((0, n)), 1.0, x0, False, buf[1:1])
    np.testing.assert_array_equal(buf, 7.0)
    np.testing.assert_array_equal(x0, keep)
    # and the next chunk starts from x0 as if the empty one never happened
    drive = np.random.default_rng(0).normal(size=(4, n))
    out = np.empty_like(drive)
    harvest(packed, drive, 1.0, x0, False, out)
    assert_close(out, naive_harvest(w, drive, 1.0, keep, False))


def test_chunked_equals_unchunked(reservoir):
    n, packed, _ = reservoir
    rng = np.random.default_rng(2)
    drive = rng.normal(size=(100, n))
    full = np.empty_like(drive)
    harvest(packed, drive, 0.7, np.zeros(n), False, full)
    x = np.zeros(n)
    parts = []
    for lo, hi in [(0, 1), (1, 1), (1, 37), (37, 100)]:
        out = np.empty((hi - lo, n))
        harvest(packed, drive[lo:hi], 0.7, x, False, out)
        x = out[-1] if hi > lo else x
        parts.append(out)
    assert_same_run(np.concatenate(parts), full, 100)


@pytest.mark.parametrize("linear", [False, True])
def test_harvest_many_equals_harvest(reservoir, linear):
    n, packed, _ = reservoir
    rng = np.random.default_rng(3)
    lengths = [5, 0, 1, 40, 17, 0, 3, 40, 1] + list(rng.integers(0, 30, 40))
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    drive = rng.normal(size=(offsets[-1], n)) * 0.3
    x0 = rng.normal(size=(len(lengths), n)) * 0.3
    out = np.full_like(drive, np.nan)
    harvest_many(packed, drive, offsets, 0.8, x0, linear, out)
    for b in range(len(lengths)):
        sl = slice(offsets[b], offsets[b + 1])
        ref = np.empty((lengths[b], n))
        harvest(packed, np.ascontiguousarray(drive[sl]), 0.8, x0[b], linear,
                ref)
        assert_same_run(out[sl], ref, lengths[b])


@pytest.mark.parametrize("n_seq", [3, 32, 40, 75])
def test_harvest_many_groups_and_singles(reservoir, n_seq):
    """Full lockstep groups, a padded last group, and leftover sequences run
    one by one (fewer than _MIN_LANES) all give what harvest gives."""
    n, packed, _ = reservoir
    rng = np.random.default_rng(9)
    lengths = rng.integers(1, 12, n_seq)
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    drive = rng.normal(size=(offsets[-1], n))
    x0 = rng.normal(size=(n_seq, n)) * 0.3
    out = np.full_like(drive, np.nan)
    harvest_many(packed, drive, offsets, 0.9, x0, False, out)
    for b in range(n_seq):
        sl = slice(offsets[b], offsets[b + 1])
        ref = np.empty((lengths[b], n))
        harvest(packed, np.ascontiguousarray(drive[sl]), 0.9, x0[b], False,
                ref)
        assert_same_run(out[sl], ref, lengths[b])


def test_harvest_many_no_sequences(reservoir):
    """No sequence, or only empty ones: nothing is written."""
    n, packed, _ = reservoir
    out = np.full((0, n), 7.0)
    harvest_many(packed, np.empty((0, n)), np.zeros(1, np.int64), 1.0,
                 np.empty((0, n)), False, out)
    assert out.shape == (0, n)
    # three empty sequences around one real one: only its rows are written
    rng = np.random.default_rng(10)
    drive = rng.normal(size=(5, n))
    buf = np.full((7, n), 7.0)
    harvest_many(packed, drive, np.array([0, 0, 0, 5, 5], np.int64), 1.0,
                 np.zeros((4, n)), False, buf[1:6])
    np.testing.assert_array_equal(buf[[0, 6]], 7.0)
    ref = np.empty((5, n))
    harvest(packed, drive, 1.0, np.zeros(n), False, ref)
    assert_same_run(buf[1:6], ref, 5)


def naive_generate(w, w_in, bias, w_out, leak, x0, u0, n_steps, include_input,
                   linear):
    f = (lambda z: z) if linear else np.tanh
    x, u = x0.copy(), u0.copy()
    ys, xs = [], []
    for _ in range(n_steps):
        x = (1 - leak) * x + leak * f(w_in @ u + bias + w @ x)
        feats = np.concatenate([[1.0], u, x] if include_input else [[1.0], x])
        u = w_out @ feats
        ys.append(u)
        xs.append(x)
    return np.array(ys).reshape(n_steps, -1), np.array(xs).reshape(n_steps, -1)


def generate(packed, w_in, bias, w_out, leak, x0, u0, n_steps, include_input,
             linear, out_y, out_x=None):
    """The closed loop of ``ESNRegressor.generate`` (every input fed back)
    through :func:`free_run`: the outputs return through ``w_in``."""
    d = w_in.shape[1]
    readout_u = w_out[:, 1:1 + d] if include_input else np.zeros((d, d))
    w_ro_x = np.ascontiguousarray(w_out[:, 1 + d:] if include_input else w_out[:, 1:])
    n = x0.shape[0]
    return free_run(stack_packed([packed]), stack_packed([], like=packed),
                    np.empty((0, n)), np.tile(bias, (n_steps, 1)),
                    np.ascontiguousarray(w_in), np.tile(w_out[:, 0], (n_steps, 1)),
                    np.ascontiguousarray(readout_u), w_ro_x, leak, linear,
                    x0[None, :].copy(), u0.copy(), np.empty((0, d)), out_y, out_x)


@pytest.mark.parametrize("include_input", [True, False])
@pytest.mark.parametrize("linear", [False, True])
@pytest.mark.parametrize("d", [1, 3])
def test_closed_loop_matches_naive(reservoir, include_input, linear, d):
    n, packed, w = reservoir
    rng = np.random.default_rng(4)
    w_in = rng.normal(size=(n, d)) * 0.5
    bias = rng.normal(size=n) * 0.1
    w_out = rng.normal(size=(d, 1 + d * include_input + n)) * 0.3 / np.sqrt(n)
    x0, u0 = rng.normal(size=n) * 0.5, rng.normal(size=d)
    args = (w_in, bias, w_out, 0.6, x0, u0, 25, include_input, linear)
    out_y, out_x = np.empty((25, d)), np.empty((25, n))
    x_end, fb_end = generate(packed, *args, out_y, out_x)
    ref_y, ref_x = naive_generate(w, *args)
    assert_close(out_y, ref_y)
    assert_close(out_x, ref_x)
    np.testing.assert_array_equal(x_end[0], out_x[-1])
    np.testing.assert_array_equal(fb_end, out_y[-1])
    out_y2 = np.empty((25, d))
    generate(packed, *args, out_y2)  # without states: the same outputs
    assert_same_run(out_y2, out_y, 25)


def test_closed_loop_zero_steps(reservoir):
    n, packed, _ = reservoir
    x_end, fb_end = generate(packed, np.ones((n, 1)), np.zeros(n),
                             np.ones((1, 2 + n)), 1.0, np.full(n, 0.5),
                             np.full(1, 2.0), 0, True, False, np.empty((0, 1)))
    np.testing.assert_array_equal(x_end[0], np.full(n, 0.5))
    np.testing.assert_array_equal(fb_end, [2.0])


def test_generate_zero_steps(reservoir):
    """n_steps=0 writes nothing, even into larger output arrays, and leaves
    the given state and input as they were; n_steps=1 writes one row."""
    n, packed, w = reservoir
    out_y = np.full((3, 1), 7.0)
    out_x = np.full((3, n), 7.0)
    x0, u0 = np.full(n, 0.25), np.array([0.5])
    args = (np.ones((n, 1)), np.zeros(n), np.ones((1, 2 + n)), 1.0, x0, u0)
    generate(packed, *args, 0, True, True, out_y, out_x)
    np.testing.assert_array_equal(out_y, 7.0)
    np.testing.assert_array_equal(out_x, 7.0)
    np.testing.assert_array_equal(x0, 0.25)
    np.testing.assert_array_equal(u0, [0.5])
    # linear, leak 1: x1 = W_in u0 + W x0 and y = 1 + u0 + sum(x1)
    generate(packed, *args, 1, True, True, out_y, out_x)
    np.testing.assert_array_equal(out_y[1:], 7.0)
    np.testing.assert_array_equal(out_x[1:], 7.0)
    x1 = 0.5 + w @ x0
    assert_close(out_x[0], x1)
    assert_close(out_y[0], [1.0 + 0.5 + x1.sum()])


def test_deterministic():
    n = 300
    packed = pack_recurrent(*random_csr(n, 30))
    rng = np.random.default_rng(5)
    drive = rng.normal(size=(200, n))
    offsets = np.array([0, 70, 70, 130, 200], np.int64)
    x0 = np.zeros((4, n))
    runs = []
    for _ in range(3):
        out = np.empty_like(drive)
        harvest_many(packed, drive, offsets, 0.9, x0, False, out)
        single = np.empty_like(drive)
        harvest(packed, drive, 0.9, x0[0], False, single)
        runs.append((out, single))
    for out, single in runs[1:]:
        np.testing.assert_array_equal(out, runs[0][0])
        np.testing.assert_array_equal(single, runs[0][1])


def test_tanh_accuracy_and_special_values():
    from reservoir._kernels import _tanh
    from numba import njit

    @njit
    def apply(x):
        out = np.empty_like(x)
        for i in range(x.shape[0]):
            out[i] = _tanh(x[i])
        return out

    rng = np.random.default_rng(6)
    x = np.concatenate([rng.normal(size=20000) * s
                        for s in (1e-9, 1e-3, 0.3, 1.0, 4.0, 30.0)])
    # The reference is tanh in x87 extended precision rounded once to float64
    # (within half an ulp): np.tanh itself is CPU-dependent (NumPy dispatches
    # its own AVX2 and AVX-512 implementations, each within a few ulp).
    ref = np.tanh(x.astype(np.longdouble)).astype(np.float64)
    ulps = np.abs(apply(x) - ref) / np.spacing(np.abs(ref))
    assert ulps.max() <= 3
    special = np.array([np.nan, np.inf, -np.inf, 0.0, 5e-324, 19.1, 40.0, -1e300])
    np.testing.assert_array_equal(apply(special),
                                  [np.nan, 1.0, -1.0, 0.0, 5e-324, 1.0, 1.0, -1.0])


def test_pack_rejects_ragged_rows():
    with pytest.raises(ValueError, match="same number of nonzeros"):
        pack_recurrent(np.array([0, 1, 3]), np.array([0, 0, 1]),
                       np.ones(3))


@pytest.mark.parametrize("n, bits", [(9, 16), (9, 32), (65536, 16),
                                     (65537, 32)])
def test_pack_index_fields(n, bits):
    """Every column index comes back out of its packed field."""
    k = 3
    rng = np.random.default_rng(7)
    rows = min(n, 20)
    cols = np.sort(rng.choice(n, size=(rows, k), replace=True), axis=1)
    cols[0] = [0, n // 2, n - 1]
    idx, val = _pack(rows, k, cols.ravel(), np.arange(rows * k, dtype=float),
                     bits)
    per_word = 64 // bits
    for i in range(rows):
        b, r = divmod(i, 8)
        words = idx[b, :, r // per_word]
        got = (words >> np.uint64(bits * (r % per_word))) & np.uint64(
            (1 << bits) - 1)
        np.testing.assert_array_equal(got, cols[i])
        np.testing.assert_array_equal(val[b, :, r], np.arange(i * k, i * k + k))


def test_pack_chooses_index_width():
    for n, words in [(65536, 2), (65537, 4)]:
        idx, _ = pack_recurrent(np.arange(n + 1), np.arange(n), np.ones(n))
        assert idx.dtype == np.uint64 and idx.shape == (-(-n // 8), 1, words)


def test_harvest_wide_layout_large_n():
    """N > 65536 uses 32-bit index fields; check a few steps exactly."""
    n, k = 70000, 2
    rng = np.random.default_rng(8)
    cols = np.sort(rng.choice(n, size=(n, k)), axis=1)
    cols[:, 1] = np.maximum(cols[:, 1], cols[:, 0])
    data = rng.normal(size=(n, k)) * 0.5
    packed = pack_recurrent(np.arange(n + 1) * k, cols.ravel(), data.ravel())
    assert packed[0].shape[2] == 4
    drive = rng.normal(size=(3, n))
    out = np.empty_like(drive)
    harvest(packed, drive, 1.0, np.zeros(n), True, out)
    x = np.zeros(n)
    for t in range(3):
        z = drive[t] + data[:, 0] * x[cols[:, 0]]
        x = z + data[:, 1] * x[cols[:, 1]]
        # kernel against a reference: to rounding (a wrong column index is
        # off by O(1))
        assert_same_run(out[t], x, t + 1)
