"""Save and load fitted models in a format that never executes code on load.

A model file is a zip archive (stored, not compressed) of

- ``model.json``: the format name and version, the versions of the project
  and its dependencies that wrote it, and the object tree: numbers, strings,
  containers, pandas indexes and series, and objects as *class name + state*;
- ``arrays/<i>.npy``: every numpy array in NumPy's ``.npy`` format, read back
  with ``allow_pickle=False``.

Why not pickle: unpickling calls whatever callables the file names, so a
model from someone else runs their code. Why not skops.io: it would be one
more dependency for what the project's types need (pandas indexes with
frequencies, timestamps and offsets, which skops does not store), and its
generic fallback rebuilds objects through ``__reduce__``, i.e. by calling
functions the file names. Here nothing named by the file is ever called:
loading looks classes up (only in the project's packages and among
scikit-learn's estimators and splitters, or in the classes the caller passes
as ``trusted``), creates instances with ``cls.__new__(cls)`` and sets their
state as pickle would (``__setstate__`` when the class defines one, else the
instance ``__dict__``). Every class the file names is checked before anything
is built. The zip's CRC-32 of every entry catches corrupted bytes.
"""

from __future__ import annotations

import copyreg
import importlib
import json
import math
import os
import sys
import warnings
import zipfile

import numpy as np

__all__ = ["save", "load", "FORMAT_VERSION"]

FORMAT = "reservoir-ts model"
FORMAT_VERSION = 1
_HEADER = "model.json"
_DATE = (1980, 1, 1, 0, 0, 0)          # fixed entry times: same model, same bytes
_TRUSTED_PACKAGES = ("reservoir", "forecasting")
_BUILTIN_TYPES = {t.__name__: t for t in (int, float, bool, str, bytes, complex, object)}


def _project_version():
    try:
        from importlib.metadata import PackageNotFoundError, version
        return version("reservoir-ts")
    except PackageNotFoundError:      # a source tree that was never installed
        return "unknown"


def _versions():
    import pandas
    import scipy
    import sklearn
    return {"reservoir-ts": _project_version(), "python": sys.version.split()[0],
            "numpy": np.__version__, "scipy": scipy.__version__,
            "scikit-learn": sklearn.__version__, "pandas": pandas.__version__}


def _qualified(cls):
    return f"{cls.__module__}.{cls.__qualname__}"


# -- encoding ---------------------------------------------------------------

