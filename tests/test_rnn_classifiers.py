"""Gradient-trained classifiers: pooled gradients, padding, PyTorch's h_n,
the cross-entropy, the task from the structure of y, early stopping."""

import pickle
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning

import reservoir._sequences
from reservoir import (CWRNNClassifier, GRUClassifier, LSTMClassifier,
                       SimpleRNNClassifier)
from reservoir.rnn import _network

ALL = [SimpleRNNClassifier, GRUClassifier, LSTMClassifier, CWRNNClassifier]
CELL = {SimpleRNNClassifier: "elman", GRUClassifier: "gru", LSTMClassifier: "lstm",
        CWRNNClassifier: "cwrnn"}


def _params(cell, layers, bidirectional, n_in=2, hidden=6, n_out=3, seed=0):
    periods, mask = None, None
    if cell == "cwrnn":
        periods, mask = CWRNNClassifier(hidden_size=hidden, periods=(1, 2, 3))._cell_options()
    p = _network.init_params(cell, n_in, hidden, layers, bidirectional, n_out,
                             np.random.RandomState(seed), np.float64, mask)
    return p, periods, mask


@pytest.mark.parametrize("cell", ["elman", "gru", "lstm", "cwrnn"])
@pytest.mark.parametrize("pool", ["last", "mean"])
@pytest.mark.parametrize("layers,bidirectional", [(1, False), (2, True)])
def test_pooled_gradients_match_finite_differences(cell, pool, layers, bidirectional):
    rng = np.random.RandomState(1)
    params, periods, mask = _params(cell, layers, bidirectional)
    T, B = 7, 3
    lengths = np.array([7, 4, 6])
    X = rng.randn(T, B, 2)
    for b, L in enumerate(lengths):
        X[L:, b] = 0
    R = rng.randn(B, 3)
    args = dict(cell=cell, num_layers=layers, bidirectional=bidirectional,
                periods=periods, pool=pool, pool_start=2)

    def loss(p):
        Y, _ = _network.forward(p, X, lengths, keep=False, **args)
        return float((Y * R).sum())

    Y, tape = _network.forward(params, X, lengths, **args)
    assert Y.shape == (B, 3)
    grads = _network.backward(params, R, tape, lengths, **args)
    eps = 1e-6
    for name, value in params.items():
        flat = value.ravel()
        for j in rng.choice(flat.size, size=min(6, flat.size), replace=False):
            if name.startswith("weight_hh") and mask is not None and mask.ravel()[j] == 0:
                continue
            old = flat[j]
            flat[j] = old + eps
            up = loss(params)
            flat[j] = old - eps
            down = loss(params)
            flat[j] = old
            assert grads[name].ravel()[j] == pytest.approx(
                (up - down) / (2 * eps), rel=1e-5, abs=1e-7), name


@pytest.mark.parametrize("pool", ["last", "mean"])
def test_padding_never_enters_the_summary(pool):
    """A sequence padded (with garbage) in a batch has the summary it has alone."""
    rng = np.random.RandomState(2)
    params, _, _ = _params("gru", 2, True)
    x = rng.randn(5, 1, 2)
    args = dict(cell="gru", num_layers=2, bidirectional=True, keep=False, pool=pool,
                pool_start=1)
    alone, _ = _network.forward(params, x, np.array([5]), **args)
    X = np.zeros((9, 2, 2))
    X[:5, 0] = x[:, 0]
    X[5:, 0] = 123.0
    X[:, 1] = rng.randn(9, 2)
    both, _ = _network.forward(params, X, np.array([5, 9]), **args)
    np.testing.assert_allclose(both[0], alone[0], rtol=1e-12, atol=1e-13)


