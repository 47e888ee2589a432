"""Deep (DeepESN) and bidirectional reservoirs against naive numpy loops."""

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.linear_model import Ridge

from reservoir import ESNRegressor, Reservoir
from reservoir import esn as esn_module


def _series(n, seed=0, d=2):
    rng = np.random.RandomState(seed)
    return np.cumsum(rng.randn(n, d), axis=0) * 0.1


def naive_stack(res, U, direction=0):
    """Reference: every layer and step in plain numpy, one direction, in the
    order of ``U``; returns (T, L * N) with layer l in columns l*N:(l+1)*N."""
    n, n_dirs, a = res.n_reservoir, 2 if res.bidirectional else 1, res.leak_rate
    f = (lambda z: z) if res.activation == "identity" else np.tanh
    xs = [np.zeros(n) for _ in range(res.num_layers)]
    out = []
    for u in np.asarray(U, dtype=float):
        for lay in range(res.num_layers):
            unit = lay * n_dirs + direction
            W = res.W_layers_[unit].toarray()
            V = res.W_in_layers_[unit]
            V = V if lay == 0 else V.toarray()
            below = u if lay == 0 else xs[lay - 1]
            xs[lay] = (1 - a) * xs[lay] + a * f(V @ below + res.bias_layers_[unit]
                                                + W @ xs[lay])
        out.append(np.concatenate(xs))
    return np.array(out)


def naive_features(res, U):
    """Forward and reverse stacks, in the transform's column order."""
    n, L = res.n_reservoir, res.num_layers
    fwd = naive_stack(res, U, 0)
    if not res.bidirectional:
        return fwd
    bwd = naive_stack(res, np.asarray(U)[::-1], 1)[::-1]
    return np.hstack([blk for lay in range(L)
                      for blk in (fwd[:, lay * n:(lay + 1) * n],
                                  bwd[:, lay * n:(lay + 1) * n])])


@pytest.mark.parametrize("num_layers,bidirectional,activation,leak", [
    (3, False, "tanh", 0.7), (2, True, "tanh", 1.0), (1, True, "identity", 0.5),
    (2, False, "identity", 1.0)])
def test_transform_matches_naive(num_layers, bidirectional, activation, leak):
    X = _series(150)
    res = Reservoir(n_reservoir=24, num_layers=num_layers, bidirectional=bidirectional,
                    activation=activation, leak_rate=leak, spectral_radius=0.8,
                    input_scaling=0.5, random_state=0).fit(X)
    out = res.transform(X)
    assert out.shape == (150, 24 * num_layers * (2 if bidirectional else 1))
    np.testing.assert_allclose(out, naive_features(res, X), rtol=1e-12, atol=1e-13)