class _Encoder:
    """Object tree -> JSON nodes, arrays collected in ``self.arrays``."""

    def __init__(self):
        self.arrays = []
        self._memo = {}          # id(obj) -> node id
        self._keep = []          # keeps memoised objects alive (ids stay unique)

    def _refuse(self, obj, path, why=""):
        raise TypeError(
            f"cannot save {path}: an object of type {_qualified(type(obj))}"
            f"{' (' + why + ')' if why else ''}. The format stores numbers, "
            "strings, lists, tuples, dicts, numpy arrays, scipy sparse matrices, "
            "pandas indexes, series and frames, and objects whose state is a "
            "dict of those (the project's estimators, scikit-learn's and your "
            "own classes); functions and other objects cannot be stored.")

    def encode(self, obj, path):
        t = type(obj)
        if obj is None or t is bool or t is str:
            return obj
        if t is int:
            return obj
        if t is float:
            return obj if math.isfinite(obj) else {"t": "float", "v": repr(obj)}
        if t is complex:
            return {"t": "complex", "v": [self.encode(obj.real, path),
                                          self.encode(obj.imag, path)]}
        if t is bytes:
            return {"t": "bytes", "hex": obj.hex()}
        if isinstance(obj, np.generic):
            return self._np_scalar(obj, path)
        if t is tuple:
            return {"t": "tuple", "items": [self.encode(v, f"{path}[{i}]")
                                            for i, v in enumerate(obj)]}
        if t is slice:
            return {"t": "slice", "v": [self.encode(obj.start, path),
                                        self.encode(obj.stop, path),
                                        self.encode(obj.step, path)]}
        if t is range:
            return {"t": "range", "v": [obj.start, obj.stop, obj.step]}
        if t is np.dtype or isinstance(obj, np.dtype):
            if obj.fields is not None or obj.subdtype is not None:
                self._refuse(obj, path, "structured dtype")
            return {"t": "dtype", "v": obj.str if obj.kind != "O" else "O"}
        if isinstance(obj, type):
            return self._type(obj, path)
        if isinstance(obj, np.ufunc):
            if getattr(np, obj.__name__, None) is not obj:
                self._refuse(obj, path, "a ufunc outside the numpy namespace")
            return {"t": "ufunc", "name": obj.__name__}
        key = id(obj)
        if key in self._memo:
            return {"t": "ref", "id": self._memo[key]}
        node_id = len(self._memo)
        self._memo[key] = node_id
        self._keep.append(obj)
        node = self._memoised(obj, path)
        node["id"] = node_id
        return node

    def _np_scalar(self, obj, path):
        if obj.dtype.kind == "O" or obj.dtype.fields is not None:
            self._refuse(obj, path, "structured or object numpy scalar")
        return {"t": "npscalar", "dtype": obj.dtype.str, "hex": obj.tobytes().hex()}

    def _type(self, cls, path):
        if cls in _BUILTIN_TYPES.values():
            return {"t": "type", "name": f"builtins.{cls.__name__}"}
        if issubclass(cls, np.generic) and cls.__module__ == "numpy":
            return {"t": "type", "name": f"numpy.{cls.__name__}"}
        return {"t": "class", "cls": _class_name(cls, path)}

    def _array(self, arr, path):
        if type(arr) is not np.ndarray:
            self._refuse(arr, path, "an ndarray subclass")
        if arr.dtype.kind == "O":
            flat = [self.encode(v, f"{path}[{i}]") for i, v in enumerate(arr.ravel())]
            return {"t": "ndarray_object", "shape": list(arr.shape), "items": flat}
        if arr.dtype.hasobject:
            self._refuse(arr, path, "a structured dtype holding objects")
        self.arrays.append(arr)
        return {"t": "ndarray", "file": len(self.arrays) - 1}

    def _memoised(self, obj, path):
        t = type(obj)
        if t is list:
            return {"t": "list", "items": [self.encode(v, f"{path}[{i}]")
                                           for i, v in enumerate(obj)]}
        if t is dict:
            return {"t": "dict", "items": [[self.encode(k, f"{path}.keys()"),
                                            self.encode(v, f"{path}[{k!r}]")]
                                           for k, v in obj.items()]}
        if t in (set, frozenset):
            return {"t": t.__name__, "items": [self.encode(v, f"{path}{{}}")
                                               for v in obj]}
        if t is np.ndarray or isinstance(obj, np.ndarray) and not isinstance(
                obj, np.ma.MaskedArray):
            return self._array(obj, path)
        if isinstance(obj, np.ma.MaskedArray):
            return {"t": "masked", "data": self._array(np.asarray(obj.data), path),
                    "mask": self._array(np.ma.getmaskarray(obj), path),
                    "fill_value": self.encode(obj.fill_value, path)}
        if t is np.random.RandomState:
            return {"t": "RandomState", "state": self.encode(obj.get_state(), path)}
        if t is np.random.Generator:
            bg = obj.bit_generator
            return {"t": "Generator", "bit_generator": type(bg).__name__,
                    "state": self.encode(bg.state, path)}
        module = t.__module__.split(".")[0]
        if module == "scipy" and _is_sparse(obj):
            return self._sparse(obj, path)
        if module == "pandas":
            return _pandas_encode(self, obj, path)
        return self._object(obj, path)

    def _sparse(self, obj, path):
        fmt = obj.format
        if fmt not in ("csr", "csc", "coo"):
            obj = obj.tocsr()
            fmt = "csr"
        import scipy.sparse as sp
        node = {"t": "sparse", "format": fmt, "array": isinstance(obj, sp.sparray),
                "shape": list(obj.shape), "data": self._array(obj.data, path)}
        if fmt == "coo":
            node["coords"] = [self._array(np.asarray(c), path) for c in obj.coords]
        else:
            node["indices"] = self._array(obj.indices, path)
            node["indptr"] = self._array(obj.indptr, path)
        return node

    def _object(self, obj, path):
        cls = type(obj)
        try:
            rv = obj.__reduce_ex__(4)
        except Exception as exc:
            self._refuse(obj, path, f"it cannot be reduced: {exc}")
        if (not isinstance(rv, tuple) or len(rv) < 2 or rv[0] is not copyreg.__newobj__
                or not rv[1] or rv[1][0] is not cls
                or any(x is not None for x in rv[3:])):
            self._refuse(obj, path, "its pickling is not plain instance state")
        node = {"t": "object", "cls": _class_name(cls, path)}
        args = rv[1][1:]
        if args:
            node["args"] = [self.encode(a, f"{path}.__new__") for a in args]
        state = rv[2] if len(rv) > 2 else None
        if state is not None:
            if isinstance(state, dict):
                node["state"] = self._state(state, path)
            elif (isinstance(state, tuple) and len(state) == 2
                    and (state[0] is None or isinstance(state[0], dict))
                    and isinstance(state[1], dict)):
                node["state"] = None if state[0] is None else self._state(state[0], path)
                node["slots"] = self._state(state[1], path)
            else:
                self._refuse(obj, path, "its state is not a dict")
        return node

    def _state(self, state, path):
        out = []
        for k, v in state.items():
            if type(k) is not str:
                raise TypeError(f"cannot save {path}: attribute name {k!r} is not a string.")
            out.append([k, self.encode(v, f"{path}.{k}")])
        return out


