"""Preprocessing of many sequences: a scaler that keeps their structure."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from ._compat import check_feature_names, transformer_tags
from ._sequences import check_X, restore

__all__ = ["SequenceScaler"]


class SequenceScaler(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Standardise each feature over every step of every sequence.

    :class:`sklearn.preprocessing.StandardScaler` needs one 2-D array, so it
    cannot stand in a pipeline before a sequence model fitted on a list of
    sequences (or a 3-D array). This step learns one mean and one standard
    deviation per feature from all steps of all training sequences, and
    returns its input's structure: a 2-D sequence, a list of them (lengths
    kept) or a 3-D array; pandas in, pandas out (index and columns kept).
    Under ``GridSearchCV`` with a list of sequences the folds split
    sequences, and the statistics come from the training folds only.

    Parameters
    ----------
    with_mean : bool, default=True
        Centre each feature.
    with_std : bool, default=True
        Scale each feature to unit variance (constant features are left
        unscaled).

    Attributes
    ----------
    mean_ : ndarray of shape (n_features_in_,) or None
    scale_ : ndarray of shape (n_features_in_,) or None
    var_ : ndarray of shape (n_features_in_,)
    n_samples_seen_ : int
        Steps over all sequences.
    n_features_in_ : int
    feature_names_in_ : ndarray
        Defined when the input had string column names.

    See Also
    --------
    ESNClassifier, ESNRegressor : sequence models to put after it.

    Examples
    --------
    >>> import numpy as np
    >>> from reservoir import SequenceScaler
    >>> X = [np.array([[0.0], [2.0]]), np.array([[4.0], [6.0], [8.0]])]
    >>> out = SequenceScaler().fit_transform(X)
    >>> [a.shape for a in out]
    [(2, 1), (3, 1)]
    >>> steps = np.concatenate(out)
    >>> round(float(steps.mean()), 12), round(float(steps.std()), 12)
    (0.0, 1.0)
    """

    def __init__(self, *, with_mean=True, with_std=True):
        self.with_mean = with_mean
        self.with_std = with_std

    def _validate_params(self):
        for flag in ("with_mean", "with_std"):
            if not isinstance(getattr(self, flag), (bool, np.bool_)):
                raise TypeError(f"{flag}={getattr(self, flag)!r} must be True or False.")

    def fit(self, X, y=None):
        """Learn the mean and standard deviation of every feature.

        Parameters
        ----------
        X : array-like of shape (n_timesteps, n_features), list of such, or
            3-D array (n_sequences, n_timesteps, n_features)
        y : ignored

        Returns
        -------
        self
        """
        self._validate_params()
        seqs = check_X(X, estimator_name=type(self).__name__)
        check_feature_names(self, seqs.feature_source, reset=True)
        n = seqs.total_length
        mean = sum(a.sum(axis=0) for a in seqs.arrays) / n
        var = sum(((a - mean) ** 2).sum(axis=0) for a in seqs.arrays) / n
        self.n_features_in_ = seqs.n_columns
        self.n_samples_seen_ = n
        self.var_ = var
        self.mean_ = mean if self.with_mean else None
        if self.with_std:
            scale = np.sqrt(var)
            # constant features (to round-off) keep their scale, as StandardScaler does
            scale[scale < 10 * np.finfo(np.float64).eps * np.maximum(1.0, np.abs(mean))] = 1.0
            self.scale_ = scale
        else:
            self.scale_ = None
        return self

    def _apply(self, X, inverse):
        check_is_fitted(self, "var_")
        seqs = check_X(X, n_features=self.n_features_in_,
                       estimator_name=type(self).__name__)
        check_feature_names(self, seqs.feature_source, reset=False)
        out = []
        for a in seqs.arrays:
            b = a.copy()
            if inverse:
                if self.scale_ is not None:
                    b *= self.scale_
                if self.mean_ is not None:
                    b += self.mean_
            else:
                if self.mean_ is not None:
                    b -= self.mean_
                if self.scale_ is not None:
                    b /= self.scale_
            out.append(b)
        return restore(out, seqs, columns=seqs.columns)

    def transform(self, X):
        """Standardised copy of ``X``, in its structure.

        Parameters
        ----------
        X : array-like of shape (n_timesteps, n_features), list of such, or
            3-D array (n_sequences, n_timesteps, n_features)

        Returns
        -------
        X_scaled : same structure as ``X``
        """
        return self._apply(X, inverse=False)

    def inverse_transform(self, X):
        """Undo :meth:`transform`.

        Parameters
        ----------
        X : array-like of shape (n_timesteps, n_features), list of such, or
            3-D array (n_sequences, n_timesteps, n_features)

        Returns
        -------
        X_original : same structure as ``X``
        """
        return self._apply(X, inverse=True)

    def __sklearn_tags__(self):
        tags = transformer_tags(super().__sklearn_tags__())
        tags.transformer_tags.preserves_dtype = ["float64"]
        return tags
