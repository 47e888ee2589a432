"""The float32 path of the ESN, and the state engine's direct paths.

float32 states are compared with the float64 ones (themselves checked
against naive loops in test_esn_deep.py and test_kernels.py) to a float32
tolerance: the drive is rounded to float32 once per step and the sums of
W x run in float32, so each step adds a few float32 ulp (6e-8) of error,
which the echo state property keeps from growing (the tolerances below sit
about 10x above what is measured and 1e4x below a wrong state).
"""

import pickle

import numpy as np
import pytest
from sklearn.base import clone

from reservoir import ESNClassifier, ESNRegressor, Reservoir, load, save
from reservoir import _kernels
from reservoir import esn as esn_module

F32_TOL = 2e-5      # states bounded by 1 (tanh); a few hundred float32 ulp


def _series(n, seed=0, d=2):
    rng = np.random.RandomState(seed)
    return np.sin(np.cumsum(rng.randn(n, d), axis=0) * 0.1)


def _csr(n, k, seed):
    rng = np.random.default_rng(seed)
    indices = np.concatenate([np.sort(rng.choice(n, size=k, replace=False))
                              for _ in range(n)]).astype(np.int32)
    data = rng.normal(scale=0.9 / np.sqrt(k), size=n * k)
    return np.arange(n + 1, dtype=np.int64) * k, indices, data


# -- kernels -----------------------------------------------------------------
@pytest.mark.parametrize("linear", [False, True])
@pytest.mark.parametrize("leak", [1.0, 0.3])
def test_float32_kernels_against_float64(linear, leak):
    """float32 weights and states against the float64 kernel (checked
    against a naive loop elsewhere); many sequences give exactly what one
    at a time gives, in float32 as in float64."""
    n, k, T = 50, 5, 80
    csr = _csr(n, k, seed=1)
    p64 = _kernels.pack_recurrent(*csr)
    p32 = _kernels.pack_recurrent(*csr, dtype=np.float32)
    assert p32[1].dtype == np.float32 and np.array_equal(p32[0], p64[0])
    rng = np.random.default_rng(2)
    drive = rng.uniform(-0.5, 0.5, size=(T, n))
    ref = np.empty((T, n))
    _kernels.harvest(p64, drive, leak, np.zeros(n), linear, ref)
    out = np.empty((T, n), np.float32)
    _kernels.harvest(p32, drive, leak, np.zeros(n, np.float32), linear, out)
    np.testing.assert_allclose(out, ref, rtol=0, atol=F32_TOL)
    assert np.abs(out - ref).max() > 0          # it did run in float32
    # 40 sequences: a lockstep group of 32 lanes and 8 run alone
    lengths = rng.integers(1, 30, size=40)
    offsets = np.r_[0, np.cumsum(lengths)].astype(np.int64)
    drive = rng.uniform(-0.5, 0.5, size=(offsets[-1], n))
    x0 = np.zeros((40, n), np.float32)
    many = np.empty((offsets[-1], n), np.float32)
    _kernels.harvest_many(p32, drive, offsets, leak, x0, linear, many)
    for b in range(40):
        sl = slice(offsets[b], offsets[b + 1])
        one = np.empty((lengths[b], n), np.float32)
        _kernels.harvest(p32, np.ascontiguousarray(drive[sl]), leak, x0[b],
                         linear, one)
        # the same operations in the same order (no BLAS, no FMA
        # contraction): equal to 4 float32 ulp per step of the largest value
        np.testing.assert_allclose(many[sl], one, rtol=0,
                                   atol=4 * lengths[b] * np.finfo(np.float32).eps)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_inputs_summed_in_the_kernel_equal_a_precomputed_drive(dtype):
    """drive = bias row + w_in^T u(t) inside the loop, against the drive
    computed beforehand (other summation order for d > 1: a tolerance)."""
    n, k, T, d = 40, 4, 60, 3
    packed = _kernels.pack_recurrent(*_csr(n, k, seed=3), dtype=dtype)
    rng = np.random.default_rng(4)
    u = rng.normal(size=(T, d))
    w_in = rng.uniform(-1, 1, size=(d, n))
    bias = rng.uniform(-0.2, 0.2, size=(1, n))
    ref = np.empty((T, n), dtype)
    _kernels.harvest(packed, u @ w_in + bias, 0.6, np.zeros(n, dtype), False, ref)
    out = np.empty((T, n), dtype)
    _kernels.harvest(packed, bias, 0.6, np.zeros(n, dtype), False, out,
                     inputs=(u, w_in))
    tol = 1e-12 if dtype == np.float64 else F32_TOL
    np.testing.assert_allclose(out, ref, rtol=0, atol=tol)
    offsets = np.array([0, 25, 25, T], dtype=np.int64)
    many = np.empty((T, n), dtype)
    _kernels.harvest_many(packed, bias, offsets, 0.6, np.zeros((3, n), dtype),
                          False, many, inputs=(u, w_in))
    for lo, hi in [(0, 25), (25, T)]:
        one = np.empty((hi - lo, n), dtype)
        _kernels.harvest(packed, bias, 0.6, np.zeros(n, dtype), False, one,
                         inputs=(u[lo:hi], w_in))
        np.testing.assert_allclose(many[lo:hi], one, rtol=0, atol=tol)