def _class_name(cls, path):
    module, qualname = cls.__module__, cls.__qualname__
    if "<locals>" in qualname:
        raise TypeError(f"cannot save {path}: class {module}.{qualname} is defined "
                        "inside a function, so it cannot be found again by name.")
    return [module, qualname]


def _is_sparse(obj):
    import scipy.sparse as sp
    return sp.issparse(obj)


# -- pandas -----------------------------------------------------------------

def _tz_name(tz):
    if tz is None:
        return None
    for attr in ("key", "zone"):
        name = getattr(tz, attr, None)
        if isinstance(name, str):
            return name
    return str(tz)


def _pandas_encode(enc, obj, path):
    import pandas as pd
    t = type(obj)
    if obj is pd.NaT:
        return {"t": "NaT"}
    if t is pd.Timestamp:
        naive = obj.tz_convert(None) if obj.tz is not None else obj
        node = {"t": "Timestamp", "v": enc.encode(naive.asm8, path),
                "tz": _tz_name(obj.tz)}
    elif t is pd.Timedelta:
        node = {"t": "Timedelta", "v": enc.encode(obj.asm8, path)}
    elif t is pd.Period:
        node = {"t": "Period", "ordinal": int(obj.ordinal), "freq": obj.freqstr}
    elif _is_offset(obj):
        node = {"t": "offset", "freq": obj.freqstr}
    elif isinstance(obj, pd.Index):
        node = _index_encode(enc, obj, path)
    elif t is pd.Series:
        node = {"t": "Series", "index": enc.encode(obj.index, f"{path}.index"),
                "name": enc.encode(obj.name, f"{path}.name"),
                "dtype": str(obj.dtype),
                "values": enc.encode(obj.to_numpy(), f"{path}.values")}
    elif t is pd.DataFrame:
        node = {"t": "DataFrame", "index": enc.encode(obj.index, f"{path}.index"),
                "columns": enc.encode(obj.columns, f"{path}.columns"),
                "dtypes": [str(d) for d in obj.dtypes],
                "values": [enc.encode(obj.iloc[:, j].to_numpy(), f"{path}.iloc[:, {j}]")
                           for j in range(obj.shape[1])]}
    else:
        enc._refuse(obj, path, "a pandas type the format does not hold")
    _check_exact(enc, node, obj, path)
    return node


def _is_offset(obj):
    from pandas.tseries.offsets import BaseOffset
    return isinstance(obj, BaseOffset)


def _index_encode(enc, idx, path):
    import pandas as pd
    t = type(idx)
    name = enc.encode(idx.name, f"{path}.name")
    if t is pd.RangeIndex:
        return {"t": "RangeIndex", "v": [idx.start, idx.stop, idx.step], "name": name}
    if t is pd.DatetimeIndex:
        naive = idx.tz_convert(None) if idx.tz is not None else idx
        return {"t": "DatetimeIndex", "values": enc.encode(naive.to_numpy(), path),
                "tz": _tz_name(idx.tz), "name": name,
                "freq": None if idx.freq is None else idx.freq.freqstr}
    if t is pd.TimedeltaIndex:
        return {"t": "TimedeltaIndex", "values": enc.encode(idx.to_numpy(), path),
                "name": name, "freq": None if idx.freq is None else idx.freq.freqstr}
    if t is pd.PeriodIndex:
        return {"t": "PeriodIndex", "values": enc.encode(idx.asi8.copy(), path),
                "freq": idx.freqstr, "name": name}
    if t is pd.Index:
        return {"t": "Index", "values": enc.encode(idx.to_numpy(), path),
                "dtype": str(idx.dtype), "name": name}
    enc._refuse(idx, path, "a pandas index type the format does not hold")


