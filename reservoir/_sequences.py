"""One place that turns user input into sequences and back.

Sequence semantics (shared by every estimator):

* a 2-D array-like ``(n_timesteps, n_features)`` is ONE sequence;
* a list/tuple of 2-D array-likes (lengths may differ) or a 3-D array
  ``(n_sequences, n_timesteps, n_features)`` is MANY sequences;
* targets ``y`` mirror that structure, with 1-D (or, for a 3-D ``X``, 2-D)
  entries for a single output.

Everything that validates user data lives here: estimators call
:func:`check_X`, :func:`check_y_like` and :func:`restore` only (and the
classifiers :func:`check_labels` and :func:`restore_labels`).

Classifiers read the task from the structure of ``y``: one label per sequence
(a 1-D ``y`` of length n_sequences beside a list or 3-D ``X``) is
many-to-one; one label per step (a list of 1-D label arrays, a 2-D
``(n_sequences, n_timesteps)`` array, or a 1-D ``y`` aligned with a single
2-D ``X``) is per-step labelling.
"""

from __future__ import annotations

import math
import os
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field
from numbers import Integral, Real

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.exceptions import DataConversionWarning
from sklearn.utils.multiclass import check_classification_targets

__all__ = ["Sequences", "check_X", "check_y_like", "restore", "check_scalar_param",
           "check_sample_weight", "check_future", "check_washout", "check_vector",
           "allocate_steps", "check_generated_finite", "check_dtype_range",
           "check_random_state_param", "memory_for", "Labels", "check_labels",
           "restore_labels", "check_y_warmup"]


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


def _pandas_values(obj):
    """The values of a DataFrame/Series; numeric (nullable included) -> float64.

    Nullable columns (``Float64``, ``Int64``, ``boolean``) hold ``pd.NA`` for
    missing values; reading them as float64 turns those into NaN, which the
    finiteness check then reports with its position.
    """
    dtypes = obj.dtypes if isinstance(obj, pd.DataFrame) else [obj.dtype]
    if all(pd.api.types.is_numeric_dtype(d) or pd.api.types.is_bool_dtype(d)
           for d in dtypes) and not any(pd.api.types.is_complex_dtype(d)
                                        for d in dtypes):
        return obj.to_numpy(dtype=np.float64, na_value=np.nan)
    return obj.to_numpy()


# Entries of an object array that float() would accept or mis-read but that
# are not numbers: strings ("1.5" would silently become 1.5) and missing values.
_NOT_NUMBERS = (str, bytes, type(None), type(pd.NA))


def _object_to_float(values, name, where):
    """Object arrays of real numbers are numbers (scikit-learn's convention);
    strings, None, complex or other objects are an error naming the argument."""
    flat = values.ravel().tolist()
    if any(issubclass(t, _NOT_NUMBERS) for t in set(map(type, flat))):
        i = next(i for i, v in enumerate(flat) if isinstance(v, _NOT_NUMBERS))
        v = flat[i]
        what = (f"the string {v!r}" if isinstance(v, (str, bytes))
                else "a missing value (None/pd.NA)")
        pos = tuple(int(p) for p in np.unravel_index(i, values.shape))
        raise TypeError(
            f"{name}{where} has object dtype and holds {what} at position "
            f"{pos}; pass real numbers (convert strings with pd.to_numeric, "
            "and missing values to NaN, then impute them).")
    try:
        return values.astype(np.float64)
    except OverflowError:
        raise ValueError(
            f"{name}{where} holds an integer too large for float64 (beyond "
            "about 1.8e308); rescale it.") from None
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"{name}{where} has object dtype with entries that are not real "
            f"numbers ({exc}); pass numeric data.") from None


def _asarray(obj, name, where):
    """``np.asarray`` whose failures (ragged nested lists...) name the argument."""
    try:
        return np.asarray(obj)
    except ValueError as exc:
        raise ValueError(
            f"{name}{where} cannot be read as an array: {exc} Nested lists must "
            "be rectangular: pass a 2-D array-like (n_timesteps, n_features) "
            "or a list of them for sequences of different lengths.") from None


