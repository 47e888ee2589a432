"""Gradient-trained recurrent regressors behind the ESN's interface."""

from __future__ import annotations

import sys
import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.validation import check_is_fitted

from .._base import SequenceRegressorMixin, checked_params
from .._compat import check_feature_names, regressor_tags
from .._sequences import (allocate_steps, check_dtype_range, check_future,
                          check_generated_finite, check_random_state_param,
                          check_scalar_param, check_washout, check_X, check_y_like,
                          memory_for, restore)
from .._threads import single_threaded_blas
from .._warnings import ReservoirWarning
from . import _network, _optim

__all__ = ["SimpleRNNRegressor", "GRURegressor", "LSTMRegressor", "CWRNNRegressor"]

_DTYPES = {"float32": np.float32, "float64": np.float64}

# n_iter_no_change="auto": 10 epochs (scikit-learn's MLP default), and at least
# this many Adam updates. Recurrent networks often start on a plateau where
# the loss stays at the variance of the target (a delayed nonlinear echo
# task's target is uncorrelated with every lagged input, so a network near
# its initial, nearly linear regime has next to no gradient) until the
# weights have grown enough to form the product; measured on that task
# (48 sequences of 80 steps, two updates per epoch), Elman and Clockwork
# networks left it after 45 to 130 updates at learning_rate_init=1e-2. Ten
# epochs of two updates stopped them on it; with ten or more batches per
# epoch "auto" is exactly ten epochs.
_AUTO_PATIENCE_EPOCHS = 10
_AUTO_PATIENCE_UPDATES = 150


def _dtype_name(dtype):
    """'float32' or 'float64' from a name, a NumPy type or a dtype."""
    try:
        name = None if dtype is None else np.dtype(dtype).name
    except (TypeError, ValueError):
        name = None
    if name not in _DTYPES:
        raise ValueError(f"dtype={dtype!r} must be 'float32' or 'float64' (or "
                         "np.float32 / np.float64).")
    return name


class _Progress:
    """A progress bar on a terminal (tqdm when installed), silent otherwise."""

    def __init__(self, total, enabled):
        self.bar = None
        self.enabled = enabled
        if not enabled:
            return
        try:
            from tqdm.auto import tqdm
            self.bar = tqdm(total=total, desc="epochs", leave=False)
        except ImportError:
            self.bar = None

    def update(self, epoch, loss, val):
        if not self.enabled:
            return
        info = f"loss={loss:.4g}" + ("" if val is None else f" val_score={val:.4g}")
        if self.bar is not None:
            self.bar.set_postfix_str(info)
            self.bar.update(1)
        else:
            print(f"Iteration {epoch}, {info}", file=sys.stderr)

    def close(self):
        if self.bar is not None:
            self.bar.close()


class _Adam:
    """Adam (Kingma & Ba 2015) on a dict of arrays, with global-norm clipping.

    Each parameter's update is one pass of :func:`._optim.adam_update`
    (a dozen NumPy temporaries per parameter before); its rounding is
    NumPy's on the same arrays, see there.
    """

    def __init__(self, params, lr, beta1=0.9, beta2=0.999, eps=1e-8):
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
        self.m = {k: np.zeros_like(v) for k, v in params.items()}
        self.v = {k: np.zeros_like(v) for k, v in params.items()}
        self.t = 0

    @staticmethod
    def global_norm(grads):
        """The Euclidean norm of all gradients together (a Python float)."""
        return float(np.sqrt(sum(float(np.vdot(g, g)) for g in grads.values())))

    def step(self, params, grads, clip_norm, norm=None):
        """Update ``params`` in place; False when a weight became non-finite."""
        if norm is None:
            norm = self.global_norm(grads)
        scale = 1.0 if clip_norm is None or norm <= clip_norm else clip_norm / norm
        self.t += 1
        b1, b2 = self.beta1, self.beta2
        lr_t = float(self.lr * np.sqrt(1 - b2 ** self.t) / (1 - b1 ** self.t))
        finite = True
        for k, g in grads.items():
            for state in (params, self.m, self.v):     # updated through views
                if not state[k].flags.c_contiguous:
                    state[k] = np.ascontiguousarray(state[k])
            p = params[k]
            c = p.dtype.type           # constants in the dtype, as NumPy casts them
            finite &= _optim.adam_update(
                p.reshape(-1), np.ascontiguousarray(g, dtype=p.dtype).reshape(-1),
                self.m[k].reshape(-1), self.v[k].reshape(-1), float(scale),
                c(b1), c(b2), c(self.eps), float(1 - b1), float(1 - b2), lr_t)
        return bool(finite)


