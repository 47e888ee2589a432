"""What every sequence regressor (and every sequence classifier) of the
package shares."""

from __future__ import annotations

import warnings
from contextlib import contextmanager
from numbers import Integral

import numpy as np
from sklearn.base import ClassifierMixin, RegressorMixin
from sklearn.exceptions import UndefinedMetricWarning

from ._sequences import (check_labels, check_sample_weight, check_scalar_param,
                         check_X, check_y_like)

__all__ = ["SequenceRegressorMixin", "SequenceClassifierMixin", "checked_params"]


def _accuracy_score(*args, **kwargs):
    # sklearn.metrics costs ~0.1 s to import, and a fit does not need it
    from sklearn.metrics import accuracy_score
    return accuracy_score(*args, **kwargs)


@contextmanager
def checked_params(estimator, values):
    """Run a block with the checked values of the hyper-parameters in place.

    ``values`` maps parameter names to what validation returned (Python
    ``int``/``float``/``bool`` for NumPy scalars). Inside the block the
    estimator's attributes hold them, so every computation of ``fit`` uses
    checked values; afterwards the user's own objects are put back, so
    ``get_params`` and ``clone`` see exactly what was set (scikit-learn's rule
    that fitting does not change the hyper-parameters).
    """
    saved = {name: getattr(estimator, name) for name in values}
    try:
        for name, value in values.items():
            setattr(estimator, name, value)
        yield
    finally:
        for name, value in saved.items():
            setattr(estimator, name, value)


class SequenceRegressorMixin(RegressorMixin):
    """R^2 scoring that, like training, leaves out each sequence's washout.

    Every sequence starts from a zero state, so its first ``washout`` outputs
    are a transient; ``score`` (and so ``GridSearchCV`` with its default
    scoring on a ``TimeSeriesSplit``) judges the steps after it.
    """

    def score(self, X, y, sample_weight=None):
        """Coefficient of determination on the steps after each washout.

        Parameters
        ----------
        X, y : sequences as in ``fit``
        sample_weight : array-like of shape (n_timesteps,), optional
            Weights of the rows of a single sequence: finite, non-negative
            and not all zero after the washout.

        Returns
        -------
        score : float
        """
        washout = check_scalar_param(self.washout, "washout", kind=Integral, low=0)
        seqs = check_X(X)
        truth = check_y_like(y, seqs).arrays
        if any(t.shape[0] <= washout for t in truth):
            raise ValueError(f"washout={washout} leaves no step to score in a "
                             "sequence of X; pass longer sequences.")
        if sample_weight is not None:
            if seqs.kind != "single":
                raise ValueError("sample_weight applies to a single sequence X; "
                                 "pass it only with a 2-D X.")
            sample_weight = check_sample_weight(sample_weight, truth[0].shape[0])
            sample_weight = sample_weight[washout:]
            if not sample_weight.any():
                raise ValueError("sample_weight is zero on every step after the "
                                 f"washout ({washout} steps); nothing to score.")
        preds = check_y_like(self._predict_to_score(X, y), seqs).arrays
        y_true = np.concatenate([t[washout:] for t in truth])
        y_pred = np.concatenate([p[washout:] for p in preds])
        return _r2(y_true, y_pred, sample_weight)

    def _predict_to_score(self, X, y):
        """The predictions ``score`` judges (a model may use ``y`` to start)."""
        return self.predict(X)


def _r2(y_true, y_pred, weights=None):
    """R^2 averaged over outputs, as :func:`sklearn.metrics.r2_score` defines
    it (an exactly constant target scores 1 if predicted exactly, else 0),
    computed so that no scale breaks it.

    R^2 is invariant to scaling an output (truth and prediction alike) and the
    weights: each is brought to unit magnitude by a power of two (exact), and
    the two sums of squares are scaled apart before their ratio, so 1e300- or
    1e-300-scale data neither overflow nor underflow. Constant targets are
    found by exact comparison, not by a variance that rounding leaves at 1e-33
    (where r2_score returns -1e30).
    """
    n = y_true.shape[0]
    if n < 2:
        warnings.warn("R^2 is not well-defined with fewer than two samples.",
                      UndefinedMetricWarning, stacklevel=3)
        return float("nan")
    w = np.ones(n) if weights is None else weights / weights.max()
    live = w > 0
    scores = []
    for t, p in zip(y_true.T, y_pred.T):
        scale = _pow2(max(np.abs(t).max(), np.abs(p).max())) or 1.0
        t, p = t / scale, p / scale
        resid = t - p
        if np.all(t[live] == t[live][0]):
            scores.append(1.0 if not resid[live].any() else 0.0)
            continue
        dev = t - np.average(t, weights=w)
        s_res, s_tot = _pow2(np.abs(resid).max()), _pow2(np.abs(dev[live]).max())
        ss_res = np.dot(w, (resid / s_res) ** 2) if s_res else 0.0
        ss_tot = np.dot(w, (dev / s_tot) ** 2)
        with np.errstate(over="ignore", divide="ignore"):  # below -1.8e308: -inf
            ratio = np.float64(s_res) / s_tot
            scores.append(float(1.0 - ratio * ratio * (ss_res / ss_tot)))
    return float(np.mean(scores))