def test_all_finite():
    a = np.zeros((3, 4), np.float32)
    assert _kernels.all_finite(a)
    for bad in (np.nan, np.inf, -np.inf):
        b = a.astype(np.float64)
        b[2, 3] = bad
        assert not _kernels.all_finite(b)


# -- Reservoir ---------------------------------------------------------------
VARIANTS = [dict(), dict(leak_rate=0.3), dict(activation="identity", spectral_radius=0.5),
            dict(num_layers=2), dict(bidirectional=True),
            dict(num_layers=2, bidirectional=True, leak_rate=0.5)]


@pytest.mark.parametrize("kw", VARIANTS, ids=lambda kw: ",".join(kw) or "shallow")
def test_float32_states_against_float64(kw):
    X = _series(200)
    seqs = [X[:70], X[70:90], X[90:]]
    r64 = Reservoir(n_reservoir=30, random_state=0, **kw).fit(X)
    r32 = Reservoir(n_reservoir=30, dtype="float32", random_state=0, **kw).fit(X)
    for W64, W32 in zip(r64.W_layers_, r32.W_layers_):   # the same matrices
        assert (W64 != W32).nnz == 0
    for data in (X, seqs, np.stack([X[:100], X[100:]])):
        s64, s32 = r64.transform(data), r32.transform(data)
        for a, b in zip(np.asarray(s64, dtype=object).reshape(-1)
                        if isinstance(data, list) else [s64],
                        np.asarray(s32, dtype=object).reshape(-1)
                        if isinstance(data, list) else [s32]):
            assert b.dtype == np.float32 and a.dtype == np.float64
            assert b.shape == a.shape
            np.testing.assert_allclose(b, a, rtol=0, atol=F32_TOL)


def test_float32_same_bits_for_the_same_random_state():
    X = _series(300)
    a = Reservoir(n_reservoir=40, dtype="float32", random_state=7).fit_transform(X)
    b = Reservoir(n_reservoir=40, dtype="float32", random_state=7).fit_transform(X)
    assert np.array_equal(a, b)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_transform_streams_long_sequences_in_chunks(monkeypatch, dtype, bidirectional):
    """A sequence longer than a chunk is run chunk by chunk straight into
    the output: the same bits as in one piece (the kernels do the same
    operations in the same order whatever the chunk; no BLAS call is
    involved in the states when the input is narrow)."""
    X = _series(1000)
    res = Reservoir(n_reservoir=20, dtype=dtype, bidirectional=bidirectional,
                    random_state=1).fit(X)
    whole = res.transform(X)
    monkeypatch.setattr(esn_module, "CHUNK_FLOATS", 40 * 20)
    monkeypatch.setattr(esn_module, "MIN_CHUNK_ROWS", 16)
    calls = []
    real = esn_module._kernels.harvest

    def spy(packed, drive, leak, x0, linear, out, *args):
        calls.append(out.shape[0])
        return real(packed, drive, leak, x0, linear, out, *args)

    monkeypatch.setattr(esn_module._kernels, "harvest", spy)
    chunked = res.transform(X)
    assert max(calls) <= 40 and len(calls) >= 25
    assert np.array_equal(chunked, whole)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_wide_inputs_get_their_drive_from_a_gemm(monkeypatch, dtype):
    """More input columns than MAX_INPUTS_IN_KERNEL: the drive comes from a
    GEMM; it agrees with the in-kernel sum to rounding."""
    X = _series(120, d=20)
    res = Reservoir(n_reservoir=25, dtype=dtype, input_scaling=0.2,
                    random_state=0).fit(X)
    seqs = [X[:50], X[50:]]
    gemm = res.transform(X), res.transform(seqs)
    monkeypatch.setattr(esn_module, "MAX_INPUTS_IN_KERNEL", 64)
    inside = res.transform(X), res.transform(seqs)
    tol = 1e-12 if dtype == "float64" else F32_TOL
    np.testing.assert_allclose(gemm[0], inside[0], rtol=0, atol=tol)
    for a, b in zip(gemm[1], inside[1]):
        np.testing.assert_allclose(a, b, rtol=0, atol=tol)