def test_many_sequences_use_the_many_sequence_kernel(monkeypatch):
    """Forty sequences of different lengths go through harvest_many for every
    layer and direction (one call per layer per block), each sequence reversed
    within its own length, and equal the naive loop run on each alone."""
    rng = np.random.RandomState(1)
    seqs = [_series(int(L), seed=i) for i, L in enumerate(rng.randint(1, 30, 40))]
    res = Reservoir(n_reservoir=16, num_layers=2, bidirectional=True,
                    random_state=3).fit(seqs)
    calls = []
    real = esn_module._kernels.harvest_many

    def spy(packed, drive, offsets, *args):
        calls.append(len(offsets) - 1)
        return real(packed, drive, offsets, *args)

    monkeypatch.setattr(esn_module._kernels, "harvest_many", spy)
    out = res.transform(seqs)
    assert calls == [40] * 4
    for o, s in zip(out, seqs):
        np.testing.assert_allclose(o, naive_features(res, s), rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("bidirectional", [False, True])
def test_long_sequences_stream_in_chunks(monkeypatch, bidirectional):
    """A sequence longer than a chunk: the forward state carries across chunk
    boundaries; the reverse pass starts from the boundary state recorded by
    its first pass from the end. No block is larger than a chunk."""
    X = _series(700)
    kw = dict(n_reservoir=12, num_layers=2, bidirectional=bidirectional, random_state=0)
    res = Reservoir(**kw).fit(X)
    ref = naive_features(res, X)
    width = 12 * 2 * (2 if bidirectional else 1)
    monkeypatch.setattr(esn_module, "CHUNK_FLOATS", 256 * width)
    seen = []
    real = esn_module._kernels.harvest

    def spy(packed, drive, *args):
        seen.append(drive.shape[0])
        return real(packed, drive, *args)

    monkeypatch.setattr(esn_module._kernels, "harvest", spy)
    np.testing.assert_allclose(res.transform(X), ref, rtol=1e-12, atol=1e-13)
    assert max(seen) == 256
    # three chunks x two layers, forward; the reverse pass twice over
    assert len(seen) == (6 if not bidirectional else 18)
    y = np.sin(X[:, 0] * 3)
    whole = ESNRegressor(**kw, washout=20, alpha=1e-4).fit(X, y)
    monkeypatch.undo()
    np.testing.assert_allclose(
        whole.coef_, ESNRegressor(**kw, washout=20, alpha=1e-4).fit(X, y).coef_,
        rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("bidirectional", [False, True])
def test_readout_sees_every_layer(bidirectional):
    X = _series(300)
    y = np.column_stack([np.sin(4 * X[:, 0]), X[:, 1] ** 2])
    esn = ESNRegressor(n_reservoir=20, num_layers=3, bidirectional=bidirectional,
                       washout=25, alpha=1e-3, random_state=0).fit(X, y)
    feats = np.hstack([X, naive_features(esn.reservoir_, X)])[25:]
    ref = Ridge(alpha=1e-3).fit(feats, y[25:])
    np.testing.assert_allclose(esn.coef_, ref.coef_, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(esn.predict(X)[25:], ref.predict(feats), atol=1e-8)
    assert esn.coef_.shape == (2, 2 + 20 * 3 * (2 if bidirectional else 1))


def test_feature_names_name_every_layer_and_direction():
    X = pd.DataFrame(_series(40), columns=["a", "b"])
    res = Reservoir(n_reservoir=3, num_layers=2, bidirectional=True,
                    random_state=0).set_output(transform="pandas")
    out = res.fit_transform(X)
    assert list(out.columns) == [
        "layer0_reservoir0", "layer0_reservoir1", "layer0_reservoir2",
        "layer0_reservoir0_reverse", "layer0_reservoir1_reverse",
        "layer0_reservoir2_reverse",
        "layer1_reservoir0", "layer1_reservoir1", "layer1_reservoir2",
        "layer1_reservoir0_reverse", "layer1_reservoir1_reverse",
        "layer1_reservoir2_reverse"]
    assert list(Reservoir(n_reservoir=2, num_layers=2, random_state=0).fit(X)
                .get_feature_names_out()) == ["layer0_reservoir0", "layer0_reservoir1",
                                              "layer1_reservoir0", "layer1_reservoir1"]
    assert list(Reservoir(n_reservoir=2, bidirectional=True, random_state=0).fit(X)
                .get_feature_names_out()) == ["reservoir0", "reservoir1",
                                              "reservoir0_reverse", "reservoir1_reverse"]


def test_first_layer_is_the_shallow_reservoir_and_inter_scaling():
    X = _series(80)
    shallow = Reservoir(n_reservoir=10, random_state=5).fit(X)
    deep = Reservoir(n_reservoir=10, num_layers=3, bidirectional=True,
                     random_state=5).fit(X)
    np.testing.assert_array_equal(deep.W_.toarray(), shallow.W_.toarray())
    np.testing.assert_array_equal(deep.W_in_, shallow.W_in_)
    np.testing.assert_array_equal(deep.transform(X)[:, :10], shallow.transform(X))
    assert len(deep.W_layers_) == 6
    for V in deep.W_in_layers_[2:]:
        assert V.shape == (10, 10) and V.nnz == 10    # density 0.1: one input each
        assert np.abs(V.data).max() <= 1.0            # inter_scaling = input_scaling
    scaled = Reservoir(n_reservoir=10, num_layers=2, inter_scaling=0.25,
                       random_state=5).fit(X)
    assert np.abs(scaled.W_in_layers_[1].data).max() <= 0.25
    np.testing.assert_allclose(scaled.W_in_layers_[1].toarray() * 4,
                               Reservoir(n_reservoir=10, num_layers=2, random_state=5)
                               .fit(X).W_in_layers_[1].toarray(), rtol=1e-15)


def test_deep_generate_is_the_closed_loop_of_predict():
    u = (np.sin(np.arange(600) * 0.2) + 0.3 * np.sin(np.arange(600) * 0.311))[:, None]
    esn = ESNRegressor(n_reservoir=40, num_layers=3, washout=50, alpha=1e-8,
                       random_state=0).fit(u[:-1], u[1:])
    gen = esn.generate(30, X_warmup=u[:400])
    fed = np.vstack([u[:400], gen[:-1]])
    np.testing.assert_allclose(esn.predict(fed)[399:], gen, rtol=1e-10, atol=1e-12)
    assert np.abs(gen[:5] - u[400:405]).max() < 2e-2
    _, state = esn.predict(u[:399], return_state=True)
    assert state.shape == (120,)
    np.testing.assert_allclose(esn.generate(9, X_warmup=u[399:400], initial_state=state),
                               esn.generate(9, X_warmup=u[:400]), atol=1e-12)
    np.testing.assert_allclose(esn.generate(5), esn.generate(5, X_warmup=u[:-1]),
                               atol=1e-10)


def test_bidirectional_refuses_what_needs_causality():
    X = _series(100)
    y = X[:, 0]
    esn = ESNRegressor(n_reservoir=10, bidirectional=True, random_state=0).fit(X[:, :1], y)
    with pytest.raises(ValueError, match="bidirectional reservoir reads the future"):
        esn.generate(5)
    with pytest.raises(ValueError, match="reverse pass starts at each sequence's end"):
        esn.predict(X[:, :1], return_state=True)
    with pytest.raises(ValueError, match="reverse pass starts at each sequence's end"):
        esn.partial_fit(X[:, :1], y, continue_state=True)
    with pytest.raises(AttributeError, match="no state to carry"):
        esn.last_state_
    with pytest.raises(ValueError, match="bidirectional=True reads the future"):
        ESNRegressor(n_reservoir=10, bidirectional=True, feedback_scaling=0.5).fit(X, y)


def test_bidirectional_sees_the_future():
    """A per-step label that depends on the next input is learnt only by the
    bidirectional readout."""
    rng = np.random.RandomState(0)
    X = rng.randn(1500, 1)
    y = np.roll(X[:, 0], -3)          # the input three steps ahead
    kw = dict(n_reservoir=60, washout=20, alpha=1e-6, random_state=0)
    causal = ESNRegressor(**kw).fit(X[:1000], y[:1000])
    both = ESNRegressor(**kw, bidirectional=True).fit(X[:1000], y[:1000])
    test = slice(1020, 1490)
    assert causal.score(X[1000:][:490], y[1000:][:490]) < 0.2
    assert both.predict(X)[test].shape == (470,)
    assert both.score(X[1000:1490], y[1000:1490]) > 0.8


def test_clone_pickle_determinism():
    X, y = _series(200), np.sin(np.arange(200) / 4)
    kw = dict(n_reservoir=15, num_layers=2, bidirectional=True, random_state=11)
    a = ESNRegressor(**kw).fit(X, y)
    b = clone(a).fit(X, y)
    assert np.array_equal(a.predict(X), b.predict(X))
    c = pickle.loads(pickle.dumps(a))
    assert np.array_equal(c.predict(X), a.predict(X))


@pytest.mark.parametrize("params,exc,match", [
    ({"num_layers": 0}, ValueError, "num_layers=0 must be in"),
    ({"num_layers": 1.5}, TypeError, "num_layers=1.5 must be an integer"),
    ({"bidirectional": "yes"}, TypeError, "bidirectional='yes' must be True or False"),
    ({"inter_scaling": -0.1, "num_layers": 2}, ValueError, "inter_scaling=-0.1"),
    ({"num_layers": 2, "input_scaling": [1.0, 0.5]}, ValueError,
     "pass inter_scaling"),
])
def test_bad_parameters(params, exc, match):
    with pytest.raises(exc, match=match):
        Reservoir(n_reservoir=5, **params).fit(_series(20))
    with pytest.raises(exc, match=match):
        ESNRegressor(n_reservoir=5, **params).fit(_series(20), np.zeros(20))


def test_one_thread_and_two_give_the_same_bits():
    rng = np.random.RandomState(4)
    seqs = [_series(int(L), seed=i) for i, L in enumerate(rng.randint(5, 40, 70))]
    kw = dict(n_reservoir=16, num_layers=2, bidirectional=True, random_state=2)
    one = Reservoir(**kw, n_jobs=1).fit(seqs).transform(seqs)
    two = Reservoir(**kw, n_jobs=2).fit(seqs).transform(seqs)
    for a, b in zip(one, two):
        np.testing.assert_array_equal(a, b)
