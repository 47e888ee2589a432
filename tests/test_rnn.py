"""Gradient-trained recurrent estimators: gradients, PyTorch parity, training."""

import pickle
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit

from reservoir import (CWRNNRegressor, GRURegressor, LSTMRegressor,
                       SimpleRNNRegressor)
from reservoir.rnn import _network

CELL_OF = {SimpleRNNRegressor: "elman", GRURegressor: "gru", LSTMRegressor: "lstm",
           CWRNNRegressor: "cwrnn"}
ALL = list(CELL_OF)


def _net(cell, n_in=2, hidden=6, layers=1, bidirectional=False, n_out=2, seed=0):
    periods, mask = None, None
    if cell == "cwrnn":    # non-power-of-two periods, modules of 2 units
        periods, mask = CWRNNRegressor(hidden_size=hidden, periods=(1, 2, 3))._cell_options()
    params = _network.init_params(cell, n_in, hidden, layers, bidirectional, n_out,
                                  np.random.RandomState(seed), np.float64, mask)
    return params, periods, mask


@pytest.mark.parametrize("cell", ["elman", "gru", "lstm", "cwrnn"])
@pytest.mark.parametrize("layers,bidirectional", [(1, False), (2, False), (2, True)])
def test_network_gradients_match_finite_differences(cell, layers, bidirectional):
    rng = np.random.RandomState(1)
    params, periods, mask = _net(cell, layers=layers, bidirectional=bidirectional)
    T, B = 7, 3
    lengths = np.array([7, 4, 6])
    X = rng.randn(T, B, 2)
    R = rng.randn(T, B, 2)
    for b, L in enumerate(lengths):
        X[L:, b] = 0
        R[L:, b] = 0
    args = dict(cell=cell, num_layers=layers, bidirectional=bidirectional,
                periods=periods)

    def loss(p):
        Y, _ = _network.forward(p, X, lengths, keep=False, **args)
        return float((Y * R).sum())

    _, tape = _network.forward(params, X, lengths, **args)
    grads = _network.backward(params, R, tape, lengths, **args)
    eps = 1e-6
    for name, value in params.items():
        flat = value.ravel()
        picks = rng.choice(flat.size, size=min(6, flat.size), replace=False)
        for j in picks:
            if name.startswith("weight_hh") and mask is not None and mask.ravel()[j] == 0:
                continue
            old = flat[j]
            flat[j] = old + eps
            up = loss(params)
            flat[j] = old - eps
            down = loss(params)
            flat[j] = old
            numeric = (up - down) / (2 * eps)
            assert grads[name].ravel()[j] == pytest.approx(numeric, rel=1e-5, abs=1e-7), name


def test_padding_does_not_leak_into_real_steps():
    """A short sequence padded in a batch gives the same outputs as alone."""
    rng = np.random.RandomState(2)
    params, _, _ = _net("gru", layers=2, bidirectional=True)
    x = rng.randn(5, 1, 2)
    alone, _ = _network.forward(params, x, np.array([5]), "gru", 2, True, keep=False)
    X = np.zeros((9, 2, 2))
    X[:5, 0] = x[:, 0]
    X[:, 1] = rng.randn(9, 2)
    X[5:, 0] = 123.0     # garbage past the length must not matter
    both, _ = _network.forward(params, X, np.array([5, 9]), "gru", 2, True, keep=False)
    np.testing.assert_allclose(both[:5, 0], alone[:, 0], rtol=1e-12, atol=1e-13)


def test_cwrnn_modules_hold_state_between_ticks():
    from reservoir.rnn import _cells
    rng = np.random.RandomState(3)
    est = CWRNNRegressor(hidden_size=8, periods=(1, 2, 4, 8))
    periods, mask = est._cell_options()
    H, T, B = 8, 17, 2
    w_hh = rng.randn(H, H) * mask * 0.5
    xw = rng.randn(T, B, H)
    out = _cells.cwrnn_forward(xw, w_hh, rng.randn(H), np.zeros((B, H)), periods)
    hs = out[0]
    for i, p in enumerate(periods):
        block = slice(2 * i, 2 * i + 2)
        for t in range(1, T):
            if t % p:
                np.testing.assert_array_equal(hs[t, :, block], hs[t - 1, :, block])
            else:
                assert not np.array_equal(hs[t, :, block], hs[t - 1, :, block])