def _as_float_array(obj, name, where):
    """Convert one entry to a float64 ndarray with clear errors."""
    if sp.issparse(obj):
        raise TypeError(
            f"{name}{where} is a sparse matrix; sparse input is not supported. "
            "Convert it with .toarray().")
    if isinstance(obj, (pd.DataFrame, pd.Series)):
        values = _pandas_values(obj)
    else:
        values = _asarray(obj, name, where)
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
        values = _object_to_float(values, name, where)
    elif values.dtype.kind not in "biuf":
        raise TypeError(f"{name}{where} has dtype {values.dtype}; pass numeric "
                        "data.")
    elif values.dtype.kind == "f" and values.dtype.itemsize > 8 and values.size:
        big = np.abs(values[np.isfinite(values)], dtype=values.dtype)
        if big.size and big.max() > np.finfo(np.float64).max:
            raise ValueError(
                f"{name}{where} holds values beyond the float64 range (up to "
                f"{big.max():.3g}); rescale it.")
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
        try:
            return np.ndim(np.asarray(first, dtype=object)) >= 2
        except ValueError:          # ragged beyond what an object array holds
            return False
    return False


def _check_same_columns(entries, name):
    """Sequences given as DataFrames must all have the same columns, in the
    same order: they are read by position, so a reordered frame would be
    silently mis-read."""
    frames = [isinstance(e, pd.DataFrame) for e in entries]
    if not any(frames):
        return
    if not all(frames):
        i = frames.index(not frames[0])
        what = [("an " if t[0] in "aeiou" else "a ") + t
                for t in (type(entries[0]).__name__, type(entries[i]).__name__)]
        raise ValueError(
            f"{name} (sequence 0) is {what[0]} but {name} (sequence {i}) is "
            f"{what[1]}; pass every sequence the same way (all DataFrames with "
            "the same columns, or all arrays).")
    first = entries[0].columns
    for i, e in enumerate(entries[1:], start=1):
        if not e.columns.equals(first):
            raise ValueError(
                f"{name} (sequence {i}) has columns {list(e.columns)} but "
                f"{name} (sequence 0) has {list(first)}; every sequence must "
                f"have the same columns in the same order (reorder with "
                f"frame[{list(first)}]).")


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
        _check_same_columns(entries, name)
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
        if entries:
            _check_same_columns(entries, name)
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
        # As pandas does when it combines Series: a name kept only if shared.
        names = {_hashable(e.name) if isinstance(e, pd.Series) else None
                 for e in entries}
        seqs.name = first.name if len(names) == 1 else None
    return seqs


def _hashable(value):
    try:
        hash(value)
        return value
    except TypeError:
        return repr(value)


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


_FLOAT_MAX = float(np.finfo(np.float64).max)


def check_scalar_param(value, name, *, kind=Real, low=None, high=None,
                       low_inclusive=True, high_inclusive=True, hint=""):
    """Validate one hyper-parameter, naming it, its value and the fix.

    Parameters
    ----------
    value : object
        The value to check. ``bool`` (Python or NumPy) is refused: it is an
        ``Integral`` to Python but never a count or a rate.
    name : str
        The parameter's name, used in the messages.
    kind : type or tuple of types, default=numbers.Real
        ``numbers.Integral`` for counts, ``numbers.Real`` for real numbers.
    low, high : real, optional
        Bounds; ``low_inclusive``/``high_inclusive`` say whether they are
        allowed.
    hint : str
        How to fix a bad value, appended to the message.

    Returns
    -------
    value : int or float
        The value as a Python ``int`` (integral input) or ``float``. NumPy
        scalars come back as Python numbers, so arithmetic with them cannot
        overflow a small integer type (``np.int16(5) * 10**6``) or wrap an
        unsigned one (``-np.uint8(60)``): use the returned value, not the
        argument.

    Raises
    ------
    TypeError
        If ``value`` is not of ``kind`` (or is a bool).
    ValueError
        If it is NaN, infinite or out of bounds.
    """
    shown = _short_repr(value)
    if isinstance(value, (np.timedelta64, np.datetime64)):
        # NumPy registers timedelta64 as an Integral, but a duration is not a
        # count: say which number to pass instead of failing inside int()
        raise TypeError(f"{name}={shown} is a {type(value).__name__}, not a "
                        f"number; pass the count of steps as an int (or the "
                        f"value as a float). {hint}".rstrip())
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, kind):
        what = "an integer" if kind is Integral else "a real number"
        raise TypeError(f"{name}={shown} must be {what}. {hint}".rstrip())
    if isinstance(value, Integral):
        value = int(value)
        if kind is not Integral and abs(value) > _FLOAT_MAX:
            raise ValueError(f"{name}={shown} is beyond the float range and "
                             f"cannot be used as a real number. {hint}".rstrip())
    else:
        try:
            value = float(value)
        except (OverflowError, TypeError, ValueError):
            raise TypeError(f"{name}={shown} must be a real number that "
                            f"fits in a float. {hint}".rstrip()) from None
        if not math.isfinite(value):
            raise ValueError(f"{name}={shown} must be finite. {hint}".rstrip())
    bad_low = low is not None and (value < low if low_inclusive else value <= low)
    bad_high = high is not None and (value > high if high_inclusive else value >= high)
    if bad_low or bad_high:
        lo = "" if low is None else ("[" if low_inclusive else "(") + f"{low}"
        hi = "" if high is None else f"{high}" + ("]" if high_inclusive else ")")
        rng = f"{lo or '(-inf'}, {hi or 'inf)'}"
        raise ValueError(f"{name}={shown} must be in {rng}. {hint}".rstrip())
    return value


