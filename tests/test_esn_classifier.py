"""ESNClassifier against references built from the public Reservoir and
scikit-learn's linear classifiers; the task from the structure of y;
pipelines with SequenceScaler under a stratified search over sequences."""

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression, RidgeClassifier
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from reservoir import ESNClassifier, Reservoir, SequenceScaler


def _sequences(n=40, n_features=2, seed=0, n_classes=3):
    """Sequences of varying length whose class sets a frequency and an offset."""
    rng = np.random.RandomState(seed)
    X, y = [], []
    for i in range(n):
        c = i % n_classes
        T = rng.randint(8, 25)
        t = np.arange(T)[:, None]
        phase = rng.uniform(0, 2 * np.pi, n_features)
        X.append(np.sin((0.2, 0.7, 1.4)[c % 3] * t + phase) + 0.3 * c
                 + 0.1 * rng.randn(T, n_features))
        y.append(c)
    return X, np.array(y)


def _reference_features(res, X, representation, washout, include_input,
                        components=None, mean=None, embedding_alpha=1.0):
    """Pooling of Reservoir.transform written out, sequence by sequence.
    Its "last" state: each direction's after reading the whole sequence (the
    reverse stack's columns of the first row, by the feature names)."""
    reverse = np.array(["reverse" in name for name in res.get_feature_names_out()])
    rows = []
    for x in X:
        s = res.transform(x)
        parts = []
        if representation in ("last", "last_mean"):
            parts += ([x[-1]] if include_input else []) + [np.where(reverse, s[0], s[-1])]
        if representation in ("mean", "last_mean"):
            parts += ([x[washout:].mean(0)] if include_input else []) + [s[washout:].mean(0)]
        if representation == "model_space":
            z = (s[washout:] - mean) @ components.T
            z0 = np.column_stack([z[:-1], np.ones(len(z) - 1)])
            pen = np.diag(np.r_[np.full(z.shape[1], embedding_alpha), 0.0])
            parts.append(np.linalg.solve(z0.T @ z0 + pen, z0.T @ z[1:]).ravel())
            if include_input:
                parts.append(x[washout:].mean(0))
        rows.append(np.concatenate(parts))
    return np.array(rows)


