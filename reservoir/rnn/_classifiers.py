"""Gradient-trained recurrent classifiers of sequences, or of every step.

They share the regressors' network, batching and training loop
(:class:`._estimators._RecurrentBase`) and differ in the task: a softmax
cross-entropy on one summary per sequence (many-to-one) or on every step.
"""

from __future__ import annotations

import numpy as np
from sklearn.utils.validation import check_is_fitted

from .._base import SequenceClassifierMixin
from .._compat import check_feature_names, classifier_tags
from .._sequences import check_dtype_range, check_labels, check_X, restore_labels
from .._threads import single_threaded_blas
from . import _network
from ._estimators import (_NETWORK_DOC, _PERIODS_DOC, _REST_DOC, _STOPPING_DOC,
                          _TRAINING_DOC, _CLOCKWORK_DOC, _Clockwork, _RecurrentBase)

__all__ = ["SimpleRNNClassifier", "GRUClassifier", "LSTMClassifier", "CWRNNClassifier"]

SCORINGS = ("accuracy", "neg_log_loss")


def _log_softmax(z):
    z = z - z.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


class _RecurrentClassifier(SequenceClassifierMixin, _RecurrentBase):
    """A recurrent network with a softmax readout, trained on the
    cross-entropy: of one summary per sequence, or of every step."""

    def __init__(self, hidden_size=32, *, num_layers=1, bidirectional=False,
                 pooling="last", learning_rate_init=1e-2, max_iter=100,
                 batch_size=32, bptt_window=None, clip_norm=5.0,
                 early_stopping=False, scoring="accuracy", validation_fraction=0.1,
                 n_iter_no_change="auto", tol=1e-4, washout=0, dtype="float32",
                 warm_start=False, random_state=None, verbose=False):
        super().__init__(hidden_size, num_layers=num_layers,
                         bidirectional=bidirectional,
                         learning_rate_init=learning_rate_init, max_iter=max_iter,
                         batch_size=batch_size, bptt_window=bptt_window,
                         clip_norm=clip_norm, early_stopping=early_stopping,
                         validation_fraction=validation_fraction,
                         n_iter_no_change=n_iter_no_change, tol=tol,
                         washout=washout, dtype=dtype, warm_start=warm_start,
                         random_state=random_state, verbose=verbose)
        self.pooling = pooling
        self.scoring = scoring

    def _validate_params(self):
        p = super()._validate_params()
        if not isinstance(self.pooling, str) or self.pooling not in _network.POOLINGS:
            raise ValueError(f"pooling={self.pooling!r} must be one of "
                             f"{_network.POOLINGS}.")
        if not isinstance(self.scoring, str) or self.scoring not in SCORINGS:
            raise ValueError(f"scoring={self.scoring!r} must be one of {SCORINGS} "
                             "(the validation score of early stopping).")
        p["pooling"], p["scoring"] = self.pooling, self.scoring
        return p

    # -- targets -----------------------------------------------------------
    def _check_targets(self, y, seqs, warm):
        labels = check_labels(y, seqs)
        codes = self._encode(labels) if warm else self._learn_classes(labels)
        if not labels.per_step and self.bptt_window is not None:
            raise ValueError(
                f"bptt_window={self.bptt_window} cuts sequences into windows, "
                "but y gives one label per sequence; use bptt_window=None.")
        eye = np.eye(self.classes_.shape[0])
        if labels.per_step:
            Y = [eye[c] for c in codes]                    # (T_i, n_classes)
        else:
            Y = [eye[c][None, :] for c in codes[0]]        # (1, n_classes)
        return Y, self.classes_.shape[0]

    def _pool_args(self):
        if self._per_step:
            return {}
        return {"pool": self.pooling, "pool_start": self.washout}

    def _training_pairs(self, U, Y):
        return self._windows(U, Y) if self._per_step else list(zip(U, Y))

    def _batch(self, pairs, dtype):
        if self._per_step:
            return super()._batch(pairs, dtype)
        lengths = np.array([u.shape[0] for u, _ in pairs])
        X = np.zeros((lengths.max(), len(pairs), pairs[0][0].shape[1]), dtype=dtype)
        for b, (u, _) in enumerate(pairs):
            X[:len(u), b] = u
        Yb = np.ascontiguousarray(np.vstack([y for _, y in pairs]), dtype=dtype)
        return X, Yb, np.ones((len(pairs), 1), dtype=dtype), lengths

    def _split_validation(self, U, Y, rng):
        """Per step, as the regressors (the end of the data); one label per
        sequence, a stratified random subset of the sequences (as
        :class:`sklearn.neural_network.MLPClassifier`)."""
        if self._per_step:
            return super()._split_validation(U, Y, rng)
        from sklearn.model_selection import ShuffleSplit, StratifiedShuffleSplit

        codes = np.array([int(y[0].argmax()) for y in Y])
        frac = self.validation_fraction
        n_val = max(1, int(round(frac * len(U))))
        if n_val >= len(U):
            raise ValueError(f"validation_fraction={frac} leaves no training "
                             f"sequence out of {len(U)}.")
        seed = rng.randint(np.iinfo(np.int32).max)
        try:
            split = StratifiedShuffleSplit(1, test_size=n_val, random_state=seed)
            train, val = next(split.split(codes, codes))
        except ValueError:          # a class too small to be in both parts
            split = ShuffleSplit(1, test_size=n_val, random_state=seed)
            train, val = next(split.split(codes))
        train, val = np.sort(train), np.sort(val)
        return ([U[i] for i in train], [Y[i] for i in train],
                [U[i] for i in val], [Y[i] for i in val])

    # -- loss and validation score -------------------------------------------
    def _loss(self, out, Y, mask):
        logp = _log_softmax(out.astype(np.float64))
        count = max(1.0, float(mask.sum()))
        loss = -float((Y * logp * mask).sum()) / count
        return loss, (np.exp(logp) - Y) * mask / count

    def _score_arrays(self, U, Y):
        """Accuracy or negative log-loss on the validation sequences (steps
        after washout per step)."""
        logits = self._predict_arrays(U)
        if self._per_step:
            w = self.washout
            logits = [z[w:] for z in logits]
            Y = [y[w:] for y in Y]
        z = np.vstack(logits) if self._per_step else np.vstack([z[None] for z in logits])
        truth = np.vstack(Y).argmax(axis=1)
        if self.scoring == "accuracy":
            return float(np.mean(z.argmax(axis=1) == truth))
        return float(np.mean(_log_softmax(z)[np.arange(truth.shape[0]), truth]))

    # -- prediction --------------------------------------------------------
    def _logits(self, X):
        check_is_fitted(self, "_params")
        seqs = check_X(X, n_features=self.n_features_in_,
                       estimator_name=type(self).__name__)
        check_feature_names(self, seqs.feature_source, reset=False)
        check_dtype_range(seqs, self._params["readout.weight"].dtype, "X")
        with single_threaded_blas():
            out = self._predict_arrays(seqs.arrays)
        return seqs, (out if self._per_step else np.vstack([z[None] for z in out]))

    def _restore(self, values, seqs, columns=None):
        if not self._per_step:
            values = [values]
        return restore_labels(values, seqs, self._per_step, name=self._label_name,
                              columns=columns)

    def predict(self, X):
        """Class labels: one per sequence (many-to-one) or one per step.

        Parameters
        ----------
        X : array-like of shape (n_timesteps, n_features), list of such, or
            3-D array (n_sequences, n_timesteps, n_features)

        Returns
        -------
        labels : ndarray of shape (n_sequences,) many-to-one; per step the
            structure of ``X`` (a 1-D array or a Series on the index of a
            single sequence, a list of them, or (n_sequences, n_timesteps)
            for a 3-D ``X``). Per step, every step gets a label, the first
            ``washout`` ones too (read from the transient state); ``fit``
            and ``score`` leave those out.
        """
        seqs, logits = self._logits(X)
        if self._per_step:
            return self._restore([self.classes_[z.argmax(axis=1)] for z in logits], seqs)
        return self._restore(self.classes_[logits.argmax(axis=1)], seqs)

    def predict_log_proba(self, X):
        """Log of the softmax probabilities.

        Parameters
        ----------
        X : array-like of shape (n_timesteps, n_features), list of such, or
            3-D array (n_sequences, n_timesteps, n_features)

        Returns
        -------
        log_proba : the structure of :meth:`predict_proba`
        """
        seqs, logits = self._logits(X)
        cols = list(self.classes_)
        if self._per_step:
            return self._restore([_log_softmax(z) for z in logits], seqs, cols)
        return self._restore(_log_softmax(logits), seqs, cols)

    def predict_proba(self, X):
        """Softmax class probabilities (rows sum to one).

        Parameters
        ----------
        X : array-like of shape (n_timesteps, n_features), list of such, or
            3-D array (n_sequences, n_timesteps, n_features)

        Returns
        -------
        proba : (n_sequences, n_classes) many-to-one, or per step the
            structure of ``X`` with ``n_classes`` columns.
        """
        logp = self.predict_log_proba(X)
        if isinstance(logp, list):
            return [np.exp(p) for p in logp]
        return np.exp(logp)

    def __sklearn_tags__(self):
        return classifier_tags(super().__sklearn_tags__())