def _check_exact(enc, node, obj, path):
    """Decode what was just encoded and compare: a pandas object that would
    not come back exactly (an extension dtype, an offset without an alias) is
    refused when saving, not discovered when loading."""
    import pandas as pd
    dec = _Decoder(lambda i: enc.arrays[i], lambda cls: None)
    dec.refs = _EncoderRefs(enc)
    try:
        back = dec.decode(dict(node, id=-1))
        if isinstance(obj, pd.Index):
            pd.testing.assert_index_equal(back, obj, exact=True, check_exact=True)
            same = getattr(back, "freq", None) == getattr(obj, "freq", None)
        elif isinstance(obj, pd.Series):
            pd.testing.assert_series_equal(back, obj, check_exact=True,
                                           check_index_type=True, check_freq=True)
            same = True
        elif isinstance(obj, pd.DataFrame):
            pd.testing.assert_frame_equal(back, obj, check_exact=True,
                                          check_index_type=True, check_column_type=True,
                                          check_freq=True)
            same = True
        else:
            same = type(back) is type(obj) and back == obj and (
                getattr(back, "tz", None) == getattr(obj, "tz", None)) and (
                getattr(back, "unit", None) == getattr(obj, "unit", None))
    except Exception as exc:      # noqa: BLE001  (any failure means "not exact")
        enc._refuse(obj, path, f"it does not come back exactly: {exc}")
    if not same:
        enc._refuse(obj, path, "it does not come back exactly")


class _EncoderRefs(dict):
    """References inside a node being checked resolve to the live objects
    (node ids are positions in the encoder's list of memoised objects)."""

    def __init__(self, enc):
        super().__init__()
        self._keep = enc._keep

    def __missing__(self, key):
        return self._keep[key]


# -- decoding ---------------------------------------------------------------

_NODE_TYPES = frozenset({
    "float", "complex", "bytes", "npscalar", "tuple", "slice", "range", "dtype",
    "type", "class", "ufunc", "list", "dict", "set", "frozenset", "ndarray",
    "ndarray_object", "masked", "RandomState", "Generator", "sparse", "object",
    "NaT", "Timestamp", "Timedelta", "Period", "offset", "RangeIndex",
    "DatetimeIndex", "TimedeltaIndex", "PeriodIndex", "Index", "Series",
    "DataFrame"})


