"""What every sequence regressor (and every sequence classifier) of the
package shares."""

from __future__ import annotations

import numpy as np
from sklearn.base import ClassifierMixin, RegressorMixin
from sklearn.metrics import accuracy_score, r2_score

from ._sequences import check_labels, check_X, check_y_like

__all__ = ["SequenceRegressorMixin", "SequenceClassifierMixin"]


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
            Weights of the rows of a single sequence.

        Returns
        -------
        score : float
        """
        pred = self.predict(X)
        seqs = check_X(X)
        truth = check_y_like(y, seqs).arrays
        preds = check_y_like(pred, seqs).arrays
        w = self.washout
        if any(t.shape[0] <= w for t in truth):
            raise ValueError(f"washout={w} leaves no step to score in a sequence "
                             "of X; pass longer sequences.")
        y_true = np.concatenate([t[w:] for t in truth])
        y_pred = np.concatenate([p[w:] for p in preds])
        if sample_weight is not None:
            if seqs.kind != "single":
                raise ValueError("sample_weight applies to a single sequence X.")
            sample_weight = np.asarray(sample_weight)[w:]
        return r2_score(y_true, y_pred, sample_weight=sample_weight)


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
        pred = self.predict(X)
        if not self._per_step:
            return accuracy_score(labels.arrays[0], np.asarray(pred),
                                  sample_weight=sample_weight)
        preds = pred if isinstance(pred, list) else \
            ([pred] if seqs.kind == "single" else list(pred))
        w = self.washout
        if any(a.shape[0] <= w for a in labels.arrays):
            raise ValueError(f"washout={w} leaves no step to score in a sequence "
                             "of X; pass longer sequences.")
        y_true = np.concatenate([a[w:] for a in labels.arrays])
        y_pred = np.concatenate([np.asarray(p)[w:] for p in preds])
        if sample_weight is not None:
            if seqs.kind != "single":
                raise ValueError("sample_weight applies to the steps of a single "
                                 "sequence X, or to the sequences of many-to-one "
                                 "labels.")
            sample_weight = np.asarray(sample_weight)[w:]
        return accuracy_score(y_true, y_pred, sample_weight=sample_weight)