def test_last_pooling_is_torch_h_n_of_packed_sequences():
    """Bidirectional "last": the forward direction after the last valid step
    and the reverse direction after step 0, as torch's h_n for packed
    variable-length sequences."""
    torch = pytest.importorskip("torch")
    rng = np.random.RandomState(3)
    params, _, _ = _params("gru", 1, True, n_in=3, hidden=4, n_out=2)
    lengths = np.array([6, 3, 5])
    X = rng.randn(6, 3, 3)
    for b, L in enumerate(lengths):
        X[L:, b] = 0
    feats = []
    orig = _network.pool_states

    def spy(top, *a, **k):
        out = orig(top, *a, **k)
        feats.append(out)
        return out

    try:
        _network.pool_states = spy
        _network.forward(params, X, lengths, "gru", 1, True, keep=False, pool="last")
    finally:
        _network.pool_states = orig
    gru = torch.nn.GRU(3, 4, bidirectional=True).double()
    with torch.no_grad():
        for name, p in gru.named_parameters():
            p.copy_(torch.from_numpy(params[name]))
    packed = torch.nn.utils.rnn.pack_padded_sequence(
        torch.from_numpy(X), torch.from_numpy(lengths), enforce_sorted=False)
    _, h_n = gru(packed)                               # (2, B, H): forward, reverse
    ref = torch.cat([h_n[0], h_n[1]], dim=1).detach().numpy()
    np.testing.assert_allclose(feats[0], ref, rtol=1e-10, atol=1e-12)


def test_cross_entropy_and_its_gradient():
    rng = np.random.RandomState(4)
    clf = GRUClassifier()
    out = rng.randn(5, 3)
    Y = np.eye(3)[rng.randint(0, 3, 5)]
    mask = np.ones((5, 1))
    mask[2] = 0
    loss, d = clf._loss(out, Y, mask)
    p = np.exp(out) / np.exp(out).sum(1, keepdims=True)
    keep = mask[:, 0] == 1
    assert loss == pytest.approx(-np.log(p[keep][Y[keep] == 1]).mean(), rel=1e-12)
    eps = 1e-6
    for i, j in [(0, 0), (1, 2), (2, 1), (4, 0)]:
        up, down = out.copy(), out.copy()
        up[i, j] += eps
        down[i, j] -= eps
        num = (clf._loss(up, Y, mask)[0] - clf._loss(down, Y, mask)[0]) / (2 * eps)
        assert d[i, j] == pytest.approx(num, abs=1e-8)


def _mean_sign_task(n, seed):
    """One label per sequence: whether the sequence drifts up or down."""
    rng = np.random.RandomState(seed)
    X, y = [], []
    for i in range(n):
        T = rng.randint(6, 15)
        up = i % 2 == 0
        X.append(np.cumsum(rng.randn(T, 1) * 0.3 + (0.4 if up else -0.4), axis=0)
                 + rng.randn(1, 1))
        y.append("up" if up else "down")
    return X, np.array(y)