class _Decoder:
    def __init__(self, read_array, resolve):
        self.read_array = read_array
        self.resolve = resolve
        self.refs = {}

    def decode(self, node):
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        t = node["t"]
        if t == "ref":
            return self.refs[node["id"]]
        if t not in _NODE_TYPES:
            raise ValueError(f"unknown node type {t!r}")
        method = getattr(self, "_" + t)
        obj = method(node)
        if "id" in node:     # containers and objects registered themselves first
            self.refs.setdefault(node["id"], obj)
        return obj

    def _register(self, node, obj):
        if "id" in node:
            self.refs[node["id"]] = obj
        return obj

    def _float(self, node):
        return float(node["v"])

    def _complex(self, node):
        return complex(*(self.decode(v) for v in node["v"]))

    def _bytes(self, node):
        return bytes.fromhex(node["hex"])

    def _npscalar(self, node):
        dtype = np.dtype(node["dtype"])
        if dtype.hasobject:
            raise ValueError("an object numpy scalar")
        return np.frombuffer(bytes.fromhex(node["hex"]), dtype=dtype)[0]

    def _tuple(self, node):
        return tuple(self.decode(v) for v in node["items"])

    def _slice(self, node):
        return slice(*(self.decode(v) for v in node["v"]))

    def _range(self, node):
        return range(*node["v"])

    def _dtype(self, node):
        return np.dtype(node["v"])

    def _type(self, node):
        module, _, name = node["name"].partition(".")
        if module == "builtins" and name in _BUILTIN_TYPES:
            return _BUILTIN_TYPES[name]
        cls = getattr(np, name, None) if module == "numpy" else None
        if isinstance(cls, type) and issubclass(cls, np.generic):
            return cls
        raise ValueError(f"unknown type {node['name']!r}")

    def _class(self, node):
        return self.resolve(tuple(node["cls"]))

    def _ufunc(self, node):
        f = getattr(np, node["name"], None)
        if not isinstance(f, np.ufunc):
            raise ValueError(f"numpy has no ufunc {node['name']!r}")
        return f

    def _list(self, node):
        out = self._register(node, [])
        out.extend(self.decode(v) for v in node["items"])
        return out

    def _dict(self, node):
        out = self._register(node, {})
        for k, v in node["items"]:
            key = self.decode(k)          # in the order they were written
            out[key] = self.decode(v)
        return out

    def _set(self, node):
        return self._register(node, {self.decode(v) for v in node["items"]})

    def _frozenset(self, node):
        return self._register(node, frozenset(self.decode(v) for v in node["items"]))

    def _ndarray(self, node):
        return self._register(node, self.read_array(node["file"]))

    def _ndarray_object(self, node):
        items = [self.decode(v) for v in node["items"]]
        arr = np.empty(len(items), dtype=object)
        arr[:] = items
        return self._register(node, arr.reshape(node["shape"]))

    def _masked(self, node):
        data, mask = self.decode(node["data"]), self.decode(node["mask"])
        out = np.ma.MaskedArray(data, mask=mask)
        out.fill_value = self.decode(node["fill_value"])
        return self._register(node, out)

    def _RandomState(self, node):
        rs = np.random.RandomState()
        rs.set_state(self.decode(node["state"]))
        return self._register(node, rs)

    def _Generator(self, node):
        name = node["bit_generator"]
        cls = getattr(np.random, name, None)
        if not (isinstance(cls, type) and issubclass(cls, np.random.BitGenerator)):
            raise ValueError(f"numpy has no bit generator {name!r}")
        bg = cls()
        bg.state = self.decode(node["state"])
        return self._register(node, np.random.Generator(bg))

    def _sparse(self, node):
        import scipy.sparse as sp
        fmt, shape = node["format"], tuple(node["shape"])
        kind = "array" if node["array"] else "matrix"
        cls = getattr(sp, f"{fmt}_{kind}")
        data = self.decode(node["data"])
        if fmt == "coo":
            coords = tuple(self.decode(c) for c in node["coords"])
            out = cls((data, coords), shape=shape)
        else:
            indices, indptr = self.decode(node["indices"]), self.decode(node["indptr"])
            out = cls((data, indices, indptr), shape=shape)
            out.indices, out.indptr = indices, indptr   # keep the saved index dtype
        out.data = data
        return self._register(node, out)

    def _object(self, node):
        cls = self.resolve(tuple(node["cls"]))
        args = [self.decode(a) for a in node.get("args", [])]
        obj = cls.__new__(cls, *args)
        self._register(node, obj)
        state = node.get("state")
        state = None if state is None else {k: self.decode(v) for k, v in state}
        slots = {k: self.decode(v) for k, v in node.get("slots", [])}
        if slots:
            state = (state, slots)
        if state is not None:
            setstate = getattr(obj, "__setstate__", None)
            if setstate is not None and type(obj).__setstate__ is not getattr(
                    object, "__setstate__", None):
                setstate(state)
            else:
                if isinstance(state, tuple):
                    state, slots = state
                    for k, v in slots.items():
                        object.__setattr__(obj, k, v)
                if state:
                    obj.__dict__.update(state)
        return obj

    # pandas
    def _NaT(self, node):
        import pandas as pd
        return pd.NaT

    def _Timestamp(self, node):
        import pandas as pd
        ts = pd.Timestamp(self.decode(node["v"]))
        return ts.tz_localize("UTC").tz_convert(node["tz"]) if node["tz"] else ts

    def _Timedelta(self, node):
        import pandas as pd
        return pd.Timedelta(self.decode(node["v"]))

    def _Period(self, node):
        import pandas as pd
        return pd.Period(ordinal=node["ordinal"], freq=node["freq"])

    def _offset(self, node):
        from pandas.tseries.frequencies import to_offset
        return to_offset(node["freq"])

    # Nodes are decoded in the order they were written (name before values),
    # so that a reference always follows the node that defines it.
    def _RangeIndex(self, node):
        import pandas as pd
        return self._register(node, pd.RangeIndex(*node["v"], name=self.decode(node["name"])))

    def _DatetimeIndex(self, node):
        import pandas as pd
        name = self.decode(node["name"])
        idx = pd.DatetimeIndex(self.decode(node["values"]), name=name)
        if node["tz"]:
            idx = idx.tz_localize("UTC").tz_convert(node["tz"])
        if node["freq"] is not None:
            idx = pd.DatetimeIndex(idx, freq=node["freq"])
        return self._register(node, idx)

    def _TimedeltaIndex(self, node):
        import pandas as pd
        name = self.decode(node["name"])
        idx = pd.TimedeltaIndex(self.decode(node["values"]), name=name)
        if node["freq"] is not None:
            idx = pd.TimedeltaIndex(idx, freq=node["freq"])
        return self._register(node, idx)

    def _PeriodIndex(self, node):
        import pandas as pd
        name = self.decode(node["name"])
        ordinals, freq = self.decode(node["values"]), node["freq"]
        if hasattr(pd.PeriodIndex, "from_ordinals"):
            idx = pd.PeriodIndex.from_ordinals(ordinals, freq=freq, name=name)
        else:                                   # pandas < 2.2
            idx = pd.PeriodIndex(ordinal=ordinals, freq=freq, name=name)
        return self._register(node, idx)

    def _Index(self, node):
        import pandas as pd
        name = self.decode(node["name"])
        return self._register(node, pd.Index(self.decode(node["values"]),
                                             dtype=node["dtype"], name=name))

    def _Series(self, node):
        import pandas as pd
        index = self.decode(node["index"])
        name = self.decode(node["name"])
        return self._register(node, pd.Series(self.decode(node["values"]), index=index,
                                              dtype=node["dtype"], name=name))

    def _DataFrame(self, node):
        import pandas as pd
        index, columns = self.decode(node["index"]), self.decode(node["columns"])
        data = {j: pd.Series(self.decode(v), index=index, dtype=d)
                for j, (v, d) in enumerate(zip(node["values"], node["dtypes"]))}
        frame = pd.DataFrame(data, index=index)
        frame.columns = columns
        return self._register(node, frame)