def test_outputs_keep_the_input_structure():
    X = _series(90)
    res = Reservoir(n_reservoir=10, dtype="float32", random_state=0).fit(X)
    out3 = res.transform(np.stack([X[:45], X[45:]]))
    assert out3.shape == (2, 45, 10) and out3.dtype == np.float32
    lst = res.transform([X[:10], X[10:]])
    assert [a.shape for a in lst] == [(10, 10), (80, 10)]
    np.testing.assert_array_equal(out3[1], res.transform(X[45:]))


def test_bad_dtype_and_values_beyond_float32():
    X = _series(50)
    for bad in ("float16", "int32", np.int64, "double precision", 3):
        with pytest.raises(ValueError, match="dtype=.*must be 'float64' or 'float32'"):
            Reservoir(dtype=bad).fit(X)
    assert Reservoir(dtype=np.float32).fit(X).transform(X).dtype == np.float32
    res = Reservoir(n_reservoir=10, dtype="float32", random_state=0).fit(X)
    big = X.copy()
    big[3, 1] = 1e39
    with pytest.raises(ValueError, match="beyond the range of dtype='float32'"):
        res.transform(big)
    esn = ESNRegressor(n_reservoir=10, dtype="float32", random_state=0).fit(X, X[:, 0])
    with pytest.raises(ValueError, match="beyond the range of dtype='float32'"):
        esn.predict(big)


# -- ESNRegressor ------------------------------------------------------------
ESN_VARIANTS = [dict(), dict(leak_rate=0.3, washout=20), dict(num_layers=2),
                dict(bidirectional=True), dict(solver="qr"),
                dict(solver="rls", alpha=1e-2), dict(include_input=False)]


@pytest.mark.parametrize("kw", ESN_VARIANTS, ids=lambda kw: ",".join(kw) or "plain")
def test_float32_regressor_against_float64(kw):
    X = _series(400)
    y = np.column_stack([np.roll(X[:, 0], 1) * X[:, 1], X[:, 0] ** 2])
    m64 = ESNRegressor(n_reservoir=40, alpha=1e-3 if "alpha" not in kw else kw["alpha"],
                       random_state=0, **{k: v for k, v in kw.items() if k != "alpha"})
    m32 = clone(m64).set_params(dtype="float32")
    m64.fit(X, y)
    m32.fit(X, y)
    p64, p32 = m64.predict(X), m32.predict(X)
    assert p32.dtype == np.float64
    # the readout weights are O(1-100): float32 state errors of ~1e-6 move
    # the outputs by ~1e-4 at most
    np.testing.assert_allclose(p32, p64, rtol=0, atol=1e-3 * np.abs(y).max())
    seqs = [X[:150], X[150:]]
    many = m32.predict(seqs)          # grouped; the readout GEMM of other shapes
    for got, s in zip(many, seqs):
        np.testing.assert_allclose(got, m32.predict(s), rtol=0,
                                   atol=1e-10 * np.abs(y).max())


def test_float32_feedback_and_generate():
    t = np.arange(700) * 0.2
    y = np.sin(t)
    X = np.ones((700, 1))
    kw = dict(n_reservoir=60, feedback_scaling=1.0, washout=100, alpha=1e-8,
              random_state=0)
    g64 = ESNRegressor(**kw).fit(X[:500], y[:500])
    g32 = ESNRegressor(dtype="float32", **kw).fit(X[:500], y[:500])
    f64 = g64.predict(X, y_warmup=y[:500])
    f32 = g32.predict(X, y_warmup=y[:500])
    assert f32.dtype == np.float64
    # teacher-forced part: close; the free run after it follows the sine
    np.testing.assert_allclose(f32[100:500], f64[100:500], atol=1e-3)
    assert np.abs(f32[500:550] - y[500:550]).max() < 0.05
    u = np.sin(t)[:, None]
    a64 = ESNRegressor(n_reservoir=60, washout=50, random_state=0).fit(u[:-1], u[1:, 0])
    a32 = clone(a64).set_params(dtype="float32").fit(u[:-1], u[1:, 0])
    gen32, gen64 = a32.generate(20, X_warmup=u[:300]), a64.generate(20, X_warmup=u[:300])
    assert gen32.dtype == np.float64
    np.testing.assert_allclose(gen32, gen64, atol=1e-3)
    _, state = a32.predict(u[:300], return_state=True)
    assert state.dtype == np.float64 and a32.last_state_.dtype == np.float64
    cont = a32.predict(u[300:350], initial_state=state)
    np.testing.assert_allclose(cont, a32.predict(u[:350])[300:], atol=1e-10)