_POOLING_DOC = """
    pooling : {"last", "mean"}, default="last"
        The summary of a sequence that is classified when ``y`` gives one label
        per sequence: the output of the top layer at the last valid step of
        each sequence (padding never enters), or its mean over the steps after
        ``washout``. A bidirectional network concatenates each direction's
        summary: with "last", the forward pass at the last step and the
        reverse pass at the first (each has then read the whole sequence).
        Unused with one label per step."""

_CLASSIFIER_STOPPING_DOC = """
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data and stop when its score
        (``scoring``) stops improving; the best weights are restored. With one
        label per sequence the held-out sequences are a stratified random
        subset (as in :class:`sklearn.neural_network.MLPClassifier`); with
        one label per step, the end of the data as in the regressors.
    scoring : {"accuracy", "neg_log_loss"}, default="accuracy"
        The validation score of early stopping (higher is better)."""

_CLASSIFIER_ATTRIBUTES_DOC = """

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The labels, sorted.
    loss_curve_ : list of float
        Mean cross-entropy of each epoch (per sequence or per labelled step).
    validation_scores_ : list of float or None
        The validation ``scoring`` after each epoch (with early stopping).
    best_validation_score_ : float or None
    best_loss_ : float
    n_iter_ : int
        Epochs run.
    n_features_in_ : int
    n_outputs_ : int
        Outputs of the readout (one per class).
    n_parameters_ : int

    Notes
    -----
    The structure of ``y`` decides the task. With a list of sequences (or a
    3-D array) as ``X``, a 1-D ``y`` of one label per sequence trains on the
    summary of each sequence (``pooling``) and ``predict`` returns one label
    per sequence; a list of 1-D label arrays aligned with the sequences (or
    a 2-D ``(n_sequences, n_timesteps)`` array) trains the readout at every
    step after ``washout`` and ``predict`` returns labels in the structure of
    ``X``, each sequence keeping its length. A single 2-D ``X`` with a 1-D
    ``y`` of its length is one sequence labelled per step. Labels may be any
    hashable values; ``classes_`` is sorted.
"""

