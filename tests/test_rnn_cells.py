"""Recurrent cell kernels: naive numpy loops, finite differences, PyTorch."""

import numpy as np
import pytest

from reservoir.rnn import _cells

GATES = {"elman": 1, "gru": 3, "lstm": 4, "cwrnn": 1}


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


# ---------------------------------------------------------------------------
# Naive references: one numpy step at a time
# ---------------------------------------------------------------------------

def naive_elman(xw, w_hh, b_hh, h0):
    h, out = h0, []
    for x in xw:
        h = np.tanh(x + h @ w_hh.T + b_hh)
        out.append(h)
    return np.array(out)


def naive_gru(xw, w_hh, b_hh, h0):
    H = h0.shape[1]
    h, out = h0, []
    for x in xw:
        gh = h @ w_hh.T + b_hh
        r = _sigmoid(x[:, :H] + gh[:, :H])
        z = _sigmoid(x[:, H:2 * H] + gh[:, H:2 * H])
        n = np.tanh(x[:, 2 * H:] + r * gh[:, 2 * H:])
        h = (1 - z) * n + z * h
        out.append(h)
    return np.array(out)


def naive_lstm(xw, w_hh, b_hh, h0, c0):
    H = h0.shape[1]
    h, c, out, cs = h0, c0, [], []
    for x in xw:
        a = x + h @ w_hh.T + b_hh
        i, f = _sigmoid(a[:, :H]), _sigmoid(a[:, H:2 * H])
        g, o = np.tanh(a[:, 2 * H:3 * H]), _sigmoid(a[:, 3 * H:])
        c = f * c + i * g
        h = o * np.tanh(c)
        out.append(h)
        cs.append(c)
    return np.array(out), np.array(cs)