# -- trust ------------------------------------------------------------------

def _classes_named(node, out):
    """Every (module, qualname) the tree names, without building anything."""
    if isinstance(node, dict):
        if node.get("t") in ("object", "class"):
            cls = node.get("cls")
            if (not isinstance(cls, list) or len(cls) != 2
                    or not all(isinstance(c, str) for c in cls)):
                raise ValueError(f"a malformed class name {cls!r}")
            out.add(tuple(cls))
        for v in node.values():
            _classes_named(v, out)
    elif isinstance(node, list):
        for v in node:
            _classes_named(v, out)
    return out


def _sklearn_trusts(cls):
    from sklearn.base import BaseEstimator
    from sklearn.model_selection import BaseCrossValidator
    from sklearn.model_selection._split import BaseShuffleSplit
    return issubclass(cls, (BaseEstimator, BaseCrossValidator, BaseShuffleSplit))


def _lookup(module, qualname):
    mod = importlib.import_module(module)
    obj = mod
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


class _Resolver:
    """(module, qualname) -> class, for trusted classes only."""

    def __init__(self, trusted, path, file_version):
        self.extra = {}
        for cls in trusted or ():
            if not isinstance(cls, type):
                raise TypeError(f"trusted must hold classes; got {cls!r}. Pass the "
                                "class objects you vouch for, e.g. trusted=[MyScaler].")
            self.extra[(cls.__module__, cls.__qualname__)] = cls
        self.path, self.file_version = path, file_version
        self.cache = {}

    def untrusted(self, name):
        module, qualname = name
        if name in self.extra:
            return False
        parts = module.split(".")
        if parts[0] not in _TRUSTED_PACKAGES + ("sklearn",):
            return True
        # never import test modules, and look up plain class names only
        if any(p in ("tests", "conftest", "_testing") or p.startswith(("test", "__"))
               or not p.isidentifier() for p in parts):
            return True
        return any(not p.isidentifier() or p.startswith("__")
                   for p in qualname.split("."))

    def __call__(self, name):
        if name in self.cache:
            return self.cache[name]
        if name in self.extra:
            return self.extra[name]
        module, qualname = name
        try:
            cls = _lookup(module, qualname)
        except (ImportError, AttributeError):
            raise ValueError(
                f"{self.path} needs the class {module}.{qualname}, which "
                f"reservoir-ts {_project_version()} (with scikit-learn "
                f"{_sklearn_version()}) does not have: the file was written by "
                f"reservoir-ts {self.file_version}, an incompatible version. "
                "Load it with that version, or refit and save again.") from None
        if (not isinstance(cls, type) or cls.__module__ != module
                or cls.__qualname__ != qualname):
            raise TypeError(f"{self.path} names {module}.{qualname}, which is not a "
                            "class defined there; nothing was loaded.")
        if module.split(".")[0] == "sklearn" and not _sklearn_trusts(cls):
            raise TypeError(
                f"{self.path} holds an object of type {module}.{qualname}, which "
                "is not a scikit-learn estimator or splitter; nothing was loaded. "
                f"If you trust the file's source, pass trusted=[{qualname}].")
        self.cache[name] = cls
        return cls