@pytest.mark.parametrize("representation", ["mean", "last", "last_mean"])
@pytest.mark.parametrize("include_input", [True, False])
@pytest.mark.parametrize("n_classes", [2, 3])
def test_ridge_readout_equals_ridge_classifier_on_pooled_states(
        representation, include_input, n_classes):
    """The streamed one-vs-rest ridge on +-1 targets is sklearn's
    RidgeClassifier (intercept not penalised) on the same features; the two
    solve the same system by different factorisations, hence a tolerance."""
    X, y = _sequences(n_classes=n_classes)
    clf = ESNClassifier(n_reservoir=30, alpha=0.3, washout=3, random_state=1,
                        representation=representation,
                        include_input=include_input).fit(X, y)
    F = _reference_features(clf.reservoir_, X, representation, 3, include_input)
    ref = RidgeClassifier(alpha=0.3).fit(F, y)
    np.testing.assert_allclose(clf.coef_, ref.coef_.reshape(clf.coef_.shape),
                               rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(clf.decision_function(X), ref.decision_function(F),
                               rtol=1e-7, atol=1e-9)
    np.testing.assert_array_equal(clf.predict(X), ref.predict(F))
    assert clf.n_samples_fitted_ == len(X)


@pytest.mark.parametrize("representation", ["last", "last_mean"])
@pytest.mark.parametrize("layers,bidirectional", [(2, False), (1, True), (2, True)])
@pytest.mark.parametrize("washout", [0, 2])
def test_deep_and_bidirectional_reservoirs_pool_every_state_column(
        representation, layers, bidirectional, washout):
    """A deep or bidirectional reservoir: the features are those of all the
    columns of Reservoir.transform, the reverse stack's "last" state taken
    where it has read the whole sequence (the first step). Washout 0 pools
    whole blocks at once, washout 2 sequence by sequence: both paths."""
    X, y = _sequences()
    clf = ESNClassifier(n_reservoir=15, num_layers=layers, bidirectional=bidirectional,
                        alpha=0.3, washout=washout, random_state=2,
                        representation=representation).fit(X, y)
    F = _reference_features(clf.reservoir_, X, representation, washout, True)
    assert F.shape[1] == 2 * (2 if representation == "last_mean" else 1) \
        + 15 * layers * (1 + bidirectional) * (2 if representation == "last_mean" else 1)
    ref = RidgeClassifier(alpha=0.3).fit(F, y)
    np.testing.assert_allclose(clf.decision_function(X), ref.decision_function(F),
                               rtol=1e-7, atol=1e-9)


def test_model_space_representation_against_a_per_sequence_reference():
    """Bianchi et al.'s reservoir model space: PCA of all training states,
    then per sequence the ridge model z(t+1) ~ A z(t) + c."""
    X, y = _sequences()
    clf = ESNClassifier(n_reservoir=30, representation="model_space", n_components=5,
                        embedding_alpha=0.5, washout=2, alpha=0.1,
                        random_state=0).fit(X, y)
    states = np.concatenate([clf.reservoir_.transform(x)[2:] for x in X])
    mean = states.mean(0)
    _, _, vt = np.linalg.svd(states - mean, full_matrices=False)
    # principal directions up to sign
    np.testing.assert_allclose(np.abs(clf.components_ @ vt[:5].T), np.eye(5), atol=1e-6)
    F = _reference_features(clf.reservoir_, X, "model_space", 2, True,
                            components=clf.components_, mean=mean, embedding_alpha=0.5)
    ref = RidgeClassifier(alpha=0.1).fit(F, y)
    np.testing.assert_allclose(clf.decision_function(X), ref.decision_function(F),
                               rtol=1e-6, atol=1e-8)


def test_per_step_labels_equal_ridge_classifier_on_every_step():
    """One label per step: the readout of [u(t), x(t)] after the washout of
    every sequence, as ESNRegressor reads out."""
    X, _ = _sequences(n=12)
    Y = [np.where(x[:, 0] > 0.2, "hi", np.where(x[:, 0] < -0.2, "lo", "mid")).astype(object)
         for x in X]
    Y[0][:2] = "never-trained"         # washout labels are not used
    clf = ESNClassifier(n_reservoir=25, alpha=0.05, washout=2, random_state=0).fit(X, Y)
    rows = np.concatenate([np.hstack([x, clf.reservoir_.transform(x)])[2:] for x in X])
    labels = np.concatenate([l[2:] for l in Y])
    ref = RidgeClassifier(alpha=0.05).fit(rows, labels)
    assert clf.classes_.tolist() == ["hi", "lo", "mid", "never-trained"]
    np.testing.assert_allclose(clf.coef_[[0, 1, 2]], ref.coef_, rtol=1e-7, atol=1e-9)
    pred = clf.predict(X)
    assert isinstance(pred, list) and [len(p) for p in pred] == [len(x) for x in X]
    full = np.hstack([X[5], clf.reservoir_.transform(X[5])])
    dec = clf.decision_function(X)[5]
    np.testing.assert_allclose(dec[:, :3], ref.decision_function(full), rtol=1e-7,
                               atol=1e-9)
    assert clf.n_samples_fitted_ == sum(len(x) - 2 for x in X)
    # score: accuracy over the steps after each washout
    hits = np.concatenate([(p == l)[2:] for p, l in zip(pred, Y)])
    assert clf.score(X, Y) == pytest.approx(hits.mean())


def test_logistic_readout_is_logistic_regression_on_the_features():
    X, y = _sequences()
    clf = ESNClassifier(n_reservoir=20, readout="logistic", alpha=0.5,
                        representation="mean", random_state=0).fit(X, y)
    F = _reference_features(clf.reservoir_, X, "mean", 0, True)
    ref = LogisticRegression(C=1.0, max_iter=1000).fit(F, y)
    np.testing.assert_allclose(clf.predict_proba(X), ref.predict_proba(F), rtol=1e-6,
                               atol=1e-8)
    clf.refit_readout(5.0)
    ref = LogisticRegression(C=0.1, max_iter=1000).fit(F, y)
    np.testing.assert_allclose(clf.predict_proba(X), ref.predict_proba(F), rtol=1e-6,
                               atol=1e-8)


def test_refit_readout_equals_a_fit_with_that_alpha():
    X, y = _sequences()
    a = ESNClassifier(n_reservoir=30, alpha=1e-3, random_state=0).fit(X, y)
    a.refit_readout(3.0)
    b = ESNClassifier(n_reservoir=30, alpha=3.0, random_state=0).fit(X, y)
    assert a.alpha == 3.0
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=1e-12, atol=1e-14)
    np.testing.assert_array_equal(a.predict(X), b.predict(X))


