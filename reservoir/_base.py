"""What every sequence regressor of the package shares."""

from __future__ import annotations

import numpy as np
from sklearn.base import RegressorMixin
from sklearn.metrics import r2_score

from ._sequences import check_X, check_y_like

__all__ = ["SequenceRegressorMixin"]


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
        pred = self._predict_to_score(X, y)
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

    def _predict_to_score(self, X, y):
        """The predictions ``score`` judges (a model may use ``y`` to start)."""
        return self.predict(X)