def _sklearn_version():
    import sklearn
    return sklearn.__version__


# -- files ------------------------------------------------------------------

def save(obj, path):
    """Save a fitted (or unfitted) model to a file that loads without running code.

    Works for every estimator of :mod:`reservoir` and :mod:`forecasting`
    (:class:`Reservoir`, :class:`ESNRegressor`, the recurrent networks,
    :class:`~forecasting.Forecaster`, :class:`~forecasting.AnomalyDetector`,
    ...), scikit-learn :class:`~sklearn.pipeline.Pipeline` objects of them and
    of scikit-learn's estimators, and containers of those.

    Parameters
    ----------
    obj : object
        The model. Everything it holds must be numbers, strings, containers,
        numpy arrays, scipy sparse matrices, pandas indexes, series and
        frames, numpy random states, or objects whose state is a dict of
        those; anything else (a function, an open file, a lock) is refused
        with a ``TypeError`` naming where it sits.
    path : str, path-like or binary file object
        Where to write. A path is written to a temporary file first and moved
        into place, so a failed save leaves no half-written file.

    See Also
    --------
    load : read it back.

    Notes
    -----
    The file is a zip archive of a JSON description and ``.npy`` arrays (see
    the module docstring of ``reservoir._io``); the same model gives the same
    bytes. Pickle works too, but loading a pickle runs code the file names.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from reservoir import ESNRegressor, save, load
    >>> u = np.sin(np.arange(500) * 0.1)[:, None]
    >>> esn = ESNRegressor(n_reservoir=50, washout=50, random_state=0).fit(u[:-1], u[1:])
    >>> path = os.path.join(tempfile.mkdtemp(), "esn.model")
    >>> save(esn, path)
    >>> again = load(path)
    >>> bool(np.array_equal(again.predict(u[:-1]), esn.predict(u[:-1])))
    True
    """
    enc = _Encoder()
    root = enc.encode(obj, type(obj).__name__)
    header = {"format": FORMAT, "format_version": FORMAT_VERSION,
              "written_by": _versions(), "root": root,
              "arrays": len(enc.arrays)}
    if hasattr(path, "write"):
        _write(path, header, enc.arrays)
        return
    path = os.fspath(path)
    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        with open(tmp, "wb") as f:
            _write(f, header, enc.arrays)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def _write(f, header, arrays):
    with zipfile.ZipFile(f, "w", compression=zipfile.ZIP_STORED) as zf:
        zf.writestr(zipfile.ZipInfo(_HEADER, _DATE),
                    json.dumps(header, separators=(",", ":"), allow_nan=False))
        for i, arr in enumerate(arrays):
            info = zipfile.ZipInfo(f"arrays/{i}.npy", _DATE)
            with zf.open(info, "w", force_zip64=arr.nbytes > (1 << 30)) as out:
                np.lib.format.write_array(out, arr, allow_pickle=False)


_PICKLE_HINT = ("reservoir.load never unpickles: a pickle runs whatever code it "
                "names while loading. If you trust its source, open it with "
                "pickle.load and re-save it with reservoir.save.")


def load(path, *, trusted=None):
    """Load a model saved by :func:`save`, without running any code from the file.

    Parameters
    ----------
    path : str, path-like or binary file object
    trusted : sequence of classes, optional
        Classes besides the project's and scikit-learn's estimators and
        splitters that the file may instantiate: your own transformer in a
        pipeline, for instance. Only pass classes you trust.

    Returns
    -------
    obj : the saved object, with the same predictions bit for bit.

    Raises
    ------
    TypeError
        The file names a class that is not trusted (the message names it);
        nothing is built.
    ValueError
        The file is not a model file (a pickle, for instance, which is
        refused without being run), is truncated or corrupted, or was
        written in a format version this version of the project does not
        read.

    See Also
    --------
    save

    Examples
    --------
    >>> import io
    >>> import numpy as np
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from reservoir import ESNRegressor, save, load
    >>> u = np.sin(np.arange(500) * 0.1)[:, None]
    >>> pipe = make_pipeline(StandardScaler(), ESNRegressor(n_reservoir=50, washout=50,
    ...                                                     random_state=0))
    >>> pipe = pipe.fit(u[:-1], u[1:, 0])
    >>> buf = io.BytesIO()
    >>> save(pipe, buf)
    >>> _ = buf.seek(0)
    >>> bool(np.array_equal(load(buf).predict(u[:-1]), pipe.predict(u[:-1])))
    True
    """
    name = repr(getattr(path, "name", path)) if hasattr(path, "read") else repr(os.fspath(path))
    if hasattr(path, "read"):
        return _load(path, name, trusted)
    with open(path, "rb") as f:
        return _load(f, name, trusted)