def naive_cwrnn(xw, w_hh, b_hh, h0, periods, t0=0):
    """Koutnik et al.'s Clockwork RNN written out unit by unit, independent of
    the code under test: unit i belongs to module i // m; at step t it updates
    iff (t0 + t) % periods[module] == 0, reading h_{t-1}[j] only from units j
    of its own or slower modules (module(j) >= module(i)); otherwise it keeps
    its value."""
    T, B, H = xw.shape
    m = H // len(periods)
    h = np.array(h0, dtype=np.float64)
    out = np.empty((T, B, H))
    for t in range(T):
        new = h.copy()
        for i in range(H):
            if (t0 + t) % periods[i // m]:
                continue
            for b in range(B):
                z = xw[t, b, i] + b_hh[i]
                for j in range(H):
                    if j // m >= i // m:
                        z += w_hh[i, j] * h[b, j]
                new[b, i] = np.tanh(z)
        h = new
        out[t] = h
    return out


# ---------------------------------------------------------------------------
# Problem generator and a uniform driver
# ---------------------------------------------------------------------------

def make(cell, T, B, H, rng, dtype=np.float64, periods=None):
    G = GATES[cell]
    p = dict(xw=rng.randn(T, B, G * H), w_hh=rng.randn(G * H, H) / np.sqrt(H),
             b_hh=0.5 * rng.randn(G * H), h0=0.5 * rng.randn(B, H))
    if cell == "lstm":
        p["c0"] = 0.5 * rng.randn(B, H)
    if cell == "cwrnn":
        p["w_hh"] *= _cells.cwrnn_mask(H, len(periods))
    p = {k: np.ascontiguousarray(v, dtype=dtype) for k, v in p.items()}
    if cell == "cwrnn":
        p["periods"] = np.asarray(periods, dtype=np.int64)
    return p


def forward(cell, p):
    f = getattr(_cells, f"{cell}_forward")
    if cell == "lstm":
        return f(p["xw"], p["w_hh"], p["b_hh"], p["h0"], p["c0"])
    if cell == "cwrnn":
        return f(p["xw"], p["w_hh"], p["b_hh"], p["h0"], p["periods"])
    return f(p["xw"], p["w_hh"], p["b_hh"], p["h0"])


def backward(cell, dH, out, p):
    """Gradients as a dict keyed like ``p``."""
    f = getattr(_cells, f"{cell}_backward")
    if cell == "elman":
        res = f(dH, out[0], p["h0"], p["w_hh"])
    elif cell == "gru":
        res = f(dH, out[0], out[1], out[2], p["h0"], p["w_hh"])
    elif cell == "lstm":
        res = f(dH, out[0], out[1], out[2], p["h0"], p["c0"], p["w_hh"])
    else:
        res = f(dH, out[0], p["h0"], p["w_hh"], p["periods"])
    names = ["xw", "w_hh", "b_hh", "h0", "c0"]
    return dict(zip(names, res))


def naive(cell, p):
    args = [p["xw"], p["w_hh"], p["b_hh"], p["h0"]]
    if cell == "lstm":
        return naive_lstm(*args, p["c0"])[0]
    if cell == "cwrnn":
        return naive_cwrnn(*args, p["periods"])
    return {"elman": naive_elman, "gru": naive_gru}[cell](*args)


CASES = [("elman", None), ("gru", None), ("lstm", None), ("cwrnn", [1, 2, 4]),
         ("cwrnn", [1, 3, 5])]
IDS = ["elman", "gru", "lstm", "cwrnn", "cwrnn-1-3-5"]


# ---------------------------------------------------------------------------
# Forward
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("cell,periods", CASES, ids=IDS)
@pytest.mark.parametrize("T,B", [(1, 1), (7, 3)])
def test_forward_matches_naive_loop(cell, periods, T, B, rng):
    H = 6
    p = make(cell, T, B, H, rng, periods=periods)
    out = forward(cell, p)
    assert out[0].shape == (T, B, H)
    np.testing.assert_allclose(out[0], naive(cell, p), rtol=1e-12, atol=1e-13)
    if cell == "lstm":
        C = naive_lstm(p["xw"], p["w_hh"], p["b_hh"], p["h0"], p["c0"])[1]
        np.testing.assert_allclose(out[1], C, rtol=1e-12, atol=1e-13)


def test_activations_extreme_inputs():
    """Saturation, exact zero and NaN propagation of the gate nonlinearities."""
    x = np.array([[[-800.0, -40.0, -1e-9, 0.0, 1e-9, 30.0, 800.0, np.nan]]])
    H = x.shape[2]
    z = np.zeros((1, H))
    (Hs,) = _cells.elman_forward(x, np.zeros((H, H)), np.zeros(H), z)
    np.testing.assert_allclose(Hs[0, 0, :7], np.tanh(x[0, 0, :7]), rtol=1e-15, atol=0)
    assert np.isnan(Hs[0, 0, 7])
    Hs, _, gates = _cells.lstm_forward(np.tile(x, 4), np.zeros((4 * H, H)),
                                       np.zeros(4 * H), z, z)
    with np.errstate(over="ignore"):
        expected = _sigmoid(x[0, 0, :7])
    np.testing.assert_allclose(gates[0, 0, :7], expected, rtol=1e-14,
                               atol=1e-17)


@pytest.mark.parametrize("cell,periods", CASES, ids=IDS)
def test_float32_matches_float64(cell, periods, rng):
    p64 = make(cell, 20, 4, 9, rng, periods=periods)
    p32 = {k: (v.astype(np.float32) if v.dtype == np.float64 else v)
           for k, v in p64.items()}
    o64, o32 = forward(cell, p64), forward(cell, p32)
    for a, b in zip(o64, o32):
        assert b.dtype == np.float32
        np.testing.assert_allclose(b, a, rtol=1e-4, atol=2e-5)
    dH = rng.randn(*o64[0].shape)
    g64 = backward(cell, dH, o64, p64)
    g32 = backward(cell, dH.astype(np.float32), o32, p32)
    for k in g64:
        assert g32[k].dtype == np.float32
        scale = np.abs(g64[k]).max()
        np.testing.assert_allclose(g32[k], g64[k], rtol=0, atol=1e-5 * max(scale, 1))


# ---------------------------------------------------------------------------
# Gradients against central finite differences
# ---------------------------------------------------------------------------

def check_gradients(cell, T, B, H, rng, periods=None, eps=1e-6):
    p = make(cell, T, B, H, rng, periods=periods)
    R = rng.randn(T, B, H)
    out = forward(cell, p)
    grads = backward(cell, R, out, p)
    names = [k for k in p if k != "periods"]
    assert sorted(grads) == sorted(names)

    def loss():
        return np.sum(forward(cell, p)[0] * R)

    for name in names:
        a = p[name]
        num = np.empty_like(a)
        for idx in np.ndindex(a.shape):
            old = a[idx]
            a[idx] = old + eps
            lp = loss()
            a[idx] = old - eps
            lm = loss()
            a[idx] = old
            num[idx] = (lp - lm) / (2 * eps)
        assert grads[name].shape == a.shape, name
        np.testing.assert_allclose(grads[name], num, rtol=1e-6, atol=1e-8,
                                   err_msg=f"{cell} d{name}")
    return grads


@pytest.mark.parametrize("cell,periods", CASES, ids=IDS)
@pytest.mark.parametrize("T,B,H", [(1, 1, 3), (1, 2, 3), (6, 1, 3), (5, 2, 3)])
def test_gradients_finite_differences(cell, periods, T, B, H, rng):
    check_gradients(cell, T, B, H, rng, periods=periods)


@pytest.mark.parametrize("cell,periods", CASES, ids=IDS)
def test_gradients_finite_differences_larger(cell, periods, rng):
    check_gradients(cell, 13, 3, 6, rng, periods=periods)


# ---------------------------------------------------------------------------
# Clockwork RNN structure
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("periods", [[1, 2, 4, 8], [1, 3, 5, 7]])
def test_cwrnn_modules_hold_state_between_ticks(periods, rng):
    H, m = 8, 2
    p = make("cwrnn", 30, 3, H, rng, periods=periods)
    (Hs,) = forward("cwrnn", p)
    prev = np.concatenate([p["h0"][None], Hs[:-1]])
    for i, period in enumerate(periods):
        block = slice(i * m, (i + 1) * m)
        for t in range(30):
            changed = not np.array_equal(Hs[t][:, block], prev[t][:, block])
            assert changed == (t % period == 0), (i, t)


def test_cwrnn_ignores_lower_blocks_and_gives_them_zero_gradient(rng):
    H, periods = 9, [1, 2, 3]
    p = make("cwrnn", 10, 2, H, rng, periods=periods)
    mask = _cells.cwrnn_mask(H, 3)
    module = np.arange(H) // 3
    np.testing.assert_array_equal(mask, module[None, :] >= module[:, None])
    out = forward("cwrnn", p)
    noisy = dict(p, w_hh=p["w_hh"] + rng.randn(H, H) * ~mask)
    # the lower blocks are never read: the very same products, the same bits
    np.testing.assert_array_equal(forward("cwrnn", noisy)[0], out[0])
    np.testing.assert_allclose(out[0], naive_cwrnn(noisy["xw"], noisy["w_hh"],
                                                   noisy["b_hh"], noisy["h0"], periods),
                               rtol=1e-12, atol=1e-13)
    g = backward("cwrnn", rng.randn(10, 2, H), out, p)
    assert np.all(g["w_hh"][~mask] == 0.0)
    assert np.all(g["w_hh"][mask] != 0.0)
    # inactive modules get no input gradient at steps where they do not tick
    active = (np.arange(10)[:, None] % np.array(periods)[None, :]) == 0
    cols = np.repeat(active, 3, axis=1)
    assert np.all(g["xw"][~np.broadcast_to(cols[:, None, :], g["xw"].shape)] == 0.0)


@pytest.mark.parametrize("H,g", [(1, 1), (8, 1), (8, 2), (12, 4), (64, 8)])
def test_cwrnn_parameter_count(H, g):
    n = _cells.cwrnn_n_recurrent_params(H, g)
    assert n == _cells.cwrnn_mask(H, g).sum()
    m = H // g
    assert n == sum(m * (H - i * m) for i in range(g))


def test_cwrnn_bad_module_count():
    with pytest.raises(ValueError, match="hidden_size=10"):
        _cells.cwrnn_n_recurrent_params(10, 3)


def test_cwrnn_single_period_one_module_is_elman(rng):
    p = make("elman", 6, 2, 5, rng)
    (a,) = _cells.elman_forward(p["xw"], p["w_hh"], p["b_hh"], p["h0"])
    (b,) = _cells.cwrnn_forward(p["xw"], p["w_hh"], p["b_hh"], p["h0"],
                                np.array([1], dtype=np.int64))
    np.testing.assert_allclose(b, a, rtol=1e-14, atol=1e-15)


def test_cwrnn_default_periods():
    np.testing.assert_array_equal(_cells.cwrnn_default_periods(4), [1, 2, 4, 8])
    assert _cells.cwrnn_default_periods(4).dtype == np.int64


# ---------------------------------------------------------------------------
# PyTorch as the reference (one layer, float64)
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("cell", ["elman", "gru", "lstm"])
def test_matches_torch(cell, rng):
    torch = pytest.importorskip("torch")
    T, B, F, H = 9, 4, 3, 5
    G = GATES[cell]
    module = {"elman": torch.nn.RNN, "gru": torch.nn.GRU,
              "lstm": torch.nn.LSTM}[cell](F, H).double()
    W_ih, W_hh = rng.randn(G * H, F) * 0.5, rng.randn(G * H, H) * 0.5
    b_ih, b_hh = rng.randn(G * H) * 0.3, rng.randn(G * H) * 0.3
    X, h0, c0, R = rng.randn(T, B, F), rng.randn(B, H), rng.randn(B, H), rng.randn(T, B, H)
    with torch.no_grad():
        for name, val in [("weight_ih_l0", W_ih), ("weight_hh_l0", W_hh),
                          ("bias_ih_l0", b_ih), ("bias_hh_l0", b_hh)]:
            getattr(module, name).copy_(torch.from_numpy(val))
    tX = torch.tensor(X, requires_grad=True)
    th0 = torch.tensor(h0[None], requires_grad=True)
    tc0 = torch.tensor(c0[None], requires_grad=True)
    tout, _ = module(tX, (th0, tc0) if cell == "lstm" else th0)
    (tout * torch.from_numpy(R)).sum().backward()

    p = {"xw": np.ascontiguousarray(X @ W_ih.T + b_ih), "w_hh": W_hh, "b_hh": b_hh,
         "h0": h0, "c0": c0}
    out = forward(cell, p)
    np.testing.assert_allclose(out[0], tout.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = backward(cell, R, out, p)
    dxw2 = g["xw"].reshape(T * B, G * H)
    mine = {"weight_ih_l0": dxw2.T @ X.reshape(T * B, F),
            "weight_hh_l0": g["w_hh"],
            "bias_ih_l0": dxw2.sum(0),
            "bias_hh_l0": g["b_hh"]}
    for name, val in mine.items():
        np.testing.assert_allclose(val, getattr(module, name).grad.numpy(),
                                   rtol=1e-10, atol=1e-12, err_msg=name)
    np.testing.assert_allclose(g["xw"] @ W_ih, tX.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(g["h0"], th0.grad.numpy()[0], rtol=1e-10, atol=1e-12)
    if cell == "lstm":
        np.testing.assert_allclose(g["c0"], tc0.grad.numpy()[0], rtol=1e-10,
                                   atol=1e-12)


@pytest.mark.parametrize("t0", [0, 3, 5])
def test_cwrnn_clock_offset_continues_a_sequence(t0, rng):
    """Running steps [t0, T) with t0 and the state at t0 - 1 equals the tail of
    the full run; the backward with the same t0 matches finite differences."""
    p = make("cwrnn", 12, 2, 6, rng, periods=[1, 2, 3])
    (full,) = forward("cwrnn", p)
    h0 = p["h0"] if t0 == 0 else np.ascontiguousarray(full[t0 - 1])
    (tail,) = _cells.cwrnn_forward(p["xw"][t0:].copy(), p["w_hh"], p["b_hh"], h0,
                                   p["periods"], t0)
    # the same products on other arrays: equal to rounding (a few ulp per
    # step), not promised to the bit; a wrong clock is off by O(1)
    np.testing.assert_allclose(tail, full[t0:], rtol=0, atol=4 * 12 * np.finfo(float).eps)
    np.testing.assert_allclose(tail, naive_cwrnn(p["xw"][t0:], p["w_hh"], p["b_hh"], h0,
                                                 p["periods"], t0), rtol=1e-12, atol=1e-13)
    R = rng.randn(*tail.shape)
    xw = p["xw"][t0:].copy()
    g = _cells.cwrnn_backward(R, tail, h0, p["w_hh"], p["periods"], t0)
    eps, num = 1e-6, np.empty_like(xw)
    for idx in np.ndindex(xw.shape):
        old = xw[idx]
        xw[idx] = old + eps
        lp = np.sum(_cells.cwrnn_forward(xw, p["w_hh"], p["b_hh"], h0, p["periods"], t0)[0] * R)
        xw[idx] = old - eps
        lm = np.sum(_cells.cwrnn_forward(xw, p["w_hh"], p["b_hh"], h0, p["periods"], t0)[0] * R)
        xw[idx] = old
        num[idx] = (lp - lm) / (2 * eps)
    np.testing.assert_allclose(g[0], num, rtol=1e-6, atol=1e-8)


# ---------------------------------------------------------------------------
# Large batches: independent groups of sequences, arrays given by the caller
# ---------------------------------------------------------------------------

def _one_group(cell, p, dH, out):
    """The forward and backward of all rows as one group (no split)."""
    T, B, G = p["xw"].shape
    H = G // GATES[cell]
    dt = p["xw"].dtype
    wT = np.ascontiguousarray(p["w_hh"].T)
    dxw, dh0 = np.empty((T, B, G), dt), np.empty((B, H), dt)
    dw, db = np.zeros((G, H), dt), np.zeros(G, dt)
    if cell == "lstm":
        fw = (np.empty((T, B, H), dt), np.empty((T, B, H), dt), np.empty((T, B, G), dt))
        _cells._lstm_forward_rows(p["xw"], wT, p["b_hh"], p["h0"], p["c0"], *fw, 0, B)
        dc0 = np.empty((B, H), dt)
        _cells._lstm_backward_rows(dH, *out, p["h0"], p["c0"], p["w_hh"], dxw, dh0,
                                   dc0, dw, db, 0, B)
        return fw, dict(xw=dxw, w_hh=dw, b_hh=db, h0=dh0, c0=dc0)
    fw = (np.empty((T, B, H), dt), np.empty((T, B, G), dt), np.empty((T, B, H), dt))
    _cells._gru_forward_rows(p["xw"], wT, p["b_hh"], p["h0"], *fw, 0, B)
    _cells._gru_backward_rows(dH, *out, p["h0"], p["w_hh"], dxw, dh0, dw, db, 0, B)
    return fw, dict(xw=dxw, w_hh=dw, b_hh=db, h0=dh0)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("cell", ["gru", "lstm"])
def test_split_batch_matches_one_group(cell, dtype, rng):
    """A batch large enough to run as two groups (uneven: 8 + 9 sequences,
    T not a multiple of the weight-gradient chunk) gives the states of the
    naive loop and the gradients of the unsplit kernels."""
    T, B, H = 11, 17, 96
    assert _cells._n_parts(B, H) == 2
    p = make(cell, T, B, H, rng, dtype=dtype)
    out = forward(cell, p)
    np.testing.assert_allclose(out[0], naive(cell, p), rtol=1e-4 if dtype == np.float32
                               else 1e-12, atol=1e-5 if dtype == np.float32 else 1e-13)
    dH = rng.randn(T, B, H).astype(dtype)
    g = backward(cell, dH, out, p)
    fw, ref = _one_group(cell, p, dH, out)
    # Rows are independent, so the two runs agree up to rounding; not to the
    # bit: the groups' BLAS products have other shapes (8 and 9 rows against
    # 17), and OpenBLAS picks kernels and summation orders by shape and CPU.
    # A rounding difference in one step's product carries into the next
    # steps, so allow a few ulp per step (seen: 5 ulp after 11 steps).
    ulp = 3 * T * np.finfo(dtype).eps
    for a, b in zip(out, fw):
        np.testing.assert_allclose(a, b, rtol=0, atol=ulp * max(np.abs(b).max(), 1))
    tol = 1e-5 if dtype == np.float32 else 1e-13
    for k in ref:
        scale = np.abs(ref[k]).max()
        np.testing.assert_allclose(g[k], ref[k], rtol=0, atol=tol * scale, err_msg=k)


@pytest.mark.parametrize("cell", ["gru", "lstm"])
def test_split_bits_do_not_depend_on_thread_count(cell, rng):
    numba = pytest.importorskip("numba")
    if numba.config.NUMBA_NUM_THREADS < 2:
        pytest.skip("needs two numba threads")
    p = make(cell, 9, 32, 64, rng, dtype=np.float32)
    dH = rng.randn(9, 32, 64).astype(np.float32)
    runs = []
    old = numba.get_num_threads()
    try:
        for n in (1, 2, 1, 2):
            numba.set_num_threads(n)
            out = forward(cell, p)
            runs.append(list(out) + list(backward(cell, dH, out, p).values()))
    finally:
        numba.set_num_threads(old)
    for run in runs[1:]:
        for a, b in zip(runs[0], run):
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("B,H", [(3, 5), (17, 96)])
@pytest.mark.parametrize("cell", ["gru", "lstm"])
def test_into_variants_match(cell, B, H, rng):
    """``*_forward_into`` / ``*_backward_into`` write what the allocating
    kernels return, whatever the arrays held before."""
    T, G = 7, GATES[cell] * H
    p = make(cell, T, B, H, rng)
    out = forward(cell, p)
    dH = rng.randn(T, B, H)
    g = backward(cell, dH, out, p)
    shapes = [(T, B, H), (T, B, H), (T, B, G)] if cell == "lstm" else \
        [(T, B, H), (T, B, G), (T, B, H)]
    bufs = [np.full(s, np.nan) for s in shapes]
    dxw = np.full((T, B, G), np.nan)
    if cell == "lstm":
        _cells.lstm_forward_into(p["xw"], p["w_hh"], p["b_hh"], p["h0"], p["c0"], *bufs)
        res = _cells.lstm_backward_into(dH, *bufs, p["h0"], p["c0"], p["w_hh"], dxw)
    else:
        _cells.gru_forward_into(p["xw"], p["w_hh"], p["b_hh"], p["h0"], *bufs)
        res = _cells.gru_backward_into(dH, *bufs, p["h0"], p["w_hh"], dxw)
    # the allocating kernels are these calls on fresh arrays: the same
    # products on the same shapes, so the same bits
    for a, b in zip(out, bufs):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(dxw, g["xw"])
    for k, v in zip(["w_hh", "b_hh", "h0", "c0"], res):
        np.testing.assert_array_equal(v, g[k])