def test_float32_regressor_determinism_clone_pickle_and_save(tmp_path):
    X = _series(300)
    y = X[:, 0] * X[:, 1]
    esn = ESNRegressor(n_reservoir=30, dtype="float32", num_layers=2, random_state=4)
    assert esn.get_params()["dtype"] == "float32"
    assert clone(esn).get_params() == esn.get_params()
    esn.fit(X, y)
    assert esn.reservoir_.dtype == "float32"
    again = clone(esn).fit(X, y)
    assert np.array_equal(again.predict(X), esn.predict(X))
    assert np.array_equal(pickle.loads(pickle.dumps(esn)).predict(X), esn.predict(X))
    path = tmp_path / "esn32.rtm"
    save(esn, path)
    loaded = load(path)
    assert loaded.get_params() == esn.get_params()
    assert loaded.reservoir_._states_dtype == np.float32
    assert np.array_equal(loaded.predict(X), esn.predict(X))
    assert np.array_equal(loaded.reservoir_.transform(X), esn.reservoir_.transform(X))
    loaded.refit_readout(1e-2)
    esn.refit_readout(1e-2)
    assert np.array_equal(loaded.predict(X), esn.predict(X))


def test_set_params_after_fit_does_not_change_the_fitted_dtype():
    X = _series(100)
    res = Reservoir(n_reservoir=10, dtype="float32", random_state=0).fit(X)
    res.set_params(dtype="float64")
    assert res.transform(X).dtype == np.float32


# -- ESNClassifier -----------------------------------------------------------
@pytest.mark.parametrize("representation", ["mean", "last", "model_space"])
def test_float32_classifier_against_float64(representation):
    rng = np.random.RandomState(0)
    X = [np.sin(np.arange(40)[:, None] * (0.1 + 0.2 * (i % 2)) + rng.randn(1, 2))
         + 0.1 * rng.randn(40, 2) for i in range(30)]
    y = np.arange(30) % 2
    kw = dict(n_reservoir=30, representation=representation, n_components=4,
              random_state=0)
    c64 = ESNClassifier(**kw).fit(X, y)
    c32 = ESNClassifier(dtype="float32", **kw).fit(X, y)
    assert c32.reservoir_.get_params()["dtype"] == "float32"
    d64, d32 = c64.decision_function(X), c32.decision_function(X)
    assert d32.dtype == np.float64
    np.testing.assert_allclose(d32, d64, rtol=0, atol=1e-3 * max(1, np.abs(d64).max()))
    np.testing.assert_array_equal(c32.predict(X), c64.predict(X))


def test_short_sequences_run_in_blocks_of_whole_groups(monkeypatch):
    """Blocks of short sequences hold a multiple of two lockstep groups (the
    rest goes to the next block), and transform, which needs no buffer,
    runs them all in one call; every sequence gets what it gets alone (the
    readout GEMM has other shapes: a tolerance)."""
    rng = np.random.RandomState(0)
    seqs = [0.5 * rng.randn(int(n), 2) for n in rng.randint(5, 12, size=150)]
    esn = ESNRegressor(n_reservoir=10, random_state=0).fit(seqs[0], seqs[0][:, 0])
    alone = [esn.predict(s) for s in seqs]
    states_alone = [esn.reservoir_.transform(s) for s in seqs]
    monkeypatch.setattr(esn_module, "CHUNK_FLOATS", 10 * 800)    # 800 rows
    monkeypatch.setattr(esn_module, "MIN_CHUNK_ROWS", 16)
    sizes = []

    def spying(real, count):
        def spy(packed, drive, *args, **kw):
            sizes.append(count(args))
            return real(packed, drive, *args, **kw)
        return spy

    monkeypatch.setattr(esn_module._kernels, "harvest_many", spying(
        esn_module._kernels.harvest_many, lambda a: a[0].shape[0] - 1))
    monkeypatch.setattr(esn_module._kernels, "harvest", spying(
        esn_module._kernels.harvest, lambda a: 1))
    got = esn.predict(seqs)
    assert sum(sizes) == 150 and len(sizes) >= 2
    assert all(k % 64 == 0 for k in sizes[:-1])
    for a, b in zip(got, alone):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)
    sizes.clear()
    states = esn.reservoir_.transform(seqs)
    assert sizes == [150]
    for a, b in zip(states, states_alone):
        assert np.array_equal(a, b)     # the same kernel operations, no BLAS