def _pow2(x):
    """The smallest power of two above ``x >= 0`` (0 for 0)."""
    return float(np.ldexp(1.0, np.frexp(x)[1])) if x else 0.0


class SequenceClassifierMixin(ClassifierMixin):
    """Classes, label codes and accuracy scoring of the sequence classifiers.

    ``fit`` learns ``classes_`` (sorted) from the labels and remembers
    whether they were given per sequence or per step (``_per_step``);
    ``score`` is the accuracy over sequences, or over the steps after each
    washout, as training counts them.
    """

    def _learn_classes(self, labels):
        """Set ``classes_`` and return the integer codes of ``labels.arrays``."""
        classes, codes = np.unique(labels.flat, return_inverse=True)
        if classes.shape[0] < 2:
            raise ValueError(
                f"y has only 1 class ({classes.tolist()[0]!r}); a classifier needs "
                "labels of at least two classes.")
        self.classes_ = classes
        self._per_step = labels.per_step
        self._label_name = labels.name
        bounds = np.cumsum([a.shape[0] for a in labels.arrays])[:-1]
        return np.split(codes.astype(np.int64), bounds)

    def _check_task(self, labels):
        """The labels must have the structure ``fit`` saw."""
        if labels.per_step != self._per_step:
            fitted = "per step" if self._per_step else "per sequence"
            given = "per step" if labels.per_step else "per sequence"
            raise ValueError(
                f"{type(self).__name__} was fitted with one label {fitted} but y "
                f"gives one label {given}; pass y with the structure used in fit.")

    def _encode(self, labels):
        """Integer codes of known labels (a ValueError names unknown ones)."""
        self._check_task(labels)
        codes = []
        for a in labels.arrays:
            try:
                pos = np.minimum(np.searchsorted(self.classes_, a),
                                 self.classes_.shape[0] - 1)
                unknown = np.asarray(self.classes_[pos] != a, dtype=bool)
                if unknown.shape != a.shape:
                    raise TypeError
            except TypeError:       # labels of another type than the classes
                lookup = {c: i for i, c in enumerate(self.classes_.tolist())}
                pos = np.array([lookup.get(v, 0) for v in a.tolist()], dtype=np.int64)
                unknown = np.array([v not in lookup for v in a.tolist()], dtype=bool)
            if np.any(unknown):
                raise ValueError(
                    f"y contains labels not seen in fit: "
                    f"{sorted(set(a[unknown].tolist()), key=str)}; the classes are "
                    f"{self.classes_.tolist()}.")
            codes.append(pos.astype(np.int64))
        return codes

    def score(self, X, y, sample_weight=None):
        """Accuracy: over sequences, or over the steps after each washout.

        Parameters
        ----------
        X : sequences as in ``fit``
        y : labels with the structure used in ``fit``
        sample_weight : array-like, optional
            One weight per sequence (many-to-one) or per step of a single
            sequence.

        Returns
        -------
        score : float
        """
        seqs = check_X(X)
        labels = check_labels(y, seqs)
        self._check_task(labels)
        if not self._per_step:
            if sample_weight is not None:
                sample_weight = check_sample_weight(sample_weight, len(seqs.arrays))
            return _accuracy_score(labels.arrays[0], np.asarray(self.predict(X)),
                                  sample_weight=sample_weight)
        w = check_scalar_param(self.washout, "washout", kind=Integral, low=0)
        if any(a.shape[0] <= w for a in labels.arrays):
            raise ValueError(f"washout={w} leaves no step to score in a sequence "
                             "of X; pass longer sequences.")
        if sample_weight is not None:
            if seqs.kind != "single":
                raise ValueError("sample_weight applies to the steps of a single "
                                 "sequence X, or to the sequences of many-to-one "
                                 "labels.")
            sample_weight = check_sample_weight(sample_weight, seqs.lengths[0])[w:]
            if not sample_weight.any():
                raise ValueError("sample_weight is zero on every step after the "
                                 f"washout ({w} steps); nothing to score.")
        pred = self.predict(X)
        preds = pred if isinstance(pred, list) else \
            ([pred] if seqs.kind == "single" else list(pred))
        y_true = np.concatenate([a[w:] for a in labels.arrays])
        y_pred = np.concatenate([np.asarray(p)[w:] for p in preds])
        return _accuracy_score(y_true, y_pred, sample_weight=sample_weight)
