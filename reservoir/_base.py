"""What every sequence regressor of the package shares."""

from __future__ import annotations

from contextlib import contextmanager
from numbers import Integral

import numpy as np
from sklearn.base import RegressorMixin
from sklearn.metrics import r2_score

from ._sequences import check_sample_weight, check_scalar_param, check_X, check_y_like

__all__ = ["SequenceRegressorMixin", "checked_params"]


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
        preds = check_y_like(self.predict(X), seqs).arrays
        y_true = np.concatenate([t[washout:] for t in truth])
        y_pred = np.concatenate([p[washout:] for p in preds])
        # R^2 is invariant to scaling an output (truth and prediction alike);
        # scaling to unit magnitude keeps the squares of 1e300- or
        # 1e-300-scale data from overflowing or underflowing.
        scale = np.maximum(np.abs(y_true).max(axis=0), np.abs(y_pred).max(axis=0))
        scale[scale == 0] = 1.0
        return r2_score(y_true / scale, y_pred / scale, sample_weight=sample_weight)
