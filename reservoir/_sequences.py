"""One place that turns user input into sequences and back.

Sequence semantics (shared by every estimator):

* a 2-D array-like ``(n_timesteps, n_features)`` is ONE sequence;
* a list/tuple of 2-D array-likes (lengths may differ) or a 3-D array
  ``(n_sequences, n_timesteps, n_features)`` is MANY sequences;
* targets ``y`` mirror that structure, with 1-D (or, for a 3-D ``X``, 2-D)
  entries for a single output.

Everything that validates user data lives here: estimators call
:func:`check_X`, :func:`check_y_like` and :func:`restore` only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from numbers import Integral, Real

import numpy as np
import pandas as pd
import scipy.sparse as sp

__all__ = ["Sequences", "check_X", "check_y_like", "restore", "check_scalar_param",
           "check_future", "check_washout", "check_y_warmup"]


@dataclass
class Sequences:
    """Validated sequences plus what is needed to give results back the same way.

    Attributes
    ----------
    arrays : list of ndarray
        C-contiguous float64 arrays of shape (n_timesteps_i, n_columns).
    kind : {"single", "list", "array3d"}
    index : pandas.Index or None
        Index of a single pandas input (results are returned on it).
    indexes : list of pandas.Index or None
        Indexes of a list of pandas inputs.
    columns : list or None
        Column names of pandas input (None for numpy).
    name : object
        Name of a :class:`pandas.Series` input.
    was_1d : bool
        Entries were 1-D (targets with a single output).
    """

    arrays: list
    kind: str
    index: object = None
    indexes: object = None
    columns: object = None
    name: object = None
    was_1d: bool = False
    feature_source: object = field(default=None, repr=False)

    @property
    def lengths(self):
        return [a.shape[0] for a in self.arrays]

    @property
    def n_columns(self):
        return self.arrays[0].shape[1]

    @property
    def total_length(self):
        return int(sum(self.lengths))


def _describe(kind, i):
    return "" if kind == "single" else f" (sequence {i})"


def _as_float_array(obj, name, where):
    """Convert one entry to a float64 ndarray with clear errors."""
    if sp.issparse(obj):
        raise TypeError(
            f"{name}{where} is a sparse matrix; sparse input is not supported. "
            "Convert it with .toarray().")
    if isinstance(obj, (pd.DataFrame, pd.Series)):
        values = obj.to_numpy()
    else:
        values = np.asarray(obj)
    if values.dtype.kind == "c":
        raise ValueError(
            f"Complex data not supported: {name}{where} has dtype {values.dtype}. "
            "Pass the real and imaginary parts as separate columns.")
    if values.dtype.kind in "USV":
        raise ValueError(
            f"{name}{where} has dtype {values.dtype}; pass numeric data "
            "(convert strings to numbers first).")
    if values.dtype.kind == "M" or values.dtype.kind == "m":
        raise TypeError(
            f"{name}{where} has datetime dtype {values.dtype}; pass numeric "
            "values (time belongs in the index).")
    if values.dtype.kind == "O":
        # scikit-learn's convention: object arrays of numbers are numbers;
        # anything else (strings, dicts) is an error naming the argument.
        try:
            values = values.astype(np.float64)
        except (TypeError, ValueError) as exc:
            raise type(exc)(
                f"{name}{where} has object dtype with non-numeric entries "
                f"({exc}); the argument must be a string or a real number "
                "convertible to float.") from None
    return np.ascontiguousarray(values, dtype=np.float64)


def _check_finite(a, name, where):
    if not np.isfinite(a).all():
        bad = np.argwhere(~np.isfinite(a))[0]
        what = "NaN" if np.isnan(a[tuple(bad)]) else "infinity"
        pos = f"row {bad[0]}" + (f", column {bad[1]}" if a.ndim > 1 else "")
        raise ValueError(
            f"{name}{where} contains {what} at {pos}; remove or impute "
            "missing values before fitting (e.g. interpolate).")


def _is_list_of_sequences(X):
    """A list/tuple whose entries are 2-D (many sequences), not rows."""
    if not isinstance(X, (list, tuple)):
        return False
    first = X[0]
    if isinstance(first, pd.DataFrame):
        return True
    if isinstance(first, (pd.Series, list, tuple)) or hasattr(first, "shape"):
        return np.ndim(np.asarray(first, dtype=object)) >= 2
    return False


def check_X(X, name="X", *, n_features=None, estimator_name="estimator"):
    """Validate model inputs and split them into sequences.

    Parameters
    ----------
    X : array-like
        One 2-D sequence, a list of 2-D sequences or a 3-D array.
    name : str
        Argument name used in error messages.
    n_features : int, optional
        Expected number of columns (checked when given).

    Returns
    -------
    Sequences
    """
    if X is None:
        raise ValueError(f"{name} is None; pass an array-like of shape "
                         "(n_timesteps, n_features).")
    if isinstance(X, (list, tuple)) and len(X) == 0:
        raise ValueError(f"{name} is an empty list; pass at least one sequence.")
    if _is_list_of_sequences(X):
        entries, kind = list(X), "list"
    elif isinstance(X, (pd.DataFrame, pd.Series)) or sp.issparse(X):
        entries, kind = [X], "single"
    else:
        arr = _as_float_array(X, name, "")
        if arr.ndim == 3:
            if arr.shape[0] == 0:
                raise ValueError(f"{name} has no sequences (shape {arr.shape}).")
            entries, kind = list(arr), "array3d"
        else:
            entries, kind = [arr], "single"

    arrays = []
    for i, entry in enumerate(entries):
        where = _describe(kind, i)
        a = _as_float_array(entry, name, where)
        if a.ndim != 2:
            hint = ("Reshape your data either using array.reshape(-1, 1) if "
                    "your data has a single feature or array.reshape(1, -1) if "
                    "it contains a single sample.") if a.ndim == 1 else ""
            raise ValueError(
                f"Expected 2D array, got {a.ndim}D array instead: {name}{where} "
                f"must have shape (n_timesteps, n_features). {hint}".rstrip())
        if a.shape[0] == 0:
            raise ValueError(
                f"{name}{where} has 0 timesteps (shape {a.shape}); a minimum "
                "of 1 sample is required.")
        if a.shape[1] == 0:
            raise ValueError(
                f"{name}{where} has 0 feature(s) (shape={a.shape}) while a "
                "minimum of 1 is required.")
        _check_finite(a, name, where)
        arrays.append(a)

    widths = {a.shape[1] for a in arrays}
    if len(widths) > 1:
        raise ValueError(f"All sequences of {name} must have the same number of "
                         f"features; got {sorted(widths)}.")
    if n_features is not None and arrays[0].shape[1] != n_features:
        raise ValueError(
            f"X has {arrays[0].shape[1]} features, but {estimator_name} is "
            f"expecting {n_features} features as input.")

    seqs = Sequences(arrays=arrays, kind=kind)
    first = entries[0]
    if isinstance(first, pd.DataFrame):
        seqs.columns = list(first.columns)
        seqs.feature_source = first
    if kind == "single" and isinstance(X, (pd.DataFrame, pd.Series)):
        seqs.index = X.index
    if kind == "list" and all(isinstance(e, (pd.DataFrame, pd.Series)) for e in entries):
        seqs.indexes = [e.index for e in entries]
    return seqs


def check_y_like(y, X_seqs, name="y"):
    """Validate targets against already-validated inputs.

    ``y`` must have the same structure and sequence lengths as ``X``. Returns
    :class:`Sequences` whose arrays are 2-D (single outputs become one column,
    and ``was_1d`` remembers it).
    """
    if y is None:
        raise ValueError(f"This estimator requires y to be passed, but the target "
                         f"y is None; pass targets aligned with X.")
    kind = X_seqs.kind
    if kind == "single":
        entries = [y]
        if isinstance(y, (list, tuple)) and len(y) and isinstance(y[0], pd.DataFrame):
            raise ValueError(f"{name} is a list of sequences but X is a single "
                             "sequence; pass them with the same structure.")
    elif kind == "list":
        if not isinstance(y, (list, tuple)):
            raise ValueError(f"X is a list of {len(X_seqs.arrays)} sequences, so "
                             f"{name} must be a list of the same length.")
        entries = list(y)
    else:
        y_arr = _as_float_array(y, name, "")
        if y_arr.ndim not in (2, 3) or y_arr.shape[0] != len(X_seqs.arrays):
            raise ValueError(
                f"X is a 3-D array of {len(X_seqs.arrays)} sequences, so {name} "
                f"must be (n_sequences, n_timesteps[, n_outputs]); got shape "
                f"{y_arr.shape}.")
        entries = list(y_arr)
    if len(entries) != len(X_seqs.arrays):
        raise ValueError(f"{name} has {len(entries)} sequences but X has "
                         f"{len(X_seqs.arrays)}; they must be aligned.")

    arrays, dims = [], set()
    for i, (entry, x) in enumerate(zip(entries, X_seqs.arrays)):
        where = _describe(kind, i)
        a = _as_float_array(entry, name, where)
        if a.ndim == 0 or a.ndim > 2:
            raise ValueError(f"{name}{where} must be 1-D (n_timesteps,) or 2-D "
                             f"(n_timesteps, n_outputs); got shape {a.shape}.")
        dims.add(a.ndim)
        if a.shape[0] != x.shape[0]:
            raise ValueError(
                f"{name}{where} has {a.shape[0]} timesteps but X{where} has "
                f"{x.shape[0]}; inconsistent numbers of samples: targets must be "
                "aligned with the inputs row by row.")
        _check_finite(a, name, where)
        arrays.append(np.ascontiguousarray(a.reshape(a.shape[0], -1)))
    if len(dims) > 1:
        raise ValueError(f"All sequences of {name} must have the same dimensionality.")
    widths = {a.shape[1] for a in arrays}
    if len(widths) > 1:
        raise ValueError(f"All sequences of {name} must have the same number of "
                         f"outputs; got {sorted(widths)}.")
    seqs = Sequences(arrays=arrays, kind=kind, was_1d=dims == {1})
    first = entries[0]
    if isinstance(first, pd.DataFrame):
        seqs.columns = list(first.columns)
    elif isinstance(first, pd.Series):
        seqs.name = first.name
    return seqs


def restore(arrays, like, *, columns=None, name=None, squeeze=False):
    """Give per-sequence 2-D results back in the structure of the input.

    Parameters
    ----------
    arrays : list of ndarray (n_timesteps_i, n_columns)
    like : Sequences
        The validated input whose structure and index are reused.
    columns : list, optional
        Column names for pandas output.
    name : object, optional
        Series name when a single column is squeezed to a Series.
    squeeze : bool
        Return 1-D entries (or a Series) for single-column results.
    """
    squeeze = squeeze and arrays[0].shape[1] == 1

    def one(a, index):
        if index is not None:
            if squeeze:
                return pd.Series(a[:, 0], index=index, name=name)
            return pd.DataFrame(a, index=index, columns=columns)
        return a[:, 0] if squeeze else a

    if like.kind == "single":
        return one(arrays[0], like.index)
    if like.kind == "list":
        idx = like.indexes or [None] * len(arrays)
        return [one(a, i) for a, i in zip(arrays, idx)]
    # array3d: sequences have equal length by construction
    stacked = np.stack(arrays)
    return stacked[..., 0] if squeeze else stacked


def check_scalar_param(value, name, *, kind=Real, low=None, high=None,
                       low_inclusive=True, high_inclusive=True, hint=""):
    """Validate one hyper-parameter, naming it, its value and the fix."""
    if isinstance(value, bool) or not isinstance(value, kind):
        what = "an integer" if kind is Integral else "a real number"
        raise TypeError(f"{name}={value!r} must be {what}. {hint}".rstrip())
    if not np.isfinite(value):
        raise ValueError(f"{name}={value!r} must be finite. {hint}".rstrip())
    bad_low = low is not None and (value < low if low_inclusive else value <= low)
    bad_high = high is not None and (value > high if high_inclusive else value >= high)
    if bad_low or bad_high:
        lo = "" if low is None else ("[" if low_inclusive else "(") + f"{low}"
        hi = "" if high is None else f"{high}" + ("]" if high_inclusive else ")")
        rng = f"{lo or '(-inf'}, {hi or 'inf)'}"
        raise ValueError(f"{name}={value!r} must be in {rng}. {hint}".rstrip())
    return value


def check_future(X_future, n_steps, n_features, n_outputs):
    """Validate the known input columns of closed-loop generation.

    A model that generates feeds back its ``n_outputs`` predictions as the
    first input columns; the other ``n_features - n_outputs`` columns are
    known in advance and given for the ``n_steps - 1`` steps after the first.

    Returns
    -------
    future : ndarray of shape (n_steps - 1, n_features - n_outputs)
    """
    extra = n_features - n_outputs
    if extra < 0:
        raise ValueError(
            f"generate feeds outputs back as inputs, so the model needs at least "
            f"as many input features ({n_features}) as outputs ({n_outputs}); "
            "fit it to predict its next input.")
    if extra == 0:
        if X_future is not None and np.size(X_future) != 0:
            raise ValueError("X_future was given but the model has no input "
                             "columns besides its fed-back outputs.")
        return np.zeros((max(n_steps - 1, 0), 0))
    if X_future is None:
        raise ValueError(
            f"The model has {extra} input column(s) besides its fed-back "
            f"outputs; pass their future values as X_future of shape "
            f"({n_steps - 1}, {extra}).")
    future = _as_float_array(X_future, "X_future", "")
    if future.ndim == 1 and extra == 1:
        future = future[:, None]
    if future.ndim != 2 or future.shape[1] != extra or future.shape[0] < n_steps - 1:
        raise ValueError(
            f"X_future must have shape ({n_steps - 1}, {extra}) (the known "
            f"columns of the steps after the first); got {future.shape}.")
    _check_finite(future, "X_future", "")
    return np.ascontiguousarray(future[:n_steps - 1])


def check_washout(seqs, washout, name="X"):
    """Every sequence must be longer than ``washout`` (its first steps are
    run but not fitted, so a sequence not longer leaves nothing to learn)."""
    for i, T in enumerate(seqs.lengths):
        if T <= washout:
            where = "" if seqs.kind == "single" else f" (sequence {i})"
            raise ValueError(
                f"washout={washout} must be smaller than the sequence length "
                f"({T}) of {name}{where}; reduce washout or pass a longer series.")


def check_y_warmup(y_warmup, X_seqs, n_outputs, name="y_warmup"):
    """Validate the teacher-forced start of a run with output feedback.

    ``y_warmup`` has the structure of ``y`` for ``X``, but each sequence's
    entry may be shorter than its ``X``: it holds the true outputs of the
    first rows, which are fed back instead of the model's own predictions.

    Returns
    -------
    list of ndarray of shape (n_warmup_i, n_outputs)
    """
    kind, arrays = X_seqs.kind, X_seqs.arrays
    if kind == "single":
        entries = [y_warmup]
    elif kind == "list":
        if not isinstance(y_warmup, (list, tuple)):
            raise ValueError(f"X is a list of {len(arrays)} sequences, so {name} "
                             "must be a list of the same length.")
        entries = list(y_warmup)
    else:
        arr = _as_float_array(y_warmup, name, "")
        if arr.ndim not in (2, 3) or arr.shape[0] != len(arrays):
            raise ValueError(
                f"X is a 3-D array of {len(arrays)} sequences, so {name} must be "
                f"(n_sequences, n_warmup[, n_outputs]); got shape {arr.shape}.")
        entries = list(arr)
    if len(entries) != len(arrays):
        raise ValueError(f"{name} has {len(entries)} sequences but X has "
                         f"{len(arrays)}; they must be aligned.")
    out = []
    for i, (entry, x) in enumerate(zip(entries, arrays)):
        where = _describe(kind, i)
        a = _as_float_array(entry, name, where)
        if a.ndim == 1 and n_outputs == 1:
            a = a.reshape(-1, 1)
        if a.ndim != 2 or a.shape[1] != n_outputs:
            raise ValueError(
                f"{name}{where} must have shape (n_warmup, {n_outputs}) (the true "
                f"outputs of the first rows of X); got shape {a.shape}.")
        if a.shape[0] > x.shape[0]:
            raise ValueError(
                f"{name}{where} has {a.shape[0]} rows but X{where} has only "
                f"{x.shape[0]}; the warm-up covers the first rows of X.")
        _check_finite(a, name, where)
        out.append(np.ascontiguousarray(a))
    return out