def _short_repr(value, width=60):
    text = repr(value)
    return text if len(text) <= width else text[:width - 3] + "..."


def check_sample_weight(sample_weight, n_samples, name="sample_weight"):
    """Validate row weights: 1-D, ``n_samples`` long, finite, >= 0, not all 0.

    Returns
    -------
    weights : ndarray of shape (n_samples,), float64
    """
    w = _as_float_array(sample_weight, name, "")
    if w.ndim != 1 or w.shape[0] != n_samples:
        raise ValueError(
            f"{name} must have shape ({n_samples},) (one weight per row); got "
            f"shape {w.shape}.")
    _check_finite(w, name, "")
    if (w < 0).any():
        i = int(np.flatnonzero(w < 0)[0])
        raise ValueError(f"{name} must be non-negative; found {w[i]} at row {i}.")
    if not w.any():
        raise ValueError(f"{name} is all zero; at least one row must count.")
    return w


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


def check_vector(value, name, length):
    """A finite 1-D float64 array of ``length`` values (e.g. a state)."""
    v = _as_float_array(value, name, "")
    if v.shape != (length,):
        raise ValueError(f"{name} must be a finite array of shape ({length},); "
                         f"got shape {v.shape}.")
    _check_finite(v, name, "")
    return v


def allocate_steps(n_steps, width, dtype=np.float64, name="n_steps"):
    """An uninitialised ``(n_steps, width)`` output array, or a ValueError
    naming ``n_steps`` when it cannot be held in memory."""
    try:
        return np.empty((n_steps, width), dtype=dtype)
    except (MemoryError, ValueError):
        size = n_steps * max(width, 1) * np.dtype(dtype).itemsize
        raise ValueError(
            f"{name}={n_steps} needs {size:.3g} bytes for the output, more than "
            f"this machine can allocate; ask for fewer steps.") from None


def check_generated_finite(out, hint="Refit with a larger alpha (ridge) or a "
                           "smaller spectral_radius, or generate fewer steps."):
    """A closed loop that leaves the float range has diverged: say where."""
    if not np.isfinite(out).all():
        step = int(np.argwhere(~np.isfinite(out))[0][0])
        raise ValueError(
            f"generate: the closed-loop run diverged (non-finite output at step "
            f"{step} of n_steps={out.shape[0]}): the fed-back predictions grow "
            f"without bound. {hint}")


def check_dtype_range(seqs, dtype, name="X"):
    """Every value must fit in the model's ``dtype`` (``'float32'`` models read
    nothing beyond about 3.4e38: it would become inf)."""
    limit = np.finfo(dtype).max
    for i, a in enumerate(seqs.arrays):
        big = np.abs(a) > limit
        if big.any():
            r, c = (int(v) for v in np.argwhere(big)[0])
            where = _describe(seqs.kind, i)
            raise ValueError(
                f"{name}{where} holds {a[r, c]:.3g} at row {r}, column {c}, "
                f"beyond the range of dtype='{np.dtype(dtype).name}' (about "
                f"{limit:.2g}); rescale it (e.g. StandardScaler) or use "
                "dtype='float64'.")


