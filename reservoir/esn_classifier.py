"""Echo State Network classification of whole sequences and of every step."""

from __future__ import annotations

from numbers import Integral

import numpy as np
import scipy.sparse as sp
from scipy.special import expit, softmax
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from ._base import SequenceClassifierMixin
from ._compat import check_feature_names, classifier_tags
from ._sequences import (check_labels, check_scalar_param, check_washout, check_X,
                         restore_labels)
from .esn import Reservoir
from .readout import make_statistics

__all__ = ["ESNClassifier"]

REPRESENTATIONS = ("last", "mean", "last_mean", "model_space")
READOUTS = ("ridge", "logistic")


def _segment_sums(rows, ends):
    """Sums of consecutive row segments ``rows[ends[k-1]:ends[k]]``.

    A product with a 0/1 segment-indicator matrix: scipy's CSR kernel adds
    each segment's rows in order, as ``rows[a:b].sum(axis=0)`` does (the same
    bits), in one call; ``np.add.reduceat`` along axis 0 was ten times slower.
    """
    n = rows.shape[0]
    indicator = sp.csr_matrix((np.ones(n), np.arange(n), np.r_[0, ends]),
                              shape=(ends.shape[0], n))
    return indicator @ rows


def _reservoir_param_names():
    """The parameters an ESN estimator passes to its :class:`Reservoir`: all
    of them, so a knob added to ``Reservoir`` needs only the estimator's
    ``__init__`` to reach it."""
    return Reservoir._get_param_names()


class _Pooled:
    """Running summaries of one sequence's states (and inputs) after washout."""

    __slots__ = ("sum_x", "sum_u", "count", "gram", "cross", "prev", "first")

    def __init__(self):
        self.sum_x = self.sum_u = self.gram = self.cross = self.prev = None
        self.first = None
        self.count = 0