def test_cwrnn_parameter_count_is_block_triangular():
    est = CWRNNRegressor(hidden_size=12, periods=(1, 2, 4), max_iter=1)
    X = np.random.RandomState(0).randn(30, 2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, X[:, 0])
    g, m = 3, 4
    recurrent = m * m * g * (g + 1) // 2         # blocks on and above the diagonal
    expected = 12 * 2 + recurrent + 12 + 12 + 12 + 1
    assert est.n_parameters_ == expected
    w = est.to_torch_state_dict()["weight_hh_l0"]
    assert (w[4:8, 0:4] == 0).all() and (w[8:, :8] == 0).all()   # never fast -> slow


def test_torch_state_dict_names_and_shapes():
    X = np.random.RandomState(0).randn(20, 3)
    est = LSTMRegressor(hidden_size=5, num_layers=2, bidirectional=True, max_iter=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, X[:, :2])
    sd = est.to_torch_state_dict()
    assert sd["weight_ih_l0"].shape == (20, 3)
    assert sd["weight_hh_l0_reverse"].shape == (20, 5)
    assert sd["weight_ih_l1"].shape == (20, 10)
    assert sd["bias_hh_l1_reverse"].shape == (20,)
    assert sd["readout.weight"].shape == (2, 10) and sd["readout.bias"].shape == (2,)


@pytest.mark.parametrize("Est,torch_name", [(SimpleRNNRegressor, "RNN"),
                                            (GRURegressor, "GRU"),
                                            (LSTMRegressor, "LSTM")])
@pytest.mark.parametrize("layers,bidirectional", [(1, False), (2, True)])
def test_matches_pytorch(Est, torch_name, layers, bidirectional):
    torch = pytest.importorskip("torch")
    rng = np.random.RandomState(4)
    X = rng.randn(12, 3)
    est = Est(hidden_size=4, num_layers=layers, bidirectional=bidirectional,
              max_iter=1, dtype="float64", random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, X[:, :2])
    sd = est.to_torch_state_dict()
    rnn = getattr(torch.nn, torch_name)(3, 4, num_layers=layers, bidirectional=bidirectional,
                                       batch_first=True).double()
    lin = torch.nn.Linear(4 * (2 if bidirectional else 1), 2).double()
    with torch.no_grad():
        for name, p in rnn.named_parameters():
            p.copy_(torch.from_numpy(sd[name]))
        lin.weight.copy_(torch.from_numpy(sd["readout.weight"]))
        lin.bias.copy_(torch.from_numpy(sd["readout.bias"]))
    xt = torch.from_numpy(X[None]).requires_grad_(True)
    out = lin(rnn(xt)[0])[0]
    np.testing.assert_allclose(est.predict(X), out.detach().numpy(), rtol=1e-10, atol=1e-12)
    # gradients of the same loss
    R = rng.randn(12, 2)
    (out * torch.from_numpy(R)).sum().backward()
    params = est._params
    lengths = np.array([12])
    args = est._net_args()
    _, tape = _network.forward(params, X[:, None, :], lengths, **args)
    grads = _network.backward(params, R[:, None, :], tape, lengths, **args)
    for name, p in rnn.named_parameters():
        np.testing.assert_allclose(grads[name], p.grad.numpy(), rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(grads["readout.weight"], lin.weight.grad.numpy(), rtol=1e-9)


def _sine_task(n=400, seed=0):
    t = np.arange(n)
    u = np.sin(0.3 * t)[:, None] + 0.05 * np.random.RandomState(seed).randn(n, 1)
    return u[:-1], np.sin(0.3 * t[1:])


@pytest.mark.parametrize("Est", ALL)
def test_learns_next_step_of_a_sine(Est):
    X, y = _sine_task()
    est = Est(hidden_size=8, max_iter=60, learning_rate_init=2e-2, bptt_window=50,
              washout=5, random_state=0, n_iter_no_change=100)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y)
    assert est.loss_curve_[-1] < 0.1 * est.loss_curve_[0]
    assert est.score(X[20:], y[20:]) > 0.9
    assert est.n_iter_ == len(est.loss_curve_) == 60