_CLASSIFIER_PARAMS_DOC = (_NETWORK_DOC + _POOLING_DOC + _TRAINING_DOC
                          + _CLASSIFIER_STOPPING_DOC + _STOPPING_DOC + _REST_DOC)


class SimpleRNNClassifier(_RecurrentClassifier):
    __doc__ = """Elman network (simple recurrent network) classifier of sequences
    or of every step, trained by backpropagation through time on a softmax
    cross-entropy.

    Each layer follows ``torch.nn.RNN`` with tanh:
    ``h_t = tanh(W_ih x_t + b_ih + W_hh h_(t-1) + b_hh)``; the class
    probabilities are ``softmax(W_out s + b_out)`` with ``s`` the summary of
    a sequence (``pooling``) or ``h_t`` at each step.
    """ + _CLASSIFIER_PARAMS_DOC + _CLASSIFIER_ATTRIBUTES_DOC + """
    Examples
    --------
    >>> import numpy as np
    >>> from reservoir import SimpleRNNClassifier
    >>> rng = np.random.RandomState(0)
    >>> X = [rng.randn(rng.randint(10, 20), 1) + s for s in (1, -1) * 20]
    >>> y = ["up", "down"] * 20
    >>> clf = SimpleRNNClassifier(hidden_size=8, max_iter=200, random_state=0)
    >>> float(clf.fit(X[:30], y[:30]).score(X[30:], y[30:]))
    1.0
    """
    _cell = "elman"


