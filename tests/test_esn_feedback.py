"""Output feedback (W_back): teacher forcing, free runs, carried states."""

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.linear_model import Ridge
from sklearn.metrics import r2_score

from reservoir import ESNRegressor, metrics
from reservoir import esn as esn_module


def mso(n, freqs=(0.2, 0.311)):
    t = np.arange(n)
    return sum(np.sin(f * t) for f in freqs)


def naive_run(esn, U, teacher, n_free_from=None, x0=None, fb0=None):
    """The whole feedback ESN in numpy, one step at a time: ``teacher[t-1]``
    is fed back while t - 1 < len(teacher), the own output after."""
    res = esn.reservoir_
    n, L, a = res.n_reservoir, res.num_layers, res.leak_rate
    o = esn.n_outputs_
    d = esn.n_features_in_ if esn.include_input else 0
    xs = [np.zeros(n) for _ in range(L)] if x0 is None else \
        [x0[i * n:(i + 1) * n].copy() for i in range(L)]
    fb = np.zeros(o) if fb0 is None else fb0.copy()
    teacher = np.asarray(teacher, dtype=float).reshape(len(teacher), o)
    ys, states = [], []
    for t, u in enumerate(np.asarray(U, dtype=float)):
        if t > 0:
            fb = teacher[t - 1] if t - 1 < len(teacher) else ys[-1]
        for lay in range(L):
            W = res.W_layers_[lay].toarray()
            if lay == 0:
                z = res.W_in_ @ u + res.W_back_ @ fb
            else:
                z = res.W_in_layers_[lay].toarray() @ xs[lay - 1]
            xs[lay] = (1 - a) * xs[lay] + a * np.tanh(z + res.bias_layers_[lay] + W @ xs[lay])
        x = np.concatenate(xs)
        states.append(x)
        ys.append(esn.coef_[:, d:] @ x + esn.coef_[:, :d] @ u[:d] + esn.intercept_)
    return np.array(ys), np.array(states)


def _fitted(n=400, **kw):
    X = np.column_stack([np.ones(n), 0.3 * np.sin(0.05 * np.arange(n))])
    y = mso(n)
    params = dict(n_reservoir=40, feedback_scaling=0.5, washout=30, alpha=1e-6,
                  leak_rate=0.5, input_scaling=0.3, random_state=0)
    params.update(kw)
    return ESNRegressor(**params).fit(X, y), X, y


@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("include_input", [True, False])
def test_fit_teacher_forces_and_equals_ridge_on_naive_states(num_layers, include_input):
    esn, X, y = _fitted(num_layers=num_layers, include_input=include_input)
    _, states = naive_run(esn, X, y)                  # every step teacher-forced
    feats = np.hstack([X, states]) if include_input else states
    ref = Ridge(alpha=1e-6).fit(feats[30:], y[30:])
    np.testing.assert_allclose(esn.coef_[0], ref.coef_, rtol=1e-5, atol=1e-7)
    assert esn.reservoir_.W_back_.shape == (40, 1)
    assert np.abs(esn.reservoir_.W_back_).max() <= 0.5
    # predict with the whole truth as warm-up is the teacher-forced readout
    np.testing.assert_allclose(esn.predict(X, y_warmup=y), ref.predict(feats),
                               atol=1e-8)


def test_predict_runs_free_after_the_warm_up():
    esn, X, y = _fitted(num_layers=2)
    for k in (0, 1, 150, 400):
        pred = esn.predict(X, y_warmup=y[:k])
        ref, _ = naive_run(esn, X, y[:k])
        np.testing.assert_allclose(pred, ref[:, 0], rtol=1e-10, atol=1e-10)
    np.testing.assert_array_equal(esn.predict(X), esn.predict(X, y_warmup=y[:0]))


def test_the_state_carries_the_last_output(monkeypatch):
    esn, X, y = _fitted()
    whole, end = esn.predict(X, y_warmup=y[:200], return_state=True)
    assert end.shape == (41,)
    for cut in (100, 200, 201, 300):          # inside, at the end of, after the warm-up
        first, mid = esn.predict(X[:cut], y_warmup=y[:min(cut, 200)], return_state=True)
        second = esn.predict(X[cut:], y_warmup=y[cut:200], initial_state=mid)
        np.testing.assert_allclose(np.concatenate([first, second]), whole,
                                   rtol=1e-12, atol=1e-12)
    ref, states = naive_run(esn, X, y[:200])
    np.testing.assert_allclose(end[:40], states[-1], atol=1e-12)
    np.testing.assert_allclose(end[40:], ref[-1], atol=1e-12)
    # chunked free runs carry the same state across chunk boundaries
    monkeypatch.setattr(esn_module, "CHUNK_FLOATS", 256 * 40)
    np.testing.assert_allclose(esn.predict(X, y_warmup=y[:200]), whole, atol=1e-12)