def check_random_state_param(random_state, name="random_state"):
    """:func:`sklearn.utils.check_random_state` with errors that name the
    argument (NumPy's own says only "Seed must be between 0 and 2**32 - 1")."""
    from sklearn.utils import check_random_state
    if isinstance(random_state, (bool, np.bool_)):
        raise TypeError(f"{name}={random_state!r} must be None, an int seed or a "
                        "numpy.random.RandomState.")
    try:
        return check_random_state(random_state)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name}={_short_repr(random_state)} is not a valid seed "
                         f"({exc}); pass None, an int in [0, 2**32 - 1] or a "
                         "numpy.random.RandomState.") from None


def _physical_memory():
    """Bytes of RAM of this machine, or None where the OS does not say."""
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, OSError, ValueError):
        return None


@contextmanager
def memory_for(n_bytes, what):
    """Allocate inside the block, or raise a ValueError naming ``what``
    (e.g. ``"n_reservoir=100000000"``) when ``n_bytes`` cannot be held.

    Refused up front beyond the machine's physical memory (before any work
    whose own size grows with the request, such as a list of layer names), and
    when the allocation itself fails: NumPy's refusals of such sizes
    (MemoryError, "array is too big") do not name the argument.
    """
    ram = _physical_memory()
    limit = ram if ram else np.iinfo(np.intp).max
    if n_bytes > limit:
        raise ValueError(f"{what} needs {n_bytes:.3g} bytes, more than this "
                         f"machine's memory ({limit:.3g} bytes); pass a smaller "
                         "value.")
    try:
        yield
    except MemoryError:
        raise ValueError(f"{what} needs {n_bytes:.3g} bytes, more memory than "
                         "this machine can allocate now; pass a smaller "
                         "value.") from None


# -- class labels -------------------------------------------------------------

@dataclass
class Labels:
    """Validated class labels and the task their structure gives.

    Attributes
    ----------
    per_step : bool
        True for one label per step (sequence labelling), False for one label
        per sequence (many-to-one).
    arrays : list of ndarray
        Per-step: the 1-D labels of each sequence. Many-to-one: one 1-D array
        of the n_sequences labels.
    name : object
        Name of a :class:`pandas.Series` of labels.
    """

    per_step: bool
    arrays: list
    name: object = None

    @property
    def flat(self):
        """All labels as one 1-D array (sequences concatenated)."""
        return np.concatenate(self.arrays) if len(self.arrays) > 1 else self.arrays[0]


def _label_array(entry, name, where):
    """One 1-D array of labels (any hashable values) with clear errors."""
    if sp.issparse(entry):
        raise TypeError(f"{name}{where} is a sparse matrix; pass the labels as "
                        "a 1-D array.")
    values = entry.to_numpy() if isinstance(entry, (pd.Series, pd.DataFrame)) \
        else np.asarray(entry)
    if values.ndim == 2 and values.shape[1] == 1:
        warnings.warn(
            f"A column-vector {name}{where} was passed when a 1d array was "
            "expected. Please change the shape of y to (n_samples,), for "
            "example using ravel().", DataConversionWarning, stacklevel=4)
        values = values[:, 0]
    if values.ndim != 1:
        raise ValueError(
            f"{name}{where} must be 1-D labels; got shape {values.shape}. "
            "Multi-output classification is not supported: fit one classifier "
            "per output.")
    if values.dtype.kind == "f" and not np.isfinite(values).all():
        bad = int(np.flatnonzero(~np.isfinite(values))[0])
        raise ValueError(f"{name}{where} contains {values[bad]} at position {bad}; "
                         "every step or sequence needs a class label.")
    if values.dtype.kind == "O":
        missing = [i for i, v in enumerate(values)
                   if v is None or (isinstance(v, float) and v != v)]
        if missing:
            raise ValueError(f"{name}{where} contains a missing label "
                             f"({values[missing[0]]!r}) at position {missing[0]}; "
                             "every step or sequence needs a class label.")
    return values