class GRUClassifier(_RecurrentClassifier):
    __doc__ = """Gated recurrent unit network classifier of sequences or of
    every step, trained on a softmax cross-entropy.

    Each layer follows ``torch.nn.GRU``::

        r_t = sigmoid(W_ir x_t + b_ir + W_hr h_(t-1) + b_hr)
        z_t = sigmoid(W_iz x_t + b_iz + W_hz h_(t-1) + b_hz)
        n_t = tanh(W_in x_t + b_in + r_t * (W_hn h_(t-1) + b_hn))
        h_t = (1 - z_t) * n_t + z_t * h_(t-1)
    """ + _CLASSIFIER_PARAMS_DOC + _CLASSIFIER_ATTRIBUTES_DOC
    _cell = "gru"


class LSTMClassifier(_RecurrentClassifier):
    __doc__ = """Long short-term memory network classifier of sequences or of
    every step, trained on a softmax cross-entropy.

    Each layer follows ``torch.nn.LSTM``::

        i_t = sigmoid(W_ii x_t + b_ii + W_hi h_(t-1) + b_hi)
        f_t = sigmoid(W_if x_t + b_if + W_hf h_(t-1) + b_hf)
        g_t = tanh(W_ig x_t + b_ig + W_hg h_(t-1) + b_hg)
        o_t = sigmoid(W_io x_t + b_io + W_ho h_(t-1) + b_ho)
        c_t = f_t * c_(t-1) + i_t * g_t
        h_t = o_t * tanh(c_t)
    """ + _CLASSIFIER_PARAMS_DOC + _CLASSIFIER_ATTRIBUTES_DOC
    _cell = "lstm"


class CWRNNClassifier(_Clockwork, _RecurrentClassifier):
    __doc__ = ("Clockwork RNN (Koutnik et al., ICML 2014) classifier of "
               "sequences or of every step.\n" + _CLOCKWORK_DOC
               + _CLASSIFIER_PARAMS_DOC + _PERIODS_DOC + _CLASSIFIER_ATTRIBUTES_DOC)

    def __init__(self, hidden_size=32, *, periods=None, num_layers=1,
                 bidirectional=False, pooling="last", learning_rate_init=1e-2,
                 max_iter=100, batch_size=32, bptt_window=None, clip_norm=5.0,
                 early_stopping=False, scoring="accuracy", validation_fraction=0.1,
                 n_iter_no_change="auto", tol=1e-4, washout=0, dtype="float32",
                 warm_start=False, random_state=None, verbose=False):
        super().__init__(hidden_size, num_layers=num_layers,
                         bidirectional=bidirectional, pooling=pooling,
                         learning_rate_init=learning_rate_init, max_iter=max_iter,
                         batch_size=batch_size, bptt_window=bptt_window,
                         clip_norm=clip_norm, early_stopping=early_stopping,
                         scoring=scoring, validation_fraction=validation_fraction,
                         n_iter_no_change=n_iter_no_change, tol=tol,
                         washout=washout, dtype=dtype, warm_start=warm_start,
                         random_state=random_state, verbose=verbose)
        self.periods = periods