def _load(f, name, trusted):
    start = f.tell() if f.seekable() else 0
    magic = f.read(4)
    f.seek(start)
    if magic[:1] == b"\x80" and magic[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05"):
        raise ValueError(f"{name} is a pickle, not a reservoir-ts model file. "
                         + _PICKLE_HINT)
    if magic != b"PK\x03\x04":
        raise ValueError(f"{name} is not a reservoir-ts model file (it does not "
                         "start like one); save models with reservoir.save.")
    try:
        zf = zipfile.ZipFile(f)
    except (zipfile.BadZipFile, EOFError, OSError) as exc:
        raise ValueError(f"{name} is truncated or corrupted ({exc}); save the "
                         "model again.") from None
    with zf:
        try:
            header = json.loads(zf.read(_HEADER))
        except KeyError:
            raise ValueError(f"{name} is a zip archive without {_HEADER}: not a "
                             "reservoir-ts model file.") from None
        except (zipfile.BadZipFile, EOFError, OSError, ValueError, RecursionError,
                NotImplementedError, _zlib_error()) as exc:
            raise ValueError(f"{name} is corrupted ({exc}); save the model "
                             "again.") from None
        if not isinstance(header, dict) or header.get("format") != FORMAT:
            raise ValueError(f"{name} is not a reservoir-ts model file.")
        written = header.get("written_by", {})
        file_project = written.get("reservoir-ts", "unknown") \
            if isinstance(written, dict) else "unknown"
        version = header.get("format_version")
        if version != FORMAT_VERSION:
            newer = isinstance(version, int) and version > FORMAT_VERSION
            raise ValueError(
                f"{name} was written by reservoir-ts {file_project} in model "
                f"format {version}; reservoir-ts {_project_version()} reads "
                f"format {FORMAT_VERSION}. "
                + ("Upgrade reservoir-ts to load it." if newer else
                   "Load it with the version that wrote it and save it again, "
                   "or refit."))
        if file_project != _project_version():
            from ._warnings import ReservoirWarning
            warnings.warn(
                f"{name} was written by reservoir-ts {file_project} and is "
                f"loaded by {_project_version()}; the format is the same, but "
                "check its predictions or refit.", ReservoirWarning, stacklevel=3)
        resolver = _Resolver(trusted, name, file_project)
        try:
            names = _classes_named(header.get("root"), set())
        except (ValueError, RecursionError) as exc:
            raise ValueError(f"{name} is corrupted ({exc}).") from None
        foreign = sorted(f"{m}.{q}" for m, q in names if resolver.untrusted((m, q)))
        if foreign:
            raise TypeError(
                f"{name} holds objects of types the loader does not trust: "
                f"{', '.join(foreign)}. Only the classes of reservoir and "
                "forecasting and scikit-learn's estimators and splitters are "
                "trusted; nothing was loaded. If you trust the file's source, "
                "pass these classes as load(..., trusted=[...]).")
        for cls_name in sorted(names):
            resolver(cls_name)            # every class checked before building

        n_arrays = header.get("arrays")
        if not isinstance(n_arrays, int) or "root" not in header:
            raise ValueError(f"{name} is corrupted (its header is incomplete).")

        def read_array(i):
            if not isinstance(i, int) or not 0 <= i < n_arrays:
                raise ValueError(f"array {i!r} does not exist")
            with zf.open(f"arrays/{i}.npy") as entry:
                arr = np.lib.format.read_array(entry, allow_pickle=False)
                if entry.read(1):
                    raise ValueError(f"arrays/{i}.npy has trailing bytes")
            return arr

        decoder = _Decoder(read_array, resolver)
        try:
            return decoder.decode(header["root"])
        # NotImplementedError: zipfile's answer to a corrupted compression
        # method field
        except (zipfile.BadZipFile, EOFError, KeyError, IndexError, RecursionError,
                NotImplementedError, _zlib_error()) as exc:
            raise ValueError(f"{name} is corrupted ({type(exc).__name__}: {exc}); "
                             "save the model again.") from None
        except ValueError as exc:
            raise ValueError(f"{name} is corrupted or from an incompatible "
                             f"version ({exc}).") from None


def _zlib_error():
    import zlib
    return zlib.error