def test_last_state_continues_after_fit():
    esn, X, y = _fitted()
    whole = esn.predict(np.vstack([X, X[:50]]), y_warmup=y)
    np.testing.assert_allclose(esn.predict(X[:50], initial_state=esn.last_state_),
                               whole[400:], rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(esn.last_state_[40:], y[-1:])


def test_many_sequences_each_start_from_zero_output():
    X = np.ones((3, 150, 1))
    Y = np.stack([mso(150) * s for s in (1.0, 0.5, -0.7)])
    esn = ESNRegressor(n_reservoir=30, feedback_scaling=0.4, washout=10,
                       random_state=1, n_jobs=2).fit(X, Y)
    feats = np.vstack([np.hstack([Xi, naive_run(esn, Xi, yi)[1]])[10:]
                       for Xi, yi in zip(X, Y)])
    ref = Ridge(alpha=1e-6).fit(feats, np.concatenate([yi[10:] for yi in Y]))
    np.testing.assert_allclose(esn.coef_[0], ref.coef_, rtol=1e-5, atol=1e-7)
    pred = esn.predict(list(X), y_warmup=[Y[0][:50], Y[1][:0], Y[2]])
    for p, Xi, yi, k in zip(pred, X, Y, (50, 0, 150)):
        np.testing.assert_allclose(p, naive_run(esn, Xi, yi[:k])[0][:, 0], atol=1e-10)
    np.testing.assert_allclose(esn.predict(X, y_warmup=Y[:, :20])[1],
                               naive_run(esn, X[1], Y[1][:20])[0][:, 0], atol=1e-10)


def test_partial_fit_continues_state_and_output():
    X = np.ones((500, 1))
    y = mso(500)
    kw = dict(n_reservoir=30, feedback_scaling=0.5, washout=20, random_state=2)
    one = ESNRegressor(**kw).fit(X, y)
    two = ESNRegressor(**kw).partial_fit(X[:260], y[:260])
    two.partial_fit(X[260:], y[260:], continue_state=True)
    np.testing.assert_allclose(two.coef_, one.coef_, rtol=1e-7, atol=1e-9)


def test_generate_with_feedback_is_the_teacher_forced_closed_loop():
    u = mso(700)[:, None] / 2
    esn = ESNRegressor(n_reservoir=60, feedback_scaling=0.3, washout=50, alpha=1e-8,
                       random_state=0).fit(u[:-1], u[1:])
    gen = esn.generate(40, X_warmup=u[:400])
    fed = np.vstack([u[:400], gen[:-1]])
    # the generated values, fed back as inputs and as the teacher, come back
    np.testing.assert_allclose(esn.predict(fed, y_warmup=fed[1:])[399:], gen,
                               rtol=1e-10, atol=1e-11)
    assert np.abs(gen[:5] - u[400:405]).max() < 0.02
    # the state before row 399 carries the true u[399] as the value fed back
    _, state = esn.predict(u[:399], y_warmup=u[1:400], return_state=True)
    np.testing.assert_allclose(esn.generate(9, X_warmup=u[399:400], initial_state=state),
                               esn.generate(9, X_warmup=u[:400]), atol=1e-11)


def test_mso2_free_run_is_accurate():
    """Jaeger's multiple superimposed oscillators: 300 free steps after a
    teacher-forced warm-up, from a constant input."""
    y = mso(1300)
    X = np.ones((1300, 1))
    # The median over five reservoirs: at N=100 about one reservoir in four
    # lets the free run drift away (seeds 0-7 gave NRMSE 5e-4 to 2e-3 for
    # most, 0.02-2 for two).
    scores = []
    for seed in range(5):
        esn = ESNRegressor(n_reservoir=100, spectral_radius=0.95, leak_rate=0.3,
                           feedback_scaling=0.5, input_scaling=0.1, washout=100,
                           alpha=1e-8, random_state=seed).fit(X[:1000], y[:1000])
        free = esn.predict(X, y_warmup=y[:1000])[1000:]
        scores.append(metrics.nrmse(y[1000:], free))
    assert np.median(scores) < 1e-2


def test_teacher_noise_is_deterministic_and_measured():
    X = np.ones((400, 1))
    y = mso(400)
    kw = dict(n_reservoir=30, feedback_scaling=0.5, washout=20, random_state=4)
    clean = ESNRegressor(**kw).fit(X, y)
    a = ESNRegressor(**kw, teacher_noise=1e-2).fit(X, y)
    b = ESNRegressor(**kw, teacher_noise=1e-2).fit(X, y)
    np.testing.assert_array_equal(a.coef_, b.coef_)
    np.testing.assert_array_equal(a.reservoir_.W_back_, clean.reservoir_.W_back_)
    assert not np.allclose(a.coef_, clean.coef_)
    # Gaussian noise of that std on the fed-back teacher, drawn from a
    # generator seeded by random_state after the reservoir's matrices
    from reservoir import Reservoir
    rng = Reservoir(n_reservoir=30, random_state=4)._init_matrices(
        1, n_feedback=1, feedback_scaling=0.5)
    noise = np.random.RandomState(rng.randint(np.iinfo(np.int32).max)).normal(
        0.0, 1e-2, size=(400, 1))
    _, states = naive_run(a, X, y[:-1, None] + noise[1:], fb0=noise[0])
    ref = Ridge(alpha=1e-6).fit(np.hstack([X, states])[20:], y[20:])
    np.testing.assert_allclose(a.coef_[0], ref.coef_, rtol=1e-5, atol=1e-7)


def test_score_teacher_forces_the_washout():
    esn, X, y = _fitted()
    expected = r2_score(y[30:], esn.predict(X, y_warmup=y[:30])[30:])
    assert esn.score(X, y) == pytest.approx(expected)


def test_clone_pickle_and_same_bits():
    esn, X, y = _fitted(num_layers=2, teacher_noise=1e-3)
    twin = clone(esn).fit(X, y)
    np.testing.assert_array_equal(twin.predict(X, y_warmup=y[:100]),
                                  esn.predict(X, y_warmup=y[:100]))
    back = pickle.loads(pickle.dumps(esn))
    np.testing.assert_array_equal(back.predict(X, y_warmup=y[:100]),
                                  esn.predict(X, y_warmup=y[:100]))


def test_clear_errors():
    X, y = np.ones((100, 1)), mso(100)
    plain = ESNRegressor(n_reservoir=10, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="y_warmup is fed back through W_back"):
        plain.predict(X, y_warmup=y[:10])
    esn = ESNRegressor(n_reservoir=10, feedback_scaling=0.5, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match=r"y_warmup has 120 rows but X has only 100"):
        esn.predict(X, y_warmup=np.zeros(120))
    with pytest.raises(ValueError, match=r"y_warmup must have shape \(n_warmup, 1\)"):
        esn.predict(X, y_warmup=np.zeros((10, 2)))
    with pytest.raises(ValueError, match="y_warmup contains NaN"):
        esn.predict(X, y_warmup=np.full(10, np.nan))
    with pytest.raises(ValueError, match=r"initial_state must be a finite array of shape \(11,\)"):
        esn.predict(X, initial_state=np.zeros(10))
    with pytest.raises(ValueError, match="must be a list of the same length"):
        esn.predict([X, X], y_warmup=y[:10])
    with pytest.raises(ValueError, match="feedback_scaling=-0.5"):
        ESNRegressor(feedback_scaling=-0.5).fit(X, y)
    with pytest.raises(ValueError, match="teacher_noise=-1"):
        ESNRegressor(feedback_scaling=0.5, teacher_noise=-1).fit(X, y)
    with pytest.raises(ValueError, match="turns feedback off"):
        esn.set_params(feedback_scaling=0.0).partial_fit(X, y)


def test_save_and_load_every_new_model(tmp_path):
    """The project's own format (no code runs on load) keeps feedback with its
    noise generator, deep and bidirectional reservoirs, RLS and NVAR."""
    from reservoir import NVARRegressor, load, save
    esn, X, y = _fitted(num_layers=2, teacher_noise=1e-3)
    models = {
        "feedback": esn,
        "bidirectional": ESNRegressor(n_reservoir=12, num_layers=2, bidirectional=True,
                                      random_state=0).fit(X, y),
        "rls": ESNRegressor(n_reservoir=12, solver="rls", forgetting_factor=0.99,
                            random_state=0).fit(X, y),
        "nvar": NVARRegressor(delay=2, order=2).fit(X, y),
    }
    for name, model in models.items():
        path = tmp_path / f"{name}.model"
        save(model, path)
        back = load(path)
        kw = {"y_warmup": y[:100]} if name == "feedback" else {}
        np.testing.assert_array_equal(back.predict(X, **kw), model.predict(X, **kw))
        # and it keeps learning the same way
        model.partial_fit(X[:60], y[:60])
        back.partial_fit(X[:60], y[:60])
        np.testing.assert_array_equal(back.coef_, model.coef_)