def check_labels(y, X_seqs, name="y"):
    """Validate class labels against already-validated inputs.

    The structure of ``y`` decides the task (see the module docstring):

    * ``X`` one 2-D sequence: ``y`` 1-D, one label per step;
    * ``X`` a list of n sequences: ``y`` 1-D of length n (one label per
      sequence), or a list of n 1-D arrays aligned with the sequences;
    * ``X`` a 3-D array (n, T, F): ``y`` (n,) or (n, T).

    Labels may be any hashable values (numbers, strings, ...); the targets are
    checked as scikit-learn's classifiers check theirs (a continuous ``y`` is
    an "Unknown label type" error).

    Returns
    -------
    Labels
    """
    if y is None:
        raise ValueError("This estimator requires y to be passed, but the target "
                         "y is None; pass class labels for the sequences of X.")
    n = len(X_seqs.arrays)
    lengths = X_seqs.lengths
    kind = X_seqs.kind
    series_name = y.name if isinstance(y, pd.Series) else None
    if kind == "single":
        values = _label_array(y, name, "")
        if values.shape[0] != lengths[0]:
            raise ValueError(
                f"{name} has {values.shape[0]} labels but X is one sequence of "
                f"{lengths[0]} steps: label every step, or pass X as a list of "
                "sequences (or a 3-D array) for one label per sequence.")
        labels = Labels(per_step=True, arrays=[values], name=series_name)
    elif kind == "list" and isinstance(y, (list, tuple)) and len(y) \
            and all(np.ndim(e) >= 1 for e in y):
        if len(y) != n:
            raise ValueError(f"{name} has {len(y)} label sequences but X has {n} "
                             "sequences; they must be aligned.")
        arrays = []
        for i, (entry, T) in enumerate(zip(y, lengths)):
            a = _label_array(entry, name, f" (sequence {i})")
            if a.shape[0] != T:
                raise ValueError(
                    f"{name} (sequence {i}) has {a.shape[0]} labels but X "
                    f"(sequence {i}) has {T} steps; per-step labels must be "
                    "aligned with the inputs.")
            arrays.append(a)
        labels = Labels(per_step=True, arrays=arrays)
    else:
        values = y.to_numpy() if isinstance(y, (pd.Series, pd.DataFrame)) \
            else np.asarray(y)
        if values.ndim == 2 and values.shape[0] == n and values.shape[1] > 1 \
                and (kind == "array3d" or len(set(lengths)) == 1):
            if values.shape[1] != lengths[0]:
                raise ValueError(
                    f"{name} has shape {values.shape} but X has {n} sequences "
                    f"of {lengths[0]} steps: pass ({n},) for one label per "
                    f"sequence or ({n}, {lengths[0]}) for one per step.")
            labels = Labels(per_step=True,
                            arrays=[_label_array(row, name, f" (sequence {i})")
                                    for i, row in enumerate(values)])
        else:
            values = _label_array(values, name, "")
            if values.shape[0] != n:
                raise ValueError(
                    f"{name} has {values.shape[0]} labels but X has {n} "
                    f"sequences: pass one label per sequence, or a list of "
                    "per-step label arrays.")
            labels = Labels(per_step=False, arrays=[values], name=series_name)
    check_classification_targets(labels.flat)
    return labels


def restore_labels(values, like, per_step, *, name=None, columns=None):
    """Per-sequence results back in the structure of the input.

    Parameters
    ----------
    values : list of ndarray
        Per step: one array (n_timesteps_i, ...) per sequence. Many-to-one: a
        single array (n_sequences, ...).
    like : Sequences
        The validated input.
    per_step : bool
    name : object, optional
        Name of a returned :class:`pandas.Series` (per-step labels of pandas
        input).
    columns : list, optional
        Column names of a returned :class:`pandas.DataFrame` (per-step
        probabilities of pandas input).

    Returns
    -------
    Many-to-one: ``values[0]``. Per step: an array for a single sequence (a
    Series or DataFrame on its index for pandas input), a list for a list, a
    stacked array (n_sequences, n_timesteps, ...) for a 3-D array.
    """
    if not per_step:
        return values[0]

    def one(a, index):
        if index is None:
            return a
        if a.ndim == 1:
            return pd.Series(a, index=index, name=name)
        return pd.DataFrame(a, index=index, columns=columns)

    if like.kind == "single":
        return one(values[0], like.index)
    if like.kind == "list":
        idx = like.indexes or [None] * len(values)
        return [one(a, i) for a, i in zip(values, idx)]
    return np.stack(values)


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