class _RecurrentBase(BaseEstimator):
    """What the recurrent regressors and classifiers share: parameters, the
    network, batching and the training loop. Subclasses set ``_cell`` and
    give the task: ``_check_targets`` (targets as float arrays per sequence),
    ``_loss`` (value and gradient on the outputs) and ``_score_arrays`` (the
    validation score, higher is better)."""

    _cell = None

    def __init__(self, hidden_size=32, *, num_layers=1, bidirectional=False,
                 learning_rate_init=1e-2, max_iter=100, batch_size=32,
                 bptt_window=None, clip_norm=5.0, early_stopping=False,
                 validation_fraction=0.1, n_iter_no_change="auto", tol=1e-4,
                 washout=0, dtype="float32", warm_start=False, random_state=None,
                 verbose=False):
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bidirectional = bidirectional
        self.learning_rate_init = learning_rate_init
        self.max_iter = max_iter
        self.batch_size = batch_size
        self.bptt_window = bptt_window
        self.clip_norm = clip_norm
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.washout = washout
        self.dtype = dtype
        self.warm_start = warm_start
        self.random_state = random_state
        self.verbose = verbose

    # -- validation --------------------------------------------------------
    def _validate_params(self):
        """The hyper-parameters, checked, as Python values (NumPy scalars
        become ``int``/``float``/``bool``: ``np.int8(32)`` as a batch size
        would overflow in arithmetic with the Python ints it meets)."""
        c = check_scalar_param
        p = {}
        p["hidden_size"] = c(self.hidden_size, "hidden_size", kind=Integral, low=1)
        p["num_layers"] = c(self.num_layers, "num_layers", kind=Integral, low=1)
        p["learning_rate_init"] = c(self.learning_rate_init, "learning_rate_init",
                                    low=0, low_inclusive=False,
                                    hint="Typical values are 1e-3 to 1e-1.")
        p["max_iter"] = c(self.max_iter, "max_iter", kind=Integral, low=1)
        p["batch_size"] = c(self.batch_size, "batch_size", kind=Integral, low=1,
                            hint="It counts sequences (or windows) per update.")
        p["washout"] = c(self.washout, "washout", kind=Integral, low=0)
        p["bptt_window"] = None if self.bptt_window is None else c(
            self.bptt_window, "bptt_window", kind=Integral, low=p["washout"] + 1,
            hint="Windows must be longer than washout.")
        p["clip_norm"] = None if self.clip_norm is None else c(
            self.clip_norm, "clip_norm", low=0, low_inclusive=False)
        p["validation_fraction"] = c(self.validation_fraction, "validation_fraction",
                                     low=0, high=1, low_inclusive=False,
                                     high_inclusive=False)
        if isinstance(self.n_iter_no_change, str) and self.n_iter_no_change == "auto":
            p["n_iter_no_change"] = "auto"
        else:
            p["n_iter_no_change"] = c(self.n_iter_no_change, "n_iter_no_change",
                                      kind=Integral, low=1,
                                      hint='Use a positive number of epochs or "auto".')
        p["tol"] = c(self.tol, "tol", low=0)
        for flag in ("bidirectional", "early_stopping", "warm_start"):
            if not isinstance(getattr(self, flag), (bool, np.bool_)):
                raise TypeError(f"{flag}={getattr(self, flag)!r} must be True or False.")
            p[flag] = bool(getattr(self, flag))
        p["dtype"] = _dtype_name(self.dtype)
        if isinstance(self.verbose, (bool, np.bool_)):
            p["verbose"] = bool(self.verbose)
        else:
            p["verbose"] = c(self.verbose, "verbose", kind=Integral, low=0)
        return p

    def _cell_options(self):
        """(periods, recurrent mask) for the cell; only CW-RNN has them."""
        return None, None

    # -- data --------------------------------------------------------------
    def _windows(self, U, Y):
        """Cut sequences into training windows (truncated BPTT).

        With ``bptt_window=w`` each sequence is cut into windows of length w
        that overlap by ``washout`` steps, so every step after the first
        washout of the sequence is in the loss exactly once; every window
        starts from a zero state. Without it, whole sequences are used.
        """
        w = self.bptt_window
        out = []
        for u, y in zip(U, Y):
            T = u.shape[0]
            if w is None or T <= w:
                out.append((u, y))
                continue
            stride = w - self.washout
            start = 0
            while True:
                stop = min(T, start + w)
                out.append((u[start:stop], y[start:stop]))
                if stop == T:
                    break
                start += stride
        return out

    def _split_validation(self, U, Y, rng):
        """Chronological split: the end of the data is for validation."""
        frac = self.validation_fraction
        if len(U) == 1:
            T = U[0].shape[0]
            n_val = int(round(frac * T))
            cut = T - n_val
            if n_val <= self.washout or cut <= self.washout:
                raise ValueError(
                    f"validation_fraction={frac} of {T} steps leaves too few "
                    f"steps for training and validation with washout="
                    f"{self.washout}; lower washout or pass more data.")
            return [U[0][:cut]], [Y[0][:cut]], [U[0][cut:]], [Y[0][cut:]]
        n_val = max(1, int(round(frac * len(U))))
        if n_val >= len(U):
            raise ValueError(f"validation_fraction={frac} leaves no training "
                             f"sequence out of {len(U)}.")
        return U[:-n_val], Y[:-n_val], U[-n_val:], Y[-n_val:]

    def _batch(self, pairs, dtype):
        """Pad a list of (u, y) into time-major arrays with a loss mask."""
        lengths = np.array([u.shape[0] for u, _ in pairs])
        T, B = lengths.max(), len(pairs)
        X = np.zeros((T, B, pairs[0][0].shape[1]), dtype=dtype)
        Yb = np.zeros((T, B, pairs[0][1].shape[1]), dtype=dtype)
        mask = np.zeros((T, B, 1), dtype=dtype)
        for b, (u, y) in enumerate(pairs):
            X[:len(u), b] = u
            Yb[:len(u), b] = y
            mask[self.washout:len(u), b] = 1.0
        return X, Yb, mask, lengths

    def _batcher(self, pairs, dtype):
        """A function from the indices of a batch's pairs to :meth:`_batch`
        of those pairs.

        When every pair has one length and the network reads out every step
        (whole sequences of a 3-D array, or windows of one length), the
        pairs are stacked once into time-major arrays in ``dtype`` and a
        batch is a ``take`` of their columns, with the same values as
        :meth:`_batch` (no padding, the same washout mask) and no Python
        loop over its sequences; otherwise :meth:`_batch` runs per batch.
        """
        T = pairs[0][0].shape[0]
        if self._pool_args() or any(u.shape[0] != T or y.shape[0] != T
                                    for u, y in pairs):
            return lambda idx: self._batch([pairs[i] for i in idx], dtype)
        X = np.stack([u for u, _ in pairs], axis=1).astype(dtype, copy=False)
        Y = np.stack([y for _, y in pairs], axis=1).astype(dtype, copy=False)
        masks = {}

        def batch(idx):
            B = len(idx)
            if B not in masks:
                mask = np.zeros((T, B, 1), dtype=dtype)
                mask[self.washout:] = 1.0
                masks[B] = mask, np.full(B, T)
            mask, lengths = masks[B]
            return np.take(X, idx, axis=1), np.take(Y, idx, axis=1), mask, lengths

        return batch

    # -- the model ---------------------------------------------------------
    def _net_args(self):
        """The fitted network's structure (as checked by ``fit``)."""
        return self._net_config

    def _set_structure(self, periods, mask):
        """Record the network's structure from the checked hyper-parameters.

        ``fit`` and :meth:`from_torch_state_dict` both end here, so a network
        made either way predicts, trains on and saves alike.
        """
        self._periods, self._mask = periods, mask
        self._net_config = dict(cell=self._cell, num_layers=int(self.num_layers),
                                bidirectional=bool(self.bidirectional), periods=periods)

    def _pool_args(self):
        """Extra arguments of the network for one output per sequence."""
        return {}

    def _loss_and_grads(self, X, Y, mask, lengths, workspace=None):
        pool = self._pool_args()
        out, tape = _network.forward(self._params, X, lengths, workspace=workspace,
                                     **self._net_args(), **pool)
        loss, dY = self._loss(out, Y, mask)
        grads = _network.backward(self._params, dY.astype(X.dtype), tape, lengths,
                                  workspace=workspace, **self._net_args(), **pool)
        if self._mask is not None:
            for name, g in grads.items():
                if name.startswith("weight_hh"):
                    g *= self._mask
        return loss, grads

    def _predict_arrays(self, arrays, batch=256):
        """Outputs (n_timesteps_i, n_outputs) of each sequence, or one row
        (n_outputs,) per sequence when the network pools."""
        dtype = self._params["readout.weight"].dtype       # the fitted one
        pool = self._pool_args()
        outs = [None] * len(arrays)
        order = np.argsort([-a.shape[0] for a in arrays], kind="stable")
        for lo in range(0, len(arrays), batch):
            idx = order[lo:lo + batch]
            lengths = np.array([arrays[i].shape[0] for i in idx])
            X = np.zeros((lengths.max(), len(idx), arrays[idx[0]].shape[1]), dtype=dtype)
            for b, i in enumerate(idx):
                X[:lengths[b], b] = arrays[i]
            Y, _ = _network.forward(self._params, X, lengths, keep=False,
                                    **self._net_args(), **pool)
            for b, i in enumerate(idx):
                outs[i] = (Y[b] if pool else Y[:lengths[b], b]).astype(np.float64)
        return outs

    def _training_pairs(self, U, Y):
        """(input, target) pairs that the epochs shuffle and batch."""
        return self._windows(U, Y)

    def _patience(self, n_batches):
        """Epochs without improvement before stopping."""
        if isinstance(self.n_iter_no_change, str):          # "auto"
            return max(_AUTO_PATIENCE_EPOCHS, -(-_AUTO_PATIENCE_UPDATES // n_batches))
        return self.n_iter_no_change

    def fit(self, X, y):
        """Train by backpropagation through time with Adam.

        BLAS runs on one thread meanwhile: the per-step products are small.

        Parameters
        ----------
        X : array-like (n_timesteps, n_features), list of such, or 3-D array
        y : array-like with the same structure, 1-D or 2-D entries

        Returns
        -------
        self
        """
        with single_threaded_blas(), checked_params(self, self._validate_params()):
            return self._fit(X, y)

    def _fit(self, X, y):
        periods, mask = self._cell_options()
        warm = self.warm_start and hasattr(self, "_params")
        seqs = check_X(X, n_features=self.n_features_in_ if warm else None,
                       estimator_name=type(self).__name__)
        check_feature_names(self, seqs.feature_source, reset=not warm)
        Y, n_outputs = self._check_targets(y, seqs, warm)
        check_washout(seqs, self.washout)
        dtype = _DTYPES[self.dtype]
        check_dtype_range(seqs, dtype, "X")
        rng = check_random_state_param(self.random_state)
        self._set_structure(periods, mask)
        if not warm:
            self.n_features_in_ = seqs.n_columns
            self.n_outputs_ = n_outputs
            H, L, dirs = self.hidden_size, self.num_layers, 1 + self.bidirectional
            G = _network.CELLS[self._cell].gates * H
            count = dirs * G * (self.n_features_in_ + H + 2) \
                + (L - 1) * dirs * G * (dirs * H + H + 2) + self.n_outputs_ * (dirs * H + 1)
            # float64 draws, then the dtype's copy
            with memory_for(16 * count, f"hidden_size={H} with num_layers={L}"):
                self._params = _network.init_params(
                    self._cell, self.n_features_in_, H, L, self.bidirectional,
                    self.n_outputs_, rng, dtype, mask)
            self.loss_curve_ = []
            self.validation_scores_ = [] if self.early_stopping else None
            self.best_validation_score_ = None
            self.best_loss_ = np.inf

        U = seqs.arrays
        if self.early_stopping:
            U, Y, U_val, Y_val = self._split_validation(U, Y, rng)
        # float64 pairs: batches take their values in ``dtype``
        pairs = self._training_pairs(U, Y)
        make_batch = self._batcher(pairs, dtype)
        n_batches = -(-len(pairs) // self.batch_size)
        patience = self._patience(n_batches)
        self._adam = _Adam(self._params, self.learning_rate_init) \
            if not (warm and hasattr(self, "_adam")) else self._adam
        best_params = {k: v.copy() for k, v in self._params.items()}
        no_improve = 0
        progress = _Progress(self.max_iter, bool(self.verbose))
        workspace = _network.Workspace()   # per-batch arrays, reused
        self.n_iter_ = 0
        converged = False
        try:
            for epoch in range(self.max_iter):
                order = rng.permutation(len(pairs))
                total, count = 0.0, 0
                for lo in range(0, len(pairs), self.batch_size):
                    Xb, Yb, mb, lengths = make_batch(order[lo:lo + self.batch_size])
                    loss, grads = self._loss_and_grads(Xb, Yb, mb, lengths, workspace)
                    norm = _Adam.global_norm(grads)
                    # a finite sum of squares has finite terms; an infinite
                    # one may be an overflow of finite gradients
                    if not np.isfinite(loss) or (not np.isfinite(norm) and not all(
                            np.isfinite(g).all() for g in grads.values())):
                        self._diverged(best_params, epoch)
                        return self
                    # a step can overflow the weights themselves (a huge
                    # learning rate): that is a divergence too
                    if not self._adam.step(self._params, grads, self.clip_norm, norm):
                        self._diverged(best_params, epoch)
                        return self
                    weight = float(mb.sum())
                    total += loss * weight
                    count += weight
                epoch_loss = total / max(count, 1.0)
                self.loss_curve_.append(epoch_loss)
                self.n_iter_ += 1
                val = None
                if self.early_stopping:
                    val = self._score_arrays(U_val, Y_val)
                    self.validation_scores_.append(val)
                    improved = (self.best_validation_score_ is None
                                or val > self.best_validation_score_ + self.tol)
                    if self.best_validation_score_ is None or val > self.best_validation_score_:
                        self.best_validation_score_ = val
                        best_params = {k: v.copy() for k, v in self._params.items()}
                else:
                    improved = epoch_loss < self.best_loss_ - self.tol
                if epoch_loss < self.best_loss_:
                    self.best_loss_ = epoch_loss
                    if not self.early_stopping:
                        best_params = {k: v.copy() for k, v in self._params.items()}
                progress.update(epoch + 1, epoch_loss, val)
                no_improve = 0 if improved else no_improve + 1
                if no_improve >= patience:
                    converged = True
                    break
        finally:
            progress.close()
        if self.early_stopping:
            self._params = best_params
        if not converged:
            warnings.warn(
                f"{type(self).__name__}: maximum iterations ({self.max_iter}) "
                "reached and the optimisation hasn't converged yet; increase "
                "max_iter.", ConvergenceWarning, stacklevel=3)
        return self

    def _diverged(self, best_params, epoch):
        if not self.loss_curve_:
            raise ValueError(
                f"{type(self).__name__}: the training loss or weights became "
                f"non-finite in the first epoch; lower learning_rate_init (now "
                f"{self.learning_rate_init}) or standardise X and y.")
        self._params = best_params
        warnings.warn(
            f"{type(self).__name__}: the training loss or weights became non-finite in epoch "
            f"{epoch + 1}; the weights of the best epoch were restored. Lower "
            f"learning_rate_init (now {self.learning_rate_init}) or clip_norm.",
            ReservoirWarning, stacklevel=4)

    def to_torch_state_dict(self):
        """The weights as numpy arrays under PyTorch's names and shapes.

        Layer weights follow ``nn.RNN``/``nn.GRU``/``nn.LSTM``
        (``weight_ih_l0``, ``weight_hh_l0``, ``bias_ih_l0``, ``bias_hh_l0``,
        ``..._reverse``); the readout is ``readout.weight``, ``readout.bias``
        (an ``nn.Linear``). Load the first group into the recurrent module and
        the readout into a Linear layer applied at every step (or, for a
        classifier of whole sequences, to each sequence's summary).
        """
        check_is_fitted(self, "_params")
        return {k: v.copy() for k, v in self._params.items()}

    @property
    def n_parameters_(self):
        """Number of trainable parameters (masked CW-RNN weights excluded)."""
        check_is_fitted(self, "_params")
        total = sum(v.size for v in self._params.values())
        if self._mask is not None:
            zeros = int((self._mask == 0).sum())
            total -= zeros * sum(1 for k in self._params if k.startswith("weight_hh"))
        return total


class _RecurrentRegressor(SequenceRegressorMixin, _RecurrentBase):
    """A recurrent network with a linear readout at every step, trained on
    the mean squared error."""

    def _check_targets(self, y, seqs, warm):
        targets = check_y_like(y, seqs)
        check_dtype_range(targets, _DTYPES[self.dtype], "y")
        if warm and targets.n_columns != self.n_outputs_:
            raise ValueError(f"y has {targets.n_columns} outputs but the model was "
                             f"fitted with {self.n_outputs_}; warm_start needs the same.")
        if not warm:
            self._y_info = (targets.was_1d, targets.columns, targets.name)
        return targets.arrays, targets.n_columns

    def _loss(self, out, Y, mask):
        count = max(1.0, float(mask.sum()) * Y.shape[2])
        resid = (out - Y) * mask
        return float(np.vdot(resid, resid)) / count, (2.0 / count) * resid

    def _score_arrays(self, U, Y):
        """R^2 of the validation steps after washout (as MLPRegressor)."""
        pred = self._predict_arrays(U)
        yt = np.concatenate([y[self.washout:] for y in Y])
        yp = np.concatenate([p[self.washout:] for p in pred])
        ss_res = ((yt - yp) ** 2).sum(axis=0)
        ss_tot = ((yt - yt.mean(axis=0)) ** 2).sum(axis=0)
        ss_tot[ss_tot == 0] = 1.0
        return float(np.mean(1 - ss_res / ss_tot))

    # -- prediction --------------------------------------------------------
    def predict(self, X):
        """Outputs for every step of every sequence (state starts at zero).

        Parameters
        ----------
        X : array-like of shape (n_timesteps, n_features), list of such, or
            3-D array (n_sequences, n_timesteps, n_features)

        Returns
        -------
        y_pred : same structure as ``X``; 1-D entries (or a Series) when the
            model was fitted on a 1-D ``y``.
        """
        check_is_fitted(self, "_params")
        seqs = check_X(X, n_features=self.n_features_in_,
                       estimator_name=type(self).__name__)
        check_feature_names(self, seqs.feature_source, reset=False)
        check_dtype_range(seqs, self._params["readout.weight"].dtype, "X")
        with single_threaded_blas():
            out = self._predict_arrays(seqs.arrays)
        self._check_finite_outputs(out, seqs)
        was_1d, columns, name = self._y_info
        return restore(out, seqs, columns=columns, name=name, squeeze=was_1d)

    def generate(self, n_steps, X_warmup, X_future=None):
        """Run the network in closed loop, each prediction fed back as input.

        The model must be unidirectional and predict the first
        ``n_outputs_`` of its input columns one step ahead; any further input
        columns are known in advance (calendar features, exogenous values) and
        come from ``X_future``.

        Parameters
        ----------
        n_steps : int
        X_warmup : array-like of shape (n_timesteps, n_features)
            Teacher-forced warm-up; generation continues after its last row.
        X_future : array-like of shape (n_steps - 1, n_features - n_outputs_), optional
            The known input columns of the generated steps: the input fed after
            ``y_gen[s]`` is ``[y_gen[s], X_future[s]]``. Required when the model
            has more input features than outputs.

        Returns
        -------
        y_gen : ndarray of shape (n_steps, n_outputs) (1-D if fitted on 1-D y)
            ``y_gen[0]`` is the prediction of the step after the warm-up.
        """
        check_is_fitted(self, "_params")
        n_steps = check_scalar_param(n_steps, "n_steps", kind=Integral, low=1)
        if self._net_config["bidirectional"]:
            raise ValueError("A bidirectional model sees the future and cannot "
                             "generate; fit with bidirectional=False.")
        seqs = check_X(X_warmup, "X_warmup", n_features=self.n_features_in_,
                       estimator_name=type(self).__name__)
        check_feature_names(self, seqs.feature_source, reset=False, name="X_warmup")
        if seqs.kind != "single":
            raise ValueError("X_warmup must be one 2-D sequence.")
        dtype = self._params["readout.weight"].dtype
        check_dtype_range(seqs, dtype, "X_warmup")
        future = check_future(X_future, n_steps, self.n_features_in_, self.n_outputs_)
        if np.abs(future).max(initial=0.0) > np.finfo(dtype).max:
            raise ValueError(f"X_future holds values beyond the range of "
                             f"dtype='{dtype.name}'; rescale it or use "
                             "dtype='float64'.")
        allocate_steps(n_steps, self.n_outputs_, dtype)   # fails early if too many
        with single_threaded_blas():
            out = self._generate(seqs.arrays[0], n_steps, future)
        check_generated_finite(out, hint="Train longer or on standardised data, "
                               "or generate fewer steps.")
        return out[:, 0] if self._y_info[0] else out

    def _generate(self, warmup, n_steps, future):
        warm = warmup.astype(self._params["readout.weight"].dtype)[:, None, :]
        T = warm.shape[0]
        Y, _, states = _network.forward(self._params, warm, np.array([T]), keep=False,
                                        return_states=True, **self._net_args())
        out = _network.generate(self._params, states, Y[-1, 0], future, self._cell,
                                self._net_config["num_layers"], self._periods, t0=T)
        return out.astype(np.float64)

    def _check_finite_outputs(self, out, seqs):
        """Finite inputs in range can still overflow inside the network (a sum
        of products near the dtype's limit): refuse rather than return NaN."""
        for i, a in enumerate(out):
            if not np.isfinite(a).all():
                t = int(np.argwhere(~np.isfinite(a))[0][0])
                where = "" if seqs.kind == "single" else f" (sequence {i})"
                big = max(float(np.abs(x).max()) for x in seqs.arrays)
                raise ValueError(
                    f"{type(self).__name__} produced a non-finite output at step "
                    f"{t} of X{where}: its values (up to {big:.3g} in absolute "
                    f"value) overflow the network's "
                    f"{self._params['readout.weight'].dtype.name} arithmetic. "
                    "Standardise X (e.g. StandardScaler), or use "
                    "dtype='float64'.")

    def from_torch_state_dict(self, state_dict):
        """Take the weights from a PyTorch-style state dict (the inverse of
        :meth:`to_torch_state_dict`); the estimator is then fitted.

        The estimator's parameters describe the network (``hidden_size``,
        ``num_layers``, ``bidirectional``, ``dtype``, and ``periods`` for the
        Clockwork RNN); the numbers of input features and outputs come from
        the shapes of ``weight_ih_l0`` and ``readout.weight``. Afterwards
        ``predict``, ``generate`` and ``score`` work, :func:`reservoir.save`
        keeps it, and ``warm_start=True`` continues training from these
        weights. With one output, ``predict`` returns 1-D arrays, as after a
        fit on a 1-D ``y``.

        Parameters
        ----------
        state_dict : mapping of str to array-like
            Exactly the names of :meth:`to_torch_state_dict`: those of
            ``nn.RNN`` (tanh), ``nn.GRU`` or ``nn.LSTM`` with
            ``batch_first`` either way (``weight_ih_l0``, ...,
            ``..._reverse``), and ``readout.weight``, ``readout.bias`` of the
            ``nn.Linear`` applied at every step, e.g.
            ``{**rnn.state_dict(), **{"readout." + k: v for k, v in
            linear.state_dict().items()}}``. Values are numpy arrays or torch
            tensors on any device.

        Returns
        -------
        self

        Examples
        --------
        >>> import warnings
        >>> import numpy as np
        >>> from reservoir import LSTMRegressor
        >>> u = np.sin(np.arange(200) * 0.1)[:, None]
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")    # two epochs do not converge
        ...     lstm = LSTMRegressor(hidden_size=8, max_iter=2, random_state=0).fit(
        ...         u[:-1], u[1:, 0])
        >>> twin = LSTMRegressor(hidden_size=8).from_torch_state_dict(
        ...     lstm.to_torch_state_dict())
        >>> bool(np.array_equal(twin.predict(u), lstm.predict(u)))
        True

        With PyTorch, from an ``nn.LSTM`` and the ``nn.Linear`` after it::

            sd = {**lstm_module.state_dict(),
                  **{"readout." + k: v for k, v in linear.state_dict().items()}}
            est = LSTMRegressor(hidden_size=lstm_module.hidden_size,
                                num_layers=lstm_module.num_layers,
                                bidirectional=lstm_module.bidirectional,
                                dtype="float32").from_torch_state_dict(sd)
        """
        with checked_params(self, self._validate_params()):
            return self._from_state_dict(state_dict)

    def _from_state_dict(self, state_dict):
        periods, mask = self._cell_options()
        name = type(self).__name__
        expected = _network.param_names(self.num_layers, self.bidirectional)
        try:
            keys = list(state_dict.keys())
        except AttributeError:
            raise TypeError(f"state_dict must be a mapping of parameter names to "
                            f"arrays; got {type(state_dict).__name__}.") from None
        missing = [k for k in expected if k not in state_dict]
        unexpected = [k for k in keys if k not in expected]
        if missing or unexpected:
            raise ValueError(
                f"state_dict does not fit {name}(num_layers={self.num_layers}, "
                f"bidirectional={self.bidirectional}): missing {missing}, "
                f"unexpected {unexpected}. Set num_layers and bidirectional as "
                "in the PyTorch module, and add its readout Linear as "
                "'readout.weight' and 'readout.bias'.")
        arrays = {}
        for k in expected:
            v = state_dict[k]
            if hasattr(v, "detach") and hasattr(v, "cpu"):     # a torch tensor
                v = v.detach().cpu().double().numpy()
            a = np.asarray(v)
            if a.dtype.kind not in "iuf":
                raise TypeError(f"state_dict[{k!r}] has dtype {a.dtype}; weights "
                                "must be real numbers.")
            if not np.isfinite(a).all():
                raise ValueError(f"state_dict[{k!r}] holds NaN or infinite values.")
            arrays[k] = a
        H, G = self.hidden_size, _network.CELLS[self._cell].gates
        dirs = 2 if self.bidirectional else 1
        w0 = arrays["weight_ih_l0"]
        readout = arrays["readout.weight"]
        if w0.ndim != 2 or readout.ndim != 2:
            raise ValueError("weight_ih_l0 and readout.weight must be 2-D; got "
                             f"shapes {w0.shape} and {readout.shape}.")
        n_inputs, n_outputs = w0.shape[1], readout.shape[0]
        for k in expected:
            if k == "readout.weight":
                shape = (n_outputs, H * dirs)
            elif k == "readout.bias":
                shape = (n_outputs,)
            else:
                kind, layer = k.split("_l")[0], int(k.split("_l")[1].split("_")[0])
                d_in = n_inputs if layer == 0 else H * dirs
                shape = {"weight_ih": (G * H, d_in), "weight_hh": (G * H, H),
                         "bias_ih": (G * H,), "bias_hh": (G * H,)}[kind]
            if arrays[k].shape != shape:
                raise ValueError(
                    f"state_dict[{k!r}] has shape {arrays[k].shape}, but "
                    f"{name}(hidden_size={H}, num_layers={self.num_layers}, "
                    f"bidirectional={self.bidirectional}) needs {shape}; set "
                    "hidden_size as in the PyTorch module.")
            if mask is not None and k.startswith("weight_hh") and np.any(
                    arrays[k][mask == 0] != 0):
                raise ValueError(
                    f"state_dict[{k!r}] has nonzero weights from faster to slower "
                    "modules, which the Clockwork RNN does not have (its recurrent "
                    f"matrix is block-upper-triangular for periods {list(periods)}).")
        dtype = _DTYPES[self.dtype]
        for attr in ("_adam", "feature_names_in_"):
            self.__dict__.pop(attr, None)
        # copies: training (warm_start) updates the weights in place
        self._params = {k: np.array(arrays[k], dtype=dtype, order="C") for k in expected}
        self._set_structure(periods, mask)
        self.n_features_in_ = n_inputs
        self.n_outputs_ = n_outputs
        self._y_info = (n_outputs == 1, None, None)
        self.loss_curve_ = []
        self.validation_scores_ = [] if self.early_stopping else None
        self.best_validation_score_ = None
        self.best_loss_ = np.inf
        self.n_iter_ = 0
        return self

    def __sklearn_tags__(self):
        return regressor_tags(super().__sklearn_tags__())


# Docstring pieces shared with the classifiers (``_classifiers.py``).
_NETWORK_DOC = """
    Parameters
    ----------
    hidden_size : int, default=32
        Units per layer (and direction).
    num_layers : int, default=1
        Stacked layers; layer l > 0 reads the outputs of layer l - 1.
    bidirectional : bool, default=False
        Also run every layer on the time-reversed sequence and read out both.
        A bidirectional model sees the future: it is for sequence labelling,
        not for causal forecasting."""

_TRAINING_DOC = """
    learning_rate_init : float, default=1e-2
        Adam's step size.
    max_iter : int, default=100
        Epochs (passes over all training windows).
    batch_size : int, default=32
        Sequences (or windows) per Adam step.
    bptt_window : int or None, default=None
        Truncated backpropagation through time: sequences longer than this are
        cut into windows of this length, overlapping by ``washout`` steps, each
        starting from a zero state. None trains on whole sequences.
    clip_norm : float or None, default=5.0
        Gradients are rescaled when their global norm exceeds this."""

_EARLY_STOPPING_DOC = """
    early_stopping : bool, default=False
        Hold out the end of the data (the last ``validation_fraction`` of the
        steps of a single sequence, or of the sequences of a list; never
        shuffled) and stop when its R^2 stops improving; the best weights are
        restored."""

_STOPPING_DOC = """
    validation_fraction : float, default=0.1
    n_iter_no_change : int or "auto", default="auto"
        Epochs without an improvement of ``tol`` (of the training loss, or of
        the validation score with ``early_stopping``) before stopping. "auto"
        is 10 epochs, or more when an epoch has fewer than 15 batches: as many
        as make 150 Adam updates. A recurrent network often starts on a
        plateau of the loss that takes it tens of updates to leave, and ten
        epochs of a few updates each would stop it there.
    tol : float, default=1e-4"""

_REST_DOC = """
    washout : int, default=0
        Steps at the start of every sequence (and window) excluded from the loss.
    dtype : {"float32", "float64"}, default="float32"
        Precision of training and prediction (float64 for exact gradients).
    warm_start : bool, default=False
        Continue from the previous weights and optimiser state.
    random_state : int, RandomState instance or None, default=None
    verbose : bool, default=False
        Show a progress bar with the running loss (tqdm when installed)."""

_REGRESSOR_PARAMS_DOC = (_NETWORK_DOC + _TRAINING_DOC + _EARLY_STOPPING_DOC
                         + _STOPPING_DOC + _REST_DOC)

_REGRESSOR_ATTRIBUTES_DOC = """

    Attributes
    ----------
    loss_curve_ : list of float
        Mean squared error of each epoch.
    validation_scores_ : list of float or None
        R^2 on the validation data after each epoch (with early stopping).
    best_validation_score_ : float or None
    best_loss_ : float
    n_iter_ : int
        Epochs run.
    n_features_in_ : int
    n_outputs_ : int
    n_parameters_ : int
"""

_SHARED_DOC = _REGRESSOR_PARAMS_DOC + _REGRESSOR_ATTRIBUTES_DOC


class SimpleRNNRegressor(_RecurrentRegressor):
    __doc__ = """Elman network (simple recurrent network) with a linear readout
    at every step, trained by backpropagation through time.

    Each layer follows ``torch.nn.RNN`` with tanh:
    ``h_t = tanh(W_ih x_t + b_ih + W_hh h_(t-1) + b_hh)``; the output is
    ``y_t = W_out h_t + b_out``.
    """ + _SHARED_DOC
    _cell = "elman"


class GRURegressor(_RecurrentRegressor):
    __doc__ = """Gated recurrent unit network with a linear readout at every step.

    Each layer follows ``torch.nn.GRU``::

        r_t = sigmoid(W_ir x_t + b_ir + W_hr h_(t-1) + b_hr)
        z_t = sigmoid(W_iz x_t + b_iz + W_hz h_(t-1) + b_hz)
        n_t = tanh(W_in x_t + b_in + r_t * (W_hn h_(t-1) + b_hn))
        h_t = (1 - z_t) * n_t + z_t * h_(t-1)
    """ + _SHARED_DOC
    _cell = "gru"


class LSTMRegressor(_RecurrentRegressor):
    __doc__ = """Long short-term memory network with a linear readout at every step.

    Each layer follows ``torch.nn.LSTM``::

        i_t = sigmoid(W_ii x_t + b_ii + W_hi h_(t-1) + b_hi)
        f_t = sigmoid(W_if x_t + b_if + W_hf h_(t-1) + b_hf)
        g_t = tanh(W_ig x_t + b_ig + W_hg h_(t-1) + b_hg)
        o_t = sigmoid(W_io x_t + b_io + W_ho h_(t-1) + b_ho)
        c_t = f_t * c_(t-1) + i_t * g_t
        h_t = o_t * tanh(c_t)
    """ + _SHARED_DOC
    _cell = "lstm"


class _Clockwork:
    """The Clockwork RNN's ``periods``, for its regressor and classifier."""

    _cell = "cwrnn"

    def _cell_options(self):
        periods = (1, 2, 4, 8) if self.periods is None else self.periods
        message = (f"periods={self.periods!r} must be a non-empty sequence of "
                   "positive integers, e.g. (1, 2, 4, 8).")
        if isinstance(periods, (str, bytes)) or not np.iterable(periods):
            raise ValueError(message)
        items = list(periods)
        # bools are Integral to Python, but True is not a period
        if not items or any(isinstance(p, (bool, np.bool_))
                            or not isinstance(p, Integral) or p <= 0 for p in items):
            raise ValueError(message)
        if max(items) > np.iinfo(np.int64).max:
            raise ValueError(message)
        arr = np.sort(np.array([int(p) for p in items], dtype=np.int64))
        g = arr.size
        if self.hidden_size % g:
            raise ValueError(
                f"hidden_size={self.hidden_size} is not divisible into "
                f"{g} modules (one per period); use a multiple of {g}.")
        m = self.hidden_size // g
        module = np.repeat(np.arange(g), m)
        # row i (receiving) may read column j when j's module is as slow or slower
        mask = (module[None, :] >= module[:, None]).astype(np.float64)
        return arr, mask


_CLOCKWORK_DOC = """
    The hidden units split into ``len(periods)`` modules of equal size; at step
    t (from 0) only the modules with ``t % period == 0`` update, the others keep
    their state. Modules are ordered by increasing period and the recurrent
    matrix is block-upper-triangular, so slower modules feed faster ones and
    never the reverse; the input reaches every module and the readout sees all.
    Inactive modules cost nothing. The free recurrent weights start uniform on
    +-1/sqrt(module size), which gives the block-triangular matrix the
    spectral radius of an Elman network's at PyTorch's initialisation.
    """

_PERIODS_DOC = """
    periods : sequence of int or None, default=None
        Module periods, positive integers; sorted increasingly. None means
        (1, 2, 4, 8). ``hidden_size`` must be divisible by their number."""


class CWRNNRegressor(_Clockwork, _RecurrentRegressor):
    __doc__ = ("Clockwork RNN (Koutnik et al., ICML 2014) with a linear readout.\n"
               + _CLOCKWORK_DOC + _REGRESSOR_PARAMS_DOC + _PERIODS_DOC
               + _REGRESSOR_ATTRIBUTES_DOC)

    def __init__(self, hidden_size=32, *, periods=None, num_layers=1,
                 bidirectional=False, learning_rate_init=1e-2, max_iter=100,
                 batch_size=32, bptt_window=None, clip_norm=5.0,
                 early_stopping=False, validation_fraction=0.1,
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
        self.periods = periods