@pytest.mark.parametrize("Est", ALL)
@pytest.mark.parametrize("pooling,bidirectional", [("last", False), ("mean", True)])
def test_learns_whole_sequence_labels(Est, pooling, bidirectional):
    X, y = _mean_sign_task(60, 0)
    Xt, yt = _mean_sign_task(40, 1)
    clf = Est(hidden_size=8, pooling=pooling, bidirectional=bidirectional, max_iter=40,
              learning_rate_init=0.05, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    assert clf.classes_.tolist() == ["down", "up"]
    assert clf.loss_curve_[-1] < 0.5 * clf.loss_curve_[0]
    assert clf.score(Xt, yt) >= 0.9
    proba = clf.predict_proba(Xt)
    assert proba.shape == (40, 2)
    np.testing.assert_allclose(proba.sum(1), 1.0, rtol=1e-6)
    np.testing.assert_array_equal(clf.classes_[proba.argmax(1)], clf.predict(Xt))


@pytest.mark.parametrize("Est", [SimpleRNNClassifier, GRUClassifier])
def test_learns_per_step_labels_and_keeps_lengths(Est):
    """One label per step: whether the input two steps back was positive."""
    rng = np.random.RandomState(5)
    X = [rng.randn(rng.randint(15, 30), 1) for _ in range(30)]
    Y = [np.r_[[0, 0], (x[:-2, 0] > 0).astype(int)] for x in X]
    clf = Est(hidden_size=12, max_iter=60, learning_rate_init=0.03, washout=2,
              random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, Y)
    Xt = [rng.randn(20, 1) for _ in range(10)]
    Yt = [np.r_[[0, 0], (x[:-2, 0] > 0).astype(int)] for x in Xt]
    pred = clf.predict(Xt)
    assert isinstance(pred, list) and all(p.shape == (20,) for p in pred)
    assert clf.score(Xt, Yt) > 0.9
    proba = clf.predict_proba(Xt)
    assert proba[0].shape == (20, 2)
    # a 3-D X with (n_sequences, n_timesteps) labels gives the same shape back
    X3, Y3 = np.stack(Xt), np.stack(Yt)
    assert clf.predict(X3).shape == (10, 20)
    assert clf.score(X3, Y3) == clf.score(Xt, Yt)


@pytest.mark.parametrize("scoring", ["accuracy", "neg_log_loss"])
def test_early_stopping_on_a_validation_score(scoring):
    X, y = _mean_sign_task(80, 0)
    clf = LSTMClassifier(hidden_size=6, max_iter=200, early_stopping=True,
                         scoring=scoring, validation_fraction=0.25, n_iter_no_change=5,
                         tol=1e-2, learning_rate_init=0.05, random_state=0).fit(X, y)
    assert clf.n_iter_ < 200
    assert len(clf.validation_scores_) == clf.n_iter_
    assert clf.best_validation_score_ == max(clf.validation_scores_)
    if scoring == "accuracy":
        assert 0.5 <= clf.best_validation_score_ <= 1.0
    else:
        assert clf.best_validation_score_ < 0


def test_validation_split_is_stratified_over_sequences():
    X, y = _mean_sign_task(40, 0)
    clf = GRUClassifier(validation_fraction=0.25, random_state=0)
    clf._learn_classes(reservoir._sequences.check_labels(y, reservoir._sequences.check_X(X)))
    Y = [np.eye(2)[[int(c == "up")]] for c in y]
    _, Ytr, _, Yval = clf._split_validation(X, Y, np.random.RandomState(0))
    assert len(Yval) == 10 and len(Ytr) == 30
    assert sum(int(v[0, 1]) for v in Yval) == 5            # 5 of each class


def test_bad_parameters_and_targets():
    X, y = _mean_sign_task(10, 0)
    for params, exc, match in [
            ({"pooling": "max"}, ValueError, "pooling='max'"),
            ({"scoring": "f1"}, ValueError, "scoring='f1'"),
            ({"bptt_window": 5}, ValueError, "bptt_window=5 cuts sequences"),
            ({"n_iter_no_change": 0}, ValueError, "n_iter_no_change=0"),
            ({"n_iter_no_change": "never"}, TypeError, "n_iter_no_change='never'")]:
        with pytest.raises(exc, match=match):
            GRUClassifier(**params).fit(X, y)
    with pytest.raises(ValueError, match="Unknown label type"):
        GRUClassifier().fit(X, np.linspace(0, 1, 10))
    with pytest.raises(ValueError, match="only 1 class"):
        GRUClassifier().fit(X, np.ones(10))


def test_warm_start_keeps_the_classes():
    X, y = _mean_sign_task(20, 0)
    clf = GRUClassifier(hidden_size=4, max_iter=2, warm_start=True, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
        clf.fit(X, y)
    assert len(clf.loss_curve_) == 4
    with pytest.raises(ValueError, match="labels not seen in fit"):
        clf.fit(X, np.where(y == "up", "up", "sideways"))


@pytest.mark.parametrize("Est", ALL)
def test_clone_pickle_and_same_bits(Est):
    X, y = _mean_sign_task(20, 0)
    kw = dict(hidden_size=4, max_iter=3, bidirectional=True, random_state=7)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        a = Est(**kw).fit(X, y)
        b = clone(a).fit(X, y)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    c = pickle.loads(pickle.dumps(a))
    np.testing.assert_array_equal(c.predict_proba(X), a.predict_proba(X))
    assert a.n_parameters_ == sum(v.size for v in a._params.values()) - (
        0 if a._mask is None else int((a._mask == 0).sum()) * 2)


def test_grid_search_over_sequences():
    from sklearn.model_selection import GridSearchCV, StratifiedKFold
    from sklearn.pipeline import make_pipeline

    from reservoir import SequenceScaler

    X, y = _mean_sign_task(24, 0)
    search = GridSearchCV(
        make_pipeline(SequenceScaler(), GRUClassifier(max_iter=3, random_state=0)),
        {"gruclassifier__hidden_size": [4, 8], "gruclassifier__pooling": ["last", "mean"]},
        cv=StratifiedKFold(2, shuffle=True, random_state=0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X, y)
    assert len(search.cv_results_["params"]) == 4
    assert search.predict(X).shape == (24,)