def test_same_seed_same_bits_and_pickle():
    X, y = _sine_task(200)
    kw = dict(hidden_size=6, max_iter=3, random_state=5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        a = GRURegressor(**kw).fit(X, y)
        b = GRURegressor(**kw).fit(X, y)
    assert np.array_equal(a.predict(X), b.predict(X))
    c = pickle.loads(pickle.dumps(a))
    assert np.array_equal(c.predict(X), a.predict(X))


def test_early_stopping_uses_the_end_and_restores_best():
    X, y = _sine_task(300)
    est = LSTMRegressor(hidden_size=6, max_iter=200, early_stopping=True,
                        validation_fraction=0.2, n_iter_no_change=3, tol=0.0,
                        learning_rate_init=5e-2, random_state=0)
    est.fit(X, y)
    assert est.n_iter_ < 200
    assert len(est.validation_scores_) == est.n_iter_
    assert est.best_validation_score_ == max(est.validation_scores_)
    # the restored weights reproduce the best validation score on the held-out end
    cut = len(X) - int(round(0.2 * len(X)))
    assert est._score_arrays([X[cut:]], [y[cut:, None]]) == pytest.approx(
        est.best_validation_score_, abs=1e-6)


def test_convergence_warning_and_warm_start():
    X, y = _sine_task(200)
    est = SimpleRNNRegressor(hidden_size=4, max_iter=2, warm_start=True, random_state=0)
    with pytest.warns(ConvergenceWarning, match="maximum iterations"):
        est.fit(X, y)
    first = est.to_torch_state_dict()["weight_hh_l0"].copy()
    with pytest.warns(ConvergenceWarning):
        est.fit(X, y)
    assert len(est.loss_curve_) == 4
    assert not np.array_equal(first, est.to_torch_state_dict()["weight_hh_l0"])


def test_divergence_is_an_error_not_nan():
    X, y = _sine_task(100)
    with pytest.raises(ValueError, match="non-finite in the first epoch"):
        SimpleRNNRegressor(hidden_size=4, learning_rate_init=1e3, clip_norm=None,
                           max_iter=5, random_state=0).fit(X * 1e30, y * 1e30)


def test_many_sequences_and_windows():
    rng = np.random.RandomState(0)
    seqs = [rng.randn(n, 2) for n in (30, 55, 12)]
    ys = [np.cumsum(s[:, 0]) * 0.1 for s in seqs]
    est = GRURegressor(hidden_size=5, max_iter=2, bptt_window=20, washout=2,
                       random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(seqs, ys)
    pred = est.predict(seqs)
    assert [p.shape for p in pred] == [(30,), (55,), (12,)]
    # a batch of three is each sequence alone, from a zero state (to float32
    # rounding: the batch's BLAS products have other shapes)
    for p, s in zip(pred, seqs):
        np.testing.assert_allclose(p, est.predict(s), rtol=1e-5, atol=1e-6)
    targets = [y[:, None] for y in ys]
    windows = est._windows(seqs, targets)
    # windows of 20 overlapping by the washout (2): starts 0, 18, 36, ...;
    # each is the exact slice of its sequence, inputs and targets alike
    expected = []
    for s, t in zip(seqs, targets):
        starts = [0] if len(s) <= 20 else list(range(0, len(s) - 2, 18))
        expected += [(s[a:a + 20], t[a:a + 20]) for a in starts]
    assert len(windows) == len(expected) == 2 + 3 + 1
    for (u, v), (eu, ev) in zip(windows, expected):
        np.testing.assert_array_equal(u, eu)
        np.testing.assert_array_equal(v, ev)
    # every step after the first washout is in exactly one window's loss
    covered = [np.zeros(len(s), int) for s in seqs]
    for i, s in enumerate(seqs):
        for a in ([0] if len(s) <= 20 else range(0, len(s) - 2, 18)):
            covered[i][a + 2:a + 20] += 1
    for c in covered:
        np.testing.assert_array_equal(c[2:], 1)
        np.testing.assert_array_equal(c[:2], 0)


def test_grid_search_over_hidden_size_and_learning_rate():
    X, y = _sine_task(300)
    search = GridSearchCV(
        GRURegressor(max_iter=5, random_state=0),
        {"hidden_size": [4, 8], "learning_rate_init": [1e-2, 3e-2]},
        cv=TimeSeriesSplit(n_splits=2))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X, y)
    assert len(search.cv_results_["params"]) == 4


@pytest.mark.parametrize("params,exc,match", [
    ({"learning_rate_init": 0}, ValueError, "learning_rate_init=0"),
    ({"learning_rate_init": -1.0}, ValueError, "learning_rate_init=-1.0"),
    ({"batch_size": 0}, ValueError, "batch_size=0"),
    ({"batch_size": 2.5}, TypeError, "batch_size=2.5 must be an integer"),
    ({"hidden_size": 0}, ValueError, "hidden_size=0"),
    ({"validation_fraction": 1.0}, ValueError, "validation_fraction=1.0"),
    ({"dtype": "float16"}, ValueError, "dtype='float16'"),
    ({"bptt_window": 3, "washout": 5}, ValueError, "bptt_window=3"),
])
def test_bad_parameters(params, exc, match):
    X, y = _sine_task(50)
    with pytest.raises(exc, match=match):
        LSTMRegressor(**params).fit(X, y)


@pytest.mark.parametrize("params,match", [
    ({"hidden_size": 10, "periods": (1, 2, 4)}, "not divisible into 3 modules"),
    ({"periods": (1, 0)}, "positive integers"),
    ({"periods": (1.5, 2)}, "positive integers"),
    ({"periods": ()}, "positive integers"),
    ({"periods": (True, 2)}, "positive integers"),      # bool is not a period
    ({"periods": np.array([True, False])}, "positive integers"),
    ({"periods": "12"}, "positive integers"),
    ({"periods": (1, 2**70)}, "positive integers"),
])
def test_bad_cwrnn_periods(params, match):
    X, y = _sine_task(50)
    with pytest.raises(ValueError, match=match):
        CWRNNRegressor(**params).fit(X, y)


def test_same_input_errors_as_the_esn():
    X, y = _sine_task(50)
    with pytest.raises(ValueError, match="X contains NaN at row 3"):
        GRURegressor().fit(np.where(np.arange(49)[:, None] == 3, np.nan, X), y)
    with pytest.raises(ValueError, match="y has 48 timesteps but X has 49"):
        GRURegressor().fit(X, y[:-1])
    with pytest.raises(ValueError, match="washout=49 must be smaller"):
        GRURegressor(washout=49).fit(X, y)


@pytest.mark.parametrize("Est", [SimpleRNNRegressor, GRURegressor, LSTMRegressor])
def test_generate_is_the_closed_loop_of_predict(Est):
    u = np.sin(np.arange(120) * 0.3)[:, None]
    est = Est(hidden_size=6, num_layers=2, max_iter=2, dtype="float64", random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(u[:-1], u[1:])
    gen = est.generate(15, X_warmup=u[:50])
    fed = np.vstack([u[:50], gen[:-1]])
    np.testing.assert_allclose(est.predict(fed)[49:], gen, rtol=1e-10, atol=1e-12)


def test_generate_with_known_future_columns():
    rng = np.random.RandomState(1)
    u = np.sin(np.arange(100) * 0.3)
    cal = rng.randn(100)
    X = np.column_stack([u[:-1], cal[1:]])         # value at t, calendar of t+1
    est = GRURegressor(hidden_size=5, max_iter=2, dtype="float64", random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, u[1:])
    future = rng.randn(9, 1)
    gen = est.generate(10, X_warmup=X[:40], X_future=future)
    fed = np.vstack([X[:40], np.column_stack([gen[:-1], future[:, 0]])])
    np.testing.assert_allclose(est.predict(fed)[39:], gen, rtol=1e-10, atol=1e-12)
    with pytest.raises(ValueError, match=r"pass their future values as X_future of shape \(9, 1\)"):
        est.generate(10, X_warmup=X[:40])


def test_cwrnn_generate_keeps_the_clock():
    u = np.sin(np.arange(90) * 0.4)[:, None]
    est = CWRNNRegressor(hidden_size=8, periods=(1, 2, 4, 8), max_iter=2,
                         dtype="float64", random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(u[:-1], u[1:])
    gen = est.generate(13, X_warmup=u[:37])          # odd warm-up: clock offset matters
    fed = np.vstack([u[:37], gen[:-1]])
    np.testing.assert_allclose(est.predict(fed)[36:], gen, rtol=1e-10, atol=1e-12)


def test_verbose_reports_the_running_loss(capsys):
    X, y = _sine_task(80)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est = SimpleRNNRegressor(hidden_size=4, max_iter=3, verbose=True,
                                 random_state=0).fit(X, y)
    err = capsys.readouterr().err
    try:
        import tqdm  # noqa: F401   (a bar: the postfix carries the loss)
        assert "loss=" in err
    except ImportError:
        lines = [l for l in err.splitlines() if l.startswith("Iteration")]
        assert len(lines) == 3
        assert f"loss={est.loss_curve_[-1]:.4g}" in lines[-1]


# -- Clockwork RNN training (a delayed nonlinear echo) -----------------------

def _echo_task(n_sequences, length, seed):
    """y(t) = sin(3 u(t-4)) u(t-1), u uniform on [-1, 1]: the target is
    uncorrelated with every lagged input, so a network first sits on a
    plateau at the target's variance."""
    rng = np.random.RandomState(seed)
    U = [rng.uniform(-1, 1, (length, 1)) for _ in range(n_sequences)]
    Y = []
    for u in U:
        y = np.zeros(length)
        y[4:] = np.sin(3 * u[:-4, 0]) * u[3:-1, 0]
        Y.append(y)
    return U, Y


def _echo_nrmse(est, washout=5):
    U, Y = _echo_task(16, 80, seed=1)
    pred = est.predict(U)
    yt = np.concatenate([y[washout:] for y in Y])
    yp = np.concatenate([p[washout:] for p in pred])
    return float(np.sqrt(np.mean((yt - yp) ** 2)) / yt.std())


def test_cwrnn_initial_spectral_radius_is_the_elman_networks():
    """Block-triangular W_hh: its eigenvalues are the diagonal blocks'. At
    +-1/sqrt(hidden) the 8-unit blocks of a 4-module network had half the
    Elman network's spectral radius (a ratio of 0.58 here); at
    +-1/sqrt(module size) each block has an Elman network's (the largest of
    four small blocks a little more)."""
    periods, mask = CWRNNRegressor(hidden_size=32, periods=(1, 2, 4, 8))._cell_options()

    def radius(cell, m, seed):
        p = _network.init_params(cell, 1, 32, 1, False, 1, np.random.RandomState(seed),
                                 np.float64, m)
        return np.abs(np.linalg.eigvals(p["weight_hh_l0"])).max()

    cw = np.mean([radius("cwrnn", mask, s) for s in range(20)])
    elman = np.mean([radius("elman", None, s) for s in range(20)])
    assert 0.9 < cw / elman < 1.3
    p = _network.init_params("cwrnn", 1, 32, 1, False, 1, np.random.RandomState(0),
                             np.float64, mask)
    w = p["weight_hh_l0"]
    assert (w[mask == 0] == 0).all()
    assert np.abs(w).max() <= 1 / np.sqrt(8) and np.abs(w).max() > 0.9 / np.sqrt(8)


def test_auto_patience_spans_enough_updates():
    """n_iter_no_change="auto": 10 epochs, or as many as make 150 updates; an
    integer is exactly that many epochs (scikit-learn's meaning)."""
    X, y = _sine_task(40)
    # tol so large that no epoch after the first counts as an improvement
    kw = dict(hidden_size=2, max_iter=400, tol=1e9, random_state=0)
    est = SimpleRNNRegressor(n_iter_no_change=5, **kw).fit(X, y)
    assert est.n_iter_ == 1 + 5
    est = SimpleRNNRegressor(**kw).fit(X, y)          # one batch per epoch
    assert est.n_iter_ == 1 + 150
    windows = [X[i:i + 10] for i in range(0, 40, 10)]
    targets = [y[i:i + 10] for i in range(0, 40, 10)]
    est = SimpleRNNRegressor(batch_size=1, **kw).fit(windows, targets)  # 4 per epoch
    assert est.n_iter_ == 1 + 38
    est = SimpleRNNRegressor(batch_size=1, max_iter=400, tol=1e9, hidden_size=2,
                             random_state=0).fit([X[i:i + 2] for i in range(0, 40, 2)],
                                                 [y[i:i + 2] for i in range(0, 40, 2)])
    assert est.n_iter_ == 1 + 10                        # 20 per epoch: 10 epochs


def test_cwrnn_learns_a_delayed_echo_with_default_settings():
    """The reported failure: 48 sequences of 80 steps, hidden 32, periods
    (1, 2, 4, 8), max_iter=200: training stopped after ~30 epochs on the
    initial plateau (NRMSE 1.00, the mean). It must leave the plateau."""
    U, Y = _echo_task(48, 80, seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est = CWRNNRegressor(hidden_size=32, periods=(1, 2, 4, 8), max_iter=200,
                             washout=5, random_state=0).fit(U, Y)
    assert est.n_iter_ > 100
    assert _echo_nrmse(est) < 0.6


@pytest.mark.slow
def test_cwrnn_matches_elman_at_equal_parameters_on_the_echo():
    """At equal parameter counts (769 and 781), over three seeds: the
    all-ones clock (an Elman network with a block-triangular W_hh) learns the
    echo at least as well as Elman; the (1, 2, 4, 8) clock as well as an
    Elman network the size of its period-1 module (8 units), which is all
    that updates at every step, as the exact lags 1 and 4 require."""
    U, Y = _echo_task(48, 80, seed=0)
    kw = dict(max_iter=200, washout=5)

    def mean_nrmse(make):
        scores = []
        for seed in range(3):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                scores.append(_echo_nrmse(make(seed).fit(U, Y)))
        return np.mean(scores)

    elman = mean_nrmse(lambda s: SimpleRNNRegressor(26, random_state=s, **kw))
    ones = mean_nrmse(lambda s: CWRNNRegressor(32, periods=(1, 1, 1, 1), random_state=s, **kw))
    clock = mean_nrmse(lambda s: CWRNNRegressor(32, periods=(1, 2, 4, 8), random_state=s, **kw))
    fast = mean_nrmse(lambda s: SimpleRNNRegressor(8, random_state=s, **kw))
    assert elman < 0.25
    assert ones <= 1.05 * elman
    assert clock <= 1.3 * fast
@pytest.mark.parametrize("Est", ALL)
def test_inputs_beyond_float32_are_refused_in_predict_as_in_fit(Est):
    """A float32 network once returned NaN from predict for finite X beyond
    float32's range (3.4e38) while fit refused the same data."""
    X, y = _sine_task(60)
    est = Est(hidden_size=4, max_iter=1, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y)
    big = X.copy()
    big[7, 0] = 1e39
    match = r"X holds 1e\+39 at row 7, column 0, beyond the range of dtype='float32'"
    with pytest.raises(ValueError, match=match):
        est.predict(big)
    with pytest.raises(ValueError, match=match):
        Est(hidden_size=4, max_iter=1).fit(big, y)
    with pytest.raises(ValueError, match="y holds"):
        Est(hidden_size=4, max_iter=1).fit(X, y * 1e39)
    with pytest.raises(ValueError, match=r"X_warmup holds 1e\+39"):
        est.generate(3, X_warmup=big)
    # float64 networks read such values (tanh saturates): finite outputs
    est64 = Est(hidden_size=4, max_iter=1, dtype="float64", random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est64.fit(X, y)
    assert np.isfinite(est64.predict(big)).all()


def test_outputs_that_overflow_inside_the_network_are_an_error(monkeypatch):
    """Finite inputs in range can still meet as inf - inf inside W_ih x
    (whether they do depends on the BLAS: with FMA 3e38 * 2 - 3e38 * 2 stays
    inf, without it is NaN). Whatever the network computes, a non-finite
    output is a ValueError naming X, never NaN predictions."""
    X, y = _sine_task(60)
    est = SimpleRNNRegressor(hidden_size=4, max_iter=1, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y)
    real = _network.forward

    def overflowing(*args, **kwargs):
        Y, *rest = real(*args, **kwargs)
        Y[2:] = np.nan
        return (Y, *rest)

    monkeypatch.setattr(_network, "forward", overflowing)
    with pytest.raises(ValueError, match="non-finite output at step 2 of X"):
        est.predict(X)
    with pytest.raises(ValueError, match=r"non-finite output at step 2 of X \(sequence 1\)"):
        est.predict([X[:2], X])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("scale", [1.0, 0.37])
def test_adam_kernel_is_the_numpy_update(dtype, scale):
    """The compiled Adam step against the NumPy expressions it replaced
    (a clipped step, ``scale`` != 1, takes the clipped gradient in float64
    as NumPy's float64 scale did). The same IEEE operations in the same
    order; compared to a float's last bit of tolerance all the same."""
    from reservoir.rnn import _optim

    rng = np.random.RandomState(0)
    n, b1, b2, eps = 500, 0.9, 0.999, 1e-8
    p = rng.randn(n).astype(dtype)
    m = (0.1 * rng.randn(n)).astype(dtype)
    v = (0.01 * rng.rand(n)).astype(dtype)
    g = (rng.randn(n) * 10.0 ** rng.uniform(-4, 1, n)).astype(dtype)
    lr_t = 0.0123
    P, M, V = p.copy(), m.copy(), v.copy()
    G = g * np.float64(scale) if scale != 1.0 else g
    M *= b1
    M += (1 - b1) * G
    V *= b2
    V += (1 - b2) * G * G
    P -= (np.float64(lr_t) * M / (np.sqrt(V) + eps)).astype(dtype)
    c = np.dtype(dtype).type
    assert _optim.adam_update(p, g, m, v, scale, c(b1), c(b2), c(eps), 1 - b1,
                              1 - b2, lr_t)
    tol = dict(rtol=2 * np.finfo(dtype).eps, atol=0)
    np.testing.assert_allclose(m, M, **tol)
    np.testing.assert_allclose(v, V, **tol)
    np.testing.assert_allclose(p, P, **tol)
    # a weight that overflows is reported
    p[:] = np.finfo(dtype).max
    g[:] = -1.0
    assert not _optim.adam_update(p, g, m, v, 1.0, c(b1), c(b2), c(eps), 1 - b1,
                                  1 - b2, 1e300 if dtype == np.float64 else 1e38)


@pytest.mark.parametrize("washout", [0, 3])
def test_stacked_batches_equal_padded_batches(washout):
    """Pairs of one length are stacked once and batches taken from them:
    the same arrays (values, mask, lengths) as the general padding path."""
    rng = np.random.RandomState(0)
    est = LSTMRegressor(washout=washout)
    pairs = [(rng.randn(12, 2), rng.randn(12, 3)) for _ in range(9)]
    make = est._batcher(pairs, np.float32)
    for idx in (np.array([4, 0, 7]), np.arange(9), np.array([8])):
        fast = make(idx)
        slow = est._batch([pairs[i] for i in idx], np.float32)
        for a, b in zip(fast, slow):
            assert a.dtype == b.dtype and a.shape == b.shape
            np.testing.assert_array_equal(a, b)
        assert fast[0].flags.c_contiguous and fast[1].flags.c_contiguous


def test_a_3d_array_fits_as_the_list_of_its_sequences():
    """The 3-D fast paths (one validation of the whole array, stacked
    batches) train the network a list of the same sequences trains."""
    rng = np.random.RandomState(1)
    X = rng.randn(10, 15, 2)
    y = np.cumsum(X[:, :, 0], axis=1) * 0.1
    kw = dict(hidden_size=5, max_iter=2, batch_size=4, washout=2, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        a = LSTMRegressor(**kw).fit(X, y)
        b = LSTMRegressor(**kw).fit(list(X), list(y))
    for k, v in a.to_torch_state_dict().items():
        np.testing.assert_array_equal(v, b.to_torch_state_dict()[k])
    assert a.loss_curve_ == b.loss_curve_