@pytest.mark.parametrize("readout", ["ridge", "logistic"])
def test_probabilities_and_labels_agree(readout):
    X, y = _sequences()
    labels = np.array(["c", "a", "b"])[y]
    clf = ESNClassifier(n_reservoir=20, readout=readout, random_state=0).fit(X, labels)
    assert clf.classes_.tolist() == ["a", "b", "c"]
    proba = clf.predict_proba(X)
    assert proba.shape == (len(X), 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_array_equal(clf.classes_[proba.argmax(1)], clf.predict(X))
    np.testing.assert_allclose(np.exp(clf.predict_log_proba(X)), proba, rtol=1e-12)
    # two classes: one decision column, positive means classes_[1]
    two = ESNClassifier(n_reservoir=20, readout=readout, random_state=0).fit(
        X, np.where(y == 0, "no", "yes"))
    dec = two.decision_function(X)
    assert dec.shape == (len(X),)
    np.testing.assert_array_equal(two.predict(X), np.where(dec > 0, "yes", "no"))
    p = two.predict_proba(X)
    np.testing.assert_array_equal(p[:, 1] > 0.5, dec > 0)


def test_output_structures_follow_the_input():
    X, y = _sequences(n=12)
    X3 = np.stack([x[:8] for x in X])
    # many-to-one on a 3-D array
    clf = ESNClassifier(n_reservoir=15, random_state=0).fit(X3, y)
    assert clf.predict(X3).shape == (12,)
    assert clf.predict_proba(X3).shape == (12, 3)
    # per step on a 3-D array: (n_sequences, n_timesteps) labels
    steps = np.repeat(y[:, None], 8, axis=1)
    clf = ESNClassifier(n_reservoir=15, random_state=0).fit(X3, steps)
    assert clf.predict(X3).shape == (12, 8)
    assert clf.predict_proba(X3).shape == (12, 8, 3)
    # per step on one DataFrame: a Series on its index
    idx = pd.date_range("2024-01-01", periods=len(X[0]), freq="h")
    df = pd.DataFrame(X[0], index=idx, columns=["a", "b"])
    labels = pd.Series(np.where(X[0][:, 0] > 0, "up", "down"), index=idx, name="state")
    clf = ESNClassifier(n_reservoir=15, random_state=0).fit(df, labels)
    out = clf.predict(df)
    assert isinstance(out, pd.Series) and out.index.equals(idx) and out.name == "state"
    proba = clf.predict_proba(df)
    assert isinstance(proba, pd.DataFrame) and list(proba.columns) == ["down", "up"]
    np.testing.assert_array_equal(clf.feature_names_in_, ["a", "b"])
    # a fitted many-to-one model on one 2-D sequence: one label
    clf = ESNClassifier(n_reservoir=15, random_state=0).fit(X, y)
    assert clf.predict(X[0]).shape == (1,)


def test_washout_is_not_pooled():
    """Many-to-one with washout w: the mean covers steps w: only, so the
    first w inputs change the features only through the state they leave."""
    X, y = _sequences()
    clf = ESNClassifier(n_reservoir=20, washout=4, representation="mean",
                        random_state=0).fit(X, y)
    F = _reference_features(clf.reservoir_, X, "mean", 4, True)
    ref = RidgeClassifier(alpha=1.0).fit(F, y)
    np.testing.assert_allclose(clf.decision_function(X), ref.decision_function(F),
                               rtol=1e-7, atol=1e-9)


def test_long_sequences_stream_in_chunks(monkeypatch):
    """Sequences longer than a chunk are pooled across chunks: the same
    features as in one block, to round-off (other GEMM shapes)."""
    import reservoir.esn as esn_module
    X, y = _sequences(n=9)
    X = [np.tile(x, (6, 1)) for x in X]
    kw = dict(n_reservoir=20, n_components=4, random_state=0)
    ref = {rep: ESNClassifier(representation=rep, **kw).fit(X, y).decision_function(X)
           for rep in ("mean", "last_mean", "model_space")}
    monkeypatch.setattr(esn_module, "CHUNK_FLOATS", 20 * 37)   # chunks of 37 rows
    monkeypatch.setattr(esn_module, "MIN_CHUNK_ROWS", 1)
    assert esn_module._chunk_rows(20) == 37 < min(len(x) for x in X)
    for rep, dec in ref.items():
        chunked = ESNClassifier(representation=rep, **kw).fit(X, y)
        np.testing.assert_allclose(chunked.decision_function(X), dec, rtol=1e-8,
                                   atol=1e-10)


def test_task_comes_from_the_structure_of_y():
    X, y = _sequences(n=6)
    clf = ESNClassifier(n_reservoir=10, random_state=0)
    with pytest.raises(ValueError, match="y has 5 labels but X has 6 sequences"):
        clf.fit(X, y[:5])
    with pytest.raises(ValueError, match=r"y \(sequence 2\) has 3 labels but X \(sequence 2\)"):
        clf.fit(X, [np.zeros(len(x)) if i != 2 else np.zeros(3) for i, x in enumerate(X)])
    with pytest.raises(ValueError, match="y has 6 labels but X is one sequence of 10"):
        clf.fit(np.zeros((10, 2)), y)
    with pytest.raises(ValueError, match="Unknown label type"):
        clf.fit(X, y + 0.5)
    with pytest.raises(ValueError, match="contains nan at position 1"):
        clf.fit(X, np.array([0.0, np.nan, 1, 0, 1, 0]))
    with pytest.raises(ValueError, match="only 1 class"):
        clf.fit(X, np.zeros(6))
    with pytest.raises(ValueError, match="Multi-output classification is not supported"):
        clf.fit(X[0], np.zeros((len(X[0]), 2)))
    fitted = ESNClassifier(n_reservoir=10, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="fitted with one label per sequence"):
        fitted.score(X, [np.zeros(len(x)) for x in X])


def test_bad_parameters_name_the_argument():
    X, y = _sequences(n=6)
    for params, exc, match in [
            ({"representation": "max"}, ValueError, "representation='max'"),
            ({"readout": "svm"}, ValueError, "readout='svm'"),
            ({"alpha": -1.0}, ValueError, "alpha=-1.0"),
            ({"n_components": 0}, ValueError, "n_components=0"),
            ({"embedding_alpha": 0.0}, ValueError, "embedding_alpha=0.0"),
            ({"include_input": "yes"}, TypeError, "include_input='yes'"),
            ({"spectral_radius": -0.5}, ValueError, "spectral_radius=-0.5"),
            ({"washout": 50}, ValueError, "washout=50 must be smaller")]:
        with pytest.raises(exc, match=match):
            ESNClassifier(n_reservoir=10, **params).fit(X, y)


def test_every_reservoir_parameter_reaches_the_reservoir():
    """The classifier passes all of Reservoir's parameters in one place, so a
    knob added to Reservoir needs only the classifier's __init__."""
    res_params = set(Reservoir().get_params())
    assert res_params <= set(ESNClassifier().get_params())
    X, y = _sequences(n=6)
    settings = dict(n_reservoir=12, spectral_radius=0.7, input_scaling=0.4,
                    density=0.3, leak_rate=0.6, bias_scaling=0.1,
                    activation="identity", num_layers=2, bidirectional=True,
                    inter_scaling=0.5, dtype="float32", n_jobs=1, random_state=5)
    assert set(settings) == res_params
    clf = ESNClassifier(**settings).fit(X, y)
    assert clf.reservoir_.get_params() == settings
    ref = Reservoir(**settings).fit(X[0])
    np.testing.assert_array_equal(clf.reservoir_.transform(X[1]), ref.transform(X[1]))


def test_clone_pickle_and_same_bits():
    X, y = _sequences()
    for rep in ("mean", "model_space"):
        a = ESNClassifier(n_reservoir=20, representation=rep, n_components=4,
                          random_state=3).fit(X, y)
        b = clone(a).fit(X, y)
        np.testing.assert_array_equal(a.decision_function(X), b.decision_function(X))
        c = pickle.loads(pickle.dumps(a))
        np.testing.assert_array_equal(c.decision_function(X), a.decision_function(X))


def test_one_thread_and_two_threads_give_the_same_bits():
    X, y = _sequences(n=80)
    a = ESNClassifier(n_reservoir=40, n_jobs=1, random_state=0).fit(X, y)
    b = ESNClassifier(n_reservoir=40, n_jobs=2, random_state=0).fit(X, y)
    np.testing.assert_array_equal(a.decision_function(X), b.decision_function(X))


# -- SequenceScaler and pipelines -----------------------------------------------

def test_sequence_scaler_is_standard_scaler_over_all_steps():
    X, _ = _sequences(n=7)
    X = [x * [3.0, 0.5] + [10.0, -2.0] for x in X]
    sc = SequenceScaler().fit(X)
    ref = StandardScaler().fit(np.concatenate(X))
    np.testing.assert_allclose(sc.mean_, ref.mean_, rtol=1e-13)
    np.testing.assert_allclose(sc.scale_, ref.scale_, rtol=1e-13)
    out = sc.transform(X)
    assert [o.shape for o in out] == [x.shape for x in X]
    np.testing.assert_allclose(np.concatenate(out), ref.transform(np.concatenate(X)),
                               rtol=1e-12, atol=1e-13)
    back = sc.inverse_transform(out)
    np.testing.assert_allclose(np.concatenate(back), np.concatenate(X), rtol=1e-13)
    X3 = np.stack([x[:8] for x in X])
    assert SequenceScaler().fit_transform(X3).shape == X3.shape
    frames = [pd.DataFrame(x, columns=["p", "q"]) for x in X]
    outf = SequenceScaler().fit(frames).transform(frames)
    assert isinstance(outf[0], pd.DataFrame) and list(outf[0].columns) == ["p", "q"]
    assert SequenceScaler(with_std=False).fit(X).scale_ is None


def test_pipeline_under_stratified_search_splits_sequences():
    """Pipeline(SequenceScaler, ESNClassifier) in GridSearchCV with
    StratifiedKFold: the folds are sequences, and each fold's score is the
    accuracy a hand-written loop over the same folds gives."""
    X, y = _sequences(n=45)
    X = [x * 40 + 100 for x in X]                   # raw scale far from unit
    pipe = make_pipeline(SequenceScaler(), ESNClassifier(n_reservoir=30, random_state=0))
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    grid = {"esnclassifier__alpha": [1e-2, 1.0],
            "esnclassifier__spectral_radius": [0.5, 0.9]}
    search = GridSearchCV(pipe, grid, cv=cv).fit(X, y)
    assert len(search.cv_results_["params"]) == 4
    best = search.best_params_
    by_hand = []
    for train, test in cv.split(X, y):
        sc = SequenceScaler().fit([X[i] for i in train])
        clf = ESNClassifier(n_reservoir=30, random_state=0,
                            alpha=best["esnclassifier__alpha"],
                            spectral_radius=best["esnclassifier__spectral_radius"])
        clf.fit(sc.transform([X[i] for i in train]), y[train])
        by_hand.append(clf.score(sc.transform([X[i] for i in test]), y[test]))
    assert search.best_score_ == pytest.approx(np.mean(by_hand))
    assert search.best_score_ > 0.75


def test_pooled_features_of_a_sequence_do_not_depend_on_its_batch():
    """The many-sequence kernel is bitwise the single-sequence one, and each
    sequence is pooled on its own: the same bits alone or among others."""
    X, y = _sequences(n=50)
    for rep in ("mean", "last_mean"):
        clf = ESNClassifier(n_reservoir=20, representation=rep, random_state=0).fit(X, y)
        together = np.empty((len(X), (2 + 20) * (2 if rep == "last_mean" else 1)))
        for idx, feats in clf._sequence_features(X):
            together[idx] = feats
        for k in (0, 17, 49):
            (_, alone), = list(clf._sequence_features([X[k]]))
            np.testing.assert_array_equal(alone[0], together[k])