class ESNClassifier(SequenceClassifierMixin, BaseEstimator):
    """Echo State Network classifier of sequences, or of every step.

    A random reservoir runs over each sequence from a zero state (as in
    :class:`Reservoir`); a linear readout classifies either

    * each **sequence** from a fixed-size representation of its states
      (``y`` one label per sequence: many-to-one), or
    * each **step** from ``[u(t), x(t)]`` (``y`` one label per step:
      sequence labelling), as :class:`ESNRegressor` reads out.

    The structure of ``y`` decides which (see Notes).

    Parameters
    ----------
    n_reservoir, spectral_radius, input_scaling, density, leak_rate, bias_scaling, activation
        As in :class:`Reservoir` (every parameter of :class:`Reservoir` is
        passed to it unchanged).
    num_layers, bidirectional, inter_scaling
        A deep and/or bidirectional reservoir, as in :class:`Reservoir`; the
        representations below are taken over all its state columns. With
        ``bidirectional=True``, "last" takes each direction's state after it
        has read the whole sequence: the forward stack's at the last step and
        the reverse stack's at the first.
    alpha : float, default=1.0
        Ridge penalty of the readout (the intercept is not penalised); with
        ``readout="logistic"`` the penalty ``alpha * ||W||^2`` on the summed
        log-loss.
    washout : int, default=0
        Steps at the start of every sequence that are run but neither pooled
        (many-to-one) nor labelled (per-step).
    representation : {"model_space", "mean", "last", "last_mean"}, default="model_space"
        How a sequence becomes one feature vector (many-to-one only):

        - "model_space": the reservoir model space of Bianchi et al. (2021):
          the states are projected on their ``n_components`` principal
          directions (over all training steps after the washout), and the
          coefficients of a ridge model (penalty ``embedding_alpha``) that
          predicts each projected state from the previous one,
          ``z(t+1) ~ A z(t) + c``, fitted per sequence, are its features
          (``n_components^2 + n_components`` of them). It describes how the
          state moves, not only where it is; ``fit`` runs the reservoir
          twice (once for the principal directions, streamed).
        - "mean": the mean state over the steps after the washout;
        - "last": the state after the last step;
        - "last_mean": both, concatenated.

        With ``include_input`` the inputs are pooled the same way (their mean
        for "model_space") and appended. See Notes for the measurements
        behind the default.
    include_input : bool, default=True
        Whether the readout also sees the (pooled) inputs.
    readout : {"ridge", "logistic"}, default="ridge"
        "ridge": a ridge classifier, one-vs-rest on +-1 targets (one column
        for two classes), fitted from streamed sufficient statistics as the
        regressor's readout, so memory does not grow with the data.
        "logistic": multinomial logistic regression
        (:class:`sklearn.linear_model.LogisticRegression`) on the same
        features, which holds them in memory (one row per sequence, or per
        step in per-step mode).
    n_components : int, default=20
        Principal directions of the states kept by "model_space".
    embedding_alpha : float, default=10.0
        Ridge penalty of the per-sequence models of "model_space" (on the
        sums over the steps of a sequence; the constant is not penalised).
    dtype : {"float64", "float32"}, default="float64"
        Precision of the reservoir's states, as in :class:`Reservoir`; the
        pooled features, the readout's statistics and its solve are float64
        either way.
    n_jobs : int, default=None
        Threads for many sequences at once (None: 1, -1: all cores).
    random_state : int, RandomState instance or None, default=None

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The labels, sorted.
    reservoir_ : Reservoir
        The fitted reservoir.
    coef_ : ndarray of shape (n_classes, n_readout_features) or (1, n_readout_features)
        Readout weights (one row for two classes: positive means
        ``classes_[1]``).
    intercept_ : ndarray of shape (n_classes,) or (1,)
    components_ : ndarray of shape (n_components, n_states)
        Principal directions of the states ("model_space" only).
    n_features_in_ : int
    n_samples_fitted_ : int
        Rows the readout was fitted on: sequences (many-to-one) or steps
        after washout (per-step).
    feature_names_in_ : ndarray
        Defined when the input had string column names.

    See Also
    --------
    ESNRegressor : the same reservoir with a regression readout.
    SequenceScaler : standardise the features of many sequences in a pipeline.

    Notes
    -----
    **Task from the structure of ``y``.** With a list of sequences (or a 3-D
    array) as ``X``, a 1-D ``y`` of one label per sequence is many-to-one and
    ``predict`` returns one label per sequence; a list of 1-D label arrays
    aligned with the sequences (or a 2-D ``(n_sequences, n_timesteps)``
    array) is per-step labelling and ``predict`` returns labels of the same
    structure (a list in, a list out, each sequence keeping its length). A
    single 2-D ``X`` with a 1-D ``y`` of its length is one sequence labelled
    per step. Labels may be any hashable values; ``classes_`` is sorted.

    **Probabilities.** With the ridge readout, ``predict_proba`` is the
    softmax of ``decision_function`` (for two classes, the logistic function
    of twice it): a monotone map of the decision values whose rows sum to
    one, not calibrated probabilities. Use ``readout="logistic"`` for
    those.

    **The defaults** (``representation``, ``alpha``, ``n_components``,
    ``embedding_alpha``; the reservoir's are :class:`Reservoir`'s) were chosen
    by 5-fold stratified cross-validation on training splits only, over
    three problems: the JapaneseVowels archive set (multivariate, short
    sequences) and generated sets after the UCR archive's Cylinder-Bell-
    Funnel and Synthetic Control (univariate, longer), the candidate with the
    best mean rank winning (``benchmarks/bench_classification.py``, results
    in ``benchmarks/classification_results.md``). The model space ranked
    first; the mean state did well on JapaneseVowels alone but cannot tell a
    rising ramp from a falling one (Bell from Funnel: the same mean) and
    fell to 0.68 and 0.78 on the generated sets. Inputs were standardised
    by :class:`SequenceScaler`, which is what the defaults assume.

    References
    ----------
    F. M. Bianchi, S. Scardapane, S. Lokse and R. Jenssen, "Reservoir
    computing approaches for representation and classification of
    multivariate time series", IEEE TNNLS 32(5), 2021.

    Examples
    --------
    >>> import numpy as np
    >>> from reservoir import ESNClassifier
    >>> rng = np.random.RandomState(0)
    >>> t = np.arange(40)[:, None]
    >>> X = [np.sin(t * f + rng.uniform(0, 6)) for f in (0.2, 0.5) * 20]
    >>> y = ["slow", "fast"] * 20
    >>> clf = ESNClassifier(n_reservoir=50, random_state=0).fit(X[:30], y[:30])
    >>> clf.classes_.tolist()
    ['fast', 'slow']
    >>> float(clf.score(X[30:], y[30:]))
    1.0
    """

    def __init__(self, n_reservoir=100, *, spectral_radius=0.9, input_scaling=1.0,
                 density=0.1, leak_rate=1.0, bias_scaling=0.2, activation="tanh",
                 num_layers=1, bidirectional=False, inter_scaling=None,
                 alpha=1.0, washout=0, representation="model_space", include_input=True,
                 readout="ridge", n_components=20, embedding_alpha=10.0,
                 dtype="float64", n_jobs=None, random_state=None):
        self.n_reservoir = n_reservoir
        self.spectral_radius = spectral_radius
        self.input_scaling = input_scaling
        self.density = density
        self.leak_rate = leak_rate
        self.bias_scaling = bias_scaling
        self.activation = activation
        self.num_layers = num_layers
        self.bidirectional = bidirectional
        self.inter_scaling = inter_scaling
        self.alpha = alpha
        self.washout = washout
        self.representation = representation
        self.include_input = include_input
        self.readout = readout
        self.n_components = n_components
        self.embedding_alpha = embedding_alpha
        self.dtype = dtype
        self.n_jobs = n_jobs
        self.random_state = random_state

    # -- validation --------------------------------------------------------
    def _validate_own_params(self):
        check_scalar_param(self.alpha, "alpha", low=0,
                           hint="Use a positive ridge penalty, e.g. 1.0.")
        check_scalar_param(self.washout, "washout", kind=Integral, low=0)
        if self.representation not in REPRESENTATIONS:
            raise ValueError(f"representation={self.representation!r} must be one "
                             f"of {REPRESENTATIONS}.")
        if self.readout not in READOUTS:
            raise ValueError(f"readout={self.readout!r} must be one of {READOUTS}.")
        if not isinstance(self.include_input, (bool, np.bool_)):
            raise TypeError(f"include_input={self.include_input!r} must be True "
                            "or False.")
        check_scalar_param(self.n_components, "n_components", kind=Integral, low=1,
                           hint="It counts principal directions of the states.")
        check_scalar_param(self.embedding_alpha, "embedding_alpha", low=0,
                           low_inclusive=False,
                           hint="The per-sequence models need a positive ridge "
                                "penalty, e.g. 1.0.")

    def _reservoir_kwargs(self):
        """Every :class:`Reservoir` parameter, from this estimator's own."""
        return {p: getattr(self, p) for p in _reservoir_param_names()}

    # -- fitting -----------------------------------------------------------
    def fit(self, X, y):
        """Run the reservoir over ``X`` and fit the readout to the labels ``y``.

        Parameters
        ----------
        X : array-like of shape (n_timesteps, n_features), list of such, or
            3-D array (n_sequences, n_timesteps, n_features)
        y : one label per sequence (1-D, many-to-one), or one per step: 1-D
            for a single 2-D ``X``, a list of 1-D arrays or a 2-D
            ``(n_sequences, n_timesteps)`` array

        Returns
        -------
        self
        """
        self._validate_own_params()
        Reservoir(**self._reservoir_kwargs())._validate_params()
        for attr in ("coef_", "components_", "_stats", "_features"):
            self.__dict__.pop(attr, None)
        seqs = check_X(X, estimator_name=type(self).__name__)
        check_feature_names(self, seqs.feature_source, reset=True)
        labels = check_labels(y, seqs)
        check_washout(seqs, self.washout)
        codes = self._learn_classes(labels)
        self.reservoir_ = Reservoir(**self._reservoir_kwargs())
        self.reservoir_._init_matrices(seqs.n_columns)
        self.n_features_in_ = seqs.n_columns
        n_out = 1 if self.classes_.shape[0] == 2 else self.classes_.shape[0]
        if not self._per_step and self.representation == "model_space":
            self._fit_components(seqs.arrays)
        keep = self.readout == "logistic"
        rows, kept = 0, []
        for feats, inputs, target_codes in self._training_rows(seqs.arrays, codes):
            if not hasattr(self, "_stats"):
                d = 0 if inputs is None else inputs.shape[1]
                self._stats = make_statistics("cholesky", feats.shape[1], d, n_out)
            if keep:
                kept.append((np.hstack([inputs, feats]) if inputs is not None
                             else feats.copy(), target_codes))
            self._stats.update(feats, inputs, self._targets(target_codes),
                               overwrite_states=not keep)
            rows += feats.shape[0]
        if keep:
            self._features = (np.concatenate([f for f, _ in kept]),
                              np.concatenate([c for _, c in kept]))
        self.n_samples_fitted_ = rows
        self._solve()
        return self

    def _targets(self, codes):
        """+-1 one-vs-rest targets (one column for two classes)."""
        n_classes = self.classes_.shape[0]
        if n_classes == 2:
            return (2.0 * codes - 1.0)[:, None]
        T = -np.ones((codes.shape[0], n_classes))
        T[np.arange(codes.shape[0]), codes] = 1.0
        return T

    def _solve(self):
        alpha = float(self.alpha)
        if self.readout == "ridge":
            self.coef_, self.intercept_ = self._stats.solve(alpha)
        else:
            from sklearn.linear_model import LogisticRegression

            F, codes = self._features
            C = np.inf if alpha == 0 else 1.0 / (2.0 * alpha)
            model = LogisticRegression(C=C, max_iter=1000)
            model.fit(F, codes)
            self.coef_ = np.ascontiguousarray(model.coef_)
            self.intercept_ = model.intercept_.copy()
        self._fitted_alpha = alpha

    def refit_readout(self, alpha):
        """Re-solve the readout for another ``alpha`` without running the
        reservoir again (``fit`` keeps the ridge statistics, or the features
        of the logistic readout).

        Parameters
        ----------
        alpha : float
            The new penalty; it replaces ``self.alpha``.

        Returns
        -------
        self
        """
        check_is_fitted(self, "coef_")
        self.alpha = alpha
        self._validate_own_params()
        self._solve()
        return self

    # -- features ----------------------------------------------------------
    def _training_rows(self, arrays, codes):
        """Blocks ``(features, inputs or None, label codes)`` for the readout."""
        if self._per_step:
            for parts, states in self._step_blocks(arrays):
                inputs = (np.concatenate([arrays[i][lo:hi] for i, lo, hi, _, _ in parts])
                          if self.include_input else None)
                yield states, inputs, np.concatenate(
                    [codes[i][lo:hi] for i, lo, hi, _, _ in parts])
        else:
            for idx, feats in self._sequence_features(arrays):
                yield feats, None, codes[0][idx]

    def _step_blocks(self, arrays, washout=None):
        """Yields ``(parts, states)`` per block of the reservoir run: rows
        ``r0:r1`` of ``states`` are the states of steps ``lo:hi`` of sequence
        ``i`` for each ``(i, lo, hi, r0, r1)`` in ``parts``, the steps after
        each washout. ``states`` is C-contiguous, and may be a view of the
        reservoir's buffer: consume it before the next block."""
        w = self.washout if washout is None else washout
        for pieces, _, states in self.reservoir_._iter_states(arrays):
            row, spans = 0, []
            for i, start, stop in pieces:
                lo = max(start, w)
                if lo < stop:
                    spans.append((i, lo, stop, row + lo - start, row + stop - start))
                row += stop - start
            if not spans:
                continue
            if w == 0 or len(spans) == 1:
                r0, r1 = spans[0][3], spans[-1][4]
                kept = states[r0:r1]
                yield [(i, lo, hi, a - r0, b - r0) for i, lo, hi, a, b in spans], kept
                continue
            kept = np.concatenate([states[a:b] for *_, a, b in spans])
            parts, r = [], 0
            for i, lo, hi, a, b in spans:
                parts.append((i, lo, hi, r, r + b - a))
                r += b - a
            yield parts, kept

    def _sequence_features(self, arrays):
        """Yields ``(indices, features)`` for blocks of finished sequences."""
        w = self.washout
        pooled = {}
        for pieces, final, states in self.reservoir_._iter_states(arrays):
            if w == 0 and self.representation != "model_space" and all(
                    start == 0 and i in final for i, start, _ in pieces):
                yield self._whole_sequence_features(pieces, states, arrays)
                continue
            row = 0
            done, rows = [], []
            for i, start, stop in pieces:
                block = states[row:row + stop - start]
                row += stop - start
                acc = pooled.setdefault(i, _Pooled())
                if start == 0:
                    acc.first = block[0].copy()
                lo = max(start, w) - start
                if lo < block.shape[0]:
                    self._accumulate(acc, block[lo:], arrays[i][start + lo:stop])
                if i in final:
                    acc = pooled.pop(i)
                    rows.append(self._features_of(
                        acc, self._last_summary(acc.first, block[-1]), arrays[i]))
                    done.append(i)
            if done:
                yield np.asarray(done), np.vstack(rows)

    def _whole_sequence_features(self, pieces, states, arrays):
        """The pooled features of a block of whole sequences at once (no
        washout): one segment sum per block instead of one per sequence.
        Each sequence's rows are summed on their own, in order, so a sequence
        gets the same bits whatever else is in its block."""
        idx = np.asarray([i for i, _, _ in pieces])
        lengths = np.asarray([stop for _, _, stop in pieces])
        ends = np.cumsum(lengths)
        rows = states[:ends[-1]]
        inc = self.include_input
        U = np.concatenate([arrays[i] for i in idx]) if inc else None
        parts = []
        if self.representation in ("last", "last_mean"):
            if inc:
                parts.append(U[ends - 1])
            parts.append(self._last_summary(rows[ends - lengths], rows[ends - 1]))
        if self.representation in ("mean", "last_mean"):
            if inc:
                parts.append(_segment_sums(U, ends) / lengths[:, None])
            parts.append(_segment_sums(rows, ends) / lengths[:, None])
        return idx, np.hstack(parts)

    def _last_summary(self, first, last):
        """Each direction's state after it has read the whole sequence: the
        ``last`` row for the forward columns, the ``first`` row for those of
        the reverse stack (``bidirectional=True``). Rows may be stacked."""
        n, _, n_dirs = self.reservoir_._shape
        if n_dirs == 1:
            return last
        reverse = (np.arange(last.shape[-1]) // n) % n_dirs == 1
        return np.where(reverse, first, last)

    def _accumulate(self, acc, states, inputs):
        rep = self.representation
        if rep in ("mean", "last_mean"):
            s = states.sum(axis=0, dtype=np.float64)
            acc.sum_x = s if acc.sum_x is None else acc.sum_x + s
            if self.include_input:
                su = inputs.sum(axis=0)
                acc.sum_u = su if acc.sum_u is None else acc.sum_u + su
        elif rep == "model_space":
            z = (states - self._state_mean) @ self.components_.T
            if acc.prev is not None:
                z = np.vstack([acc.prev, z])
            if z.shape[0] > 1:
                z0 = np.column_stack([z[:-1], np.ones(z.shape[0] - 1)])
                g, c = z0.T @ z0, z0.T @ z[1:]
                acc.gram = g if acc.gram is None else acc.gram + g
                acc.cross = c if acc.cross is None else acc.cross + c
            acc.prev = z[-1:]
            if self.include_input:
                su = inputs.sum(axis=0)
                acc.sum_u = su if acc.sum_u is None else acc.sum_u + su
        acc.count += states.shape[0]

    def _features_of(self, acc, last_state, seq):
        rep = self.representation
        parts = []
        if rep == "model_space":
            D = self.components_.shape[0]
            if acc.gram is None:                      # one step: no transition
                acc.gram, acc.cross = np.zeros((D + 1, D + 1)), np.zeros((D + 1, D))
            pen = np.full(D + 1, float(self.embedding_alpha))
            pen[-1] = 0.0                             # the constant is not penalised
            g = acc.gram + np.diag(pen)
            g[-1, -1] = max(g[-1, -1], 1.0)
            coef = np.linalg.solve(g, acc.cross)      # (D + 1, D): [A^T; c]
            parts.append(coef.ravel())
            if self.include_input:
                parts.append(acc.sum_u / acc.count)
            return np.concatenate(parts)
        if rep in ("last", "last_mean"):
            if self.include_input:
                parts.append(seq[-1])
            parts.append(last_state)
        if rep in ("mean", "last_mean"):
            if self.include_input:
                parts.append(acc.sum_u / acc.count)
            parts.append(acc.sum_x / acc.count)
        return np.concatenate(parts)

    def _fit_components(self, arrays):
        """Principal directions of the training states after washout
        (streamed: their sum and Gram matrix, never all states at once)."""
        total, gram, count = None, None, 0
        for _, states in self._step_blocks(arrays):
            s, g = states.sum(axis=0), states.T @ states
            total = s if total is None else total + s
            gram = g if gram is None else gram + g
            count += states.shape[0]
        mean = total / count
        cov = gram / count - np.outer(mean, mean)
        vals, vecs = np.linalg.eigh(cov)
        k = min(int(self.n_components), vecs.shape[1])
        comps = vecs[:, ::-1][:, :k].T
        # a fixed sign per direction (largest entry positive): eigh's signs
        # are arbitrary and would differ between LAPACK builds
        flip = np.sign(comps[np.arange(k), np.abs(comps).argmax(axis=1)])
        self.components_ = np.ascontiguousarray(comps * flip[:, None])
        self._state_mean = mean

    # -- prediction --------------------------------------------------------
    def _check_predict_input(self, X):
        check_is_fitted(self, "coef_")
        seqs = check_X(X, n_features=self.n_features_in_,
                       estimator_name=type(self).__name__)
        check_feature_names(self, seqs.feature_source, reset=False)
        return seqs

    def _decision(self, seqs):
        """Decision values: (n_sequences, n_out) many-to-one, or a list of
        (n_timesteps_i, n_out) per step (every step, washout included)."""
        if not self._per_step:
            out = np.empty((len(seqs.arrays), self.coef_.shape[0]))
            for idx, feats in self._sequence_features(seqs.arrays):
                out[idx] = feats @ self.coef_.T + self.intercept_
            return out
        d = self.n_features_in_ if self.include_input else 0
        out = [np.empty((n, self.coef_.shape[0])) for n in seqs.lengths]
        for parts, states in self._step_blocks(seqs.arrays, washout=0):
            z = states @ self.coef_[:, d:].T
            z += self.intercept_
            for i, lo, hi, r0, r1 in parts:
                if d:
                    z[r0:r1] += seqs.arrays[i][lo:hi] @ self.coef_[:, :d].T
                out[i][lo:hi] = z[r0:r1]
        return out

    def _restore(self, per_seq, seqs, columns=None):
        values = per_seq if self._per_step else [per_seq]
        return restore_labels(values, seqs, self._per_step, name=self._label_name,
                              columns=columns)

    def decision_function(self, X):
        """Decision values of the readout.

        Parameters
        ----------
        X : array-like of shape (n_timesteps, n_features), list of such, or
            3-D array (n_sequences, n_timesteps, n_features)

        Returns
        -------
        scores : (n_sequences, n_classes) many-to-one, or per step the
            structure of ``X`` with ``n_classes`` columns; for two classes
            one value per row (positive means ``classes_[1]``).
        """
        seqs = self._check_predict_input(X)
        dec = self._decision(seqs)
        two = self.classes_.shape[0] == 2
        if self._per_step:
            dec = [d[:, 0] if two else d for d in dec]
        elif two:
            dec = dec[:, 0]
        return self._restore(dec, seqs, columns=None if two else list(self.classes_))

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
        seqs = self._check_predict_input(X)
        dec = self._decision(seqs)
        labels = [self.classes_[self._argmax(d)] for d in
                  (dec if self._per_step else [dec])]
        return self._restore(labels if self._per_step else labels[0], seqs)

    def predict_proba(self, X):
        """Class probabilities, rows summing to one (see Notes on the ridge
        readout).

        Parameters
        ----------
        X : array-like of shape (n_timesteps, n_features), list of such, or
            3-D array (n_sequences, n_timesteps, n_features)

        Returns
        -------
        proba : (n_sequences, n_classes) many-to-one, or per step the
            structure of ``X`` with ``n_classes`` columns.
        """
        seqs = self._check_predict_input(X)
        dec = self._decision(seqs)
        probs = [self._proba(d) for d in (dec if self._per_step else [dec])]
        return self._restore(probs if self._per_step else probs[0], seqs,
                             columns=list(self.classes_))

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`.

        Parameters
        ----------
        X : array-like of shape (n_timesteps, n_features), list of such, or
            3-D array (n_sequences, n_timesteps, n_features)

        Returns
        -------
        log_proba : the structure of :meth:`predict_proba`
        """
        proba = self.predict_proba(X)
        if isinstance(proba, list):
            return [np.log(p) for p in proba]
        return np.log(proba)

    def _argmax(self, dec):
        if dec.shape[1] == 1:
            return (dec[:, 0] > 0).astype(np.int64)
        return dec.argmax(axis=1)

    def _proba(self, dec):
        if dec.shape[1] == 1:
            p1 = expit(2.0 * dec[:, 0]) if self.readout == "ridge" else expit(dec[:, 0])
            return np.column_stack([1.0 - p1, p1])
        return softmax(dec, axis=1)

    @property
    def n_parameters_(self):
        """Trained parameters: the readout's weights and intercepts."""
        check_is_fitted(self, "coef_")
        return self.coef_.size + self.intercept_.size

    def __sklearn_tags__(self):
        return classifier_tags(super().__sklearn_tags__())
