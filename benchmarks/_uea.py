"""A small reader for the ``.ts`` files of the UEA/UCR time-series archives.

The format (sktime's): ``#`` comment lines, ``@key value`` header lines, then
after ``@data`` one case per line, its dimensions separated by ``:`` and the
values of a dimension by ``,``; the class label comes last when
``@classLabel true``. Every dimension of a case has the same length (lengths
may differ between cases); ``?`` marks a missing value (kept as NaN), and
rows missing in every dimension at the end of a case, the padding some
archive files give unequal-length sets, are cut off. Timestamped series
(``@timeStamps true``) are not supported.

The data themselves are never part of the repository: they are read from
``../shared/data/uea/<name>/`` relative to the repository root.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

__all__ = ["read_ts", "uea_path", "load_uea"]

ROOT = Path(__file__).resolve().parents[1]
UEA = ROOT.parent / "shared" / "data" / "uea"


def read_ts(path):
    """Read one ``.ts`` file.

    Returns
    -------
    X : list of ndarray of shape (n_timesteps_i, n_dimensions)
    y : ndarray of str of shape (n_cases,), or None without class labels
    header : dict
        The ``@`` header entries (lower-case keys, string values).
    """
    header, X, y = {}, [], []
    in_data = False
    with open(path, encoding="utf-8") as fh:
        for lineno, raw in enumerate(fh, 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            if not in_data:
                if line.lower() == "@data":
                    in_data = True
                    if header.get("timestamps", "false").lower() == "true":
                        raise NotImplementedError(
                            f"{path}: timestamped .ts files are not supported.")
                    labelled = header.get("classlabel", "false").split()[0].lower() == "true"
                elif line.startswith("@"):
                    key, _, value = line[1:].partition(" ")
                    header[key.lower()] = value.strip()
                continue
            parts = line.split(":")
            if labelled:
                parts, label = parts[:-1], parts[-1].strip()
                y.append(label)
            dims = [np.array([np.nan if v.strip() == "?" else float(v)
                              for v in p.split(",")]) for p in parts]
            if len({d.shape[0] for d in dims}) != 1:
                raise ValueError(f"{path}, line {lineno}: the dimensions of a "
                                 "case have different lengths.")
            case = np.column_stack(dims)
            present = np.flatnonzero(~np.isnan(case).all(axis=1))
            X.append(case[:present[-1] + 1] if present.size else case[:0])
    if not in_data:
        raise ValueError(f"{path}: no @data section.")
    return X, (np.asarray(y) if labelled else None), header


def uea_path(name, split):
    """Path of ``<name>_<split>.ts`` (split 'TRAIN' or 'TEST') in the shared data."""
    return UEA / name / f"{name}_{split.upper()}.ts"


def load_uea(name):
    """``(X_train, y_train, X_test, y_test)`` of one archive problem, or None
    when its files are absent."""
    train, test = uea_path(name, "TRAIN"), uea_path(name, "TEST")
    if not (train.exists() and test.exists()):
        return None
    X_tr, y_tr, _ = read_ts(train)
    X_te, y_te, _ = read_ts(test)
    return X_tr, y_tr, X_te, y_te
