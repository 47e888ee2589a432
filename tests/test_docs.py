"""Documentation is tested like code.

* Every public class and function of both packages (``__all__`` of
  ``reservoir`` and ``forecasting`` and of their public submodules), and
  every public method and property of the public classes, has a numpydoc
  docstring: a summary line, and a ``Parameters`` section naming every
  parameter of the signature, with the documented defaults equal to the real
  ones.
* Every ``>>>`` example in the packages' docstrings runs as a test (one test
  per docstring, through :mod:`doctest`), so the plain ``python -m pytest``
  of the README runs them without extra flags.
* The README's ``python`` code blocks run in order in one namespace, as a
  reader would paste them.
"""

from __future__ import annotations

import ast
import dataclasses
import doctest
import importlib
import importlib.util
import inspect
import pkgutil
import pydoc
import re
import warnings
from pathlib import Path

import numpy as np
import pytest

import forecasting
import reservoir

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = (reservoir, forecasting)
PUBLIC_MODULES = ("reservoir", "forecasting", "reservoir.datasets",
                  "reservoir.metrics", "forecasting.metrics",
                  "forecasting.detection_metrics")
# numpydoc's section order (the ones this project uses)
SECTIONS = ("Parameters", "Attributes", "Methods", "Returns", "Yields",
            "Other Parameters", "Raises", "Warns", "Warnings", "See Also",
            "Notes", "References", "Examples")


# -- what is public ------------------------------------------------------------
def _public_objects():
    """{qualified name: object} of the public classes and functions."""
    out = {}
    for modname in PUBLIC_MODULES:
        module = importlib.import_module(modname)
        assert hasattr(module, "__all__"), f"{modname} has no __all__"
        for name in module.__all__:
            obj = getattr(module, name)
            if inspect.isclass(obj) or inspect.isfunction(obj):
                out.setdefault(f"{obj.__module__}.{obj.__qualname__}", obj)
    return out


def _ours(func):
    return (getattr(func, "__module__", None) or "").split(".")[0] in (
        "reservoir", "forecasting")


def _public_members(cls):
    """(name, function or property) of the public methods a class defines or
    inherits from the project's own (private) base classes."""
    for name in sorted(dir(cls)):
        if name.startswith("_"):
            continue
        attr = inspect.getattr_static(cls, name)
        if isinstance(attr, (staticmethod, classmethod)):
            attr = attr.__func__
        if isinstance(attr, property):
            if attr.fget is not None and _ours(attr.fget):
                yield name, attr
        elif inspect.isfunction(attr) and _ours(attr):
            yield name, attr


def _documented_items():
    items = []
    for qualname, obj in sorted(_public_objects().items()):
        items.append((qualname, obj))
        if inspect.isclass(obj):
            items += [(f"{qualname}.{name}", member)
                      for name, member in _public_members(obj)]
    return items


DOCUMENTED = _documented_items()


# -- a small numpydoc reader -----------------------------------------------------
def _sections(doc):
    """{section title: body text} of a cleaned docstring (summary under "")."""
    lines = doc.splitlines()
    out, title, body = {}, "", []
    i = 0
    while i < len(lines):
        line = lines[i]
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if line.strip() and re.fullmatch(r"-{3,}", nxt.strip()) \
                and len(nxt.strip()) == len(line.strip()):
            out[title] = "\n".join(body)
            title, body = line.strip(), []
            i += 2
            continue
        body.append(line)
        i += 1
    out[title] = "\n".join(body)
    return out


def _entries(body):
    """{name: (type text, description, position in a shared entry)} of a
    Parameters-like section (``a, b : float, default=0.2, 0.1`` documents
    two names at positions 0 and 1)."""
    out, current = {}, None
    for line in body.splitlines():
        if line.strip() and not line.startswith((" ", "\t")):
            head, _, typ = line.partition(" : ")
            names = [n.strip().lstrip("*") for n in head.split(",")]
            for k, n in enumerate(names):
                out[n] = [typ.strip(), [], k if len(names) > 1 else None]
            current = names
        elif current is not None:
            for n in current:
                out[n][1].append(line.strip())
    return {k: (t, " ".join(d).strip(), pos) for k, (t, d, pos) in out.items()}


def _signature_params(obj):
    target = obj
    if inspect.isclass(obj):
        if dataclasses.is_dataclass(obj):
            return [f.name for f in dataclasses.fields(obj) if f.init]
        init = obj.__dict__.get("__init__") or next(
            (c.__dict__["__init__"] for c in obj.__mro__ if "__init__" in c.__dict__),
            None)
        if init is None or not _ours(init):
            return []                   # object's or Exception's constructor
        target = init
    params = inspect.signature(target).parameters.values()
    return [p.name for p in params if p.name not in ("self", "cls")
            and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]


def _signature_defaults(obj):
    target = obj.__init__ if inspect.isclass(obj) else obj
    return {p.name: p.default for p in inspect.signature(target).parameters.values()
            if p.default is not p.empty}


# -- docstrings ------------------------------------------------------------------
@pytest.mark.parametrize("qualname,obj", DOCUMENTED, ids=[q for q, _ in DOCUMENTED])
def test_numpydoc_docstring(qualname, obj):
    raw = obj.__doc__ if not isinstance(obj, property) else obj.fget.__doc__
    assert raw and raw.strip(), f"{qualname} has no docstring"
    doc = inspect.cleandoc(raw)
    sections = _sections(doc)
    summary = sections[""].strip().splitlines()
    assert summary and summary[0].strip(), f"{qualname}: no summary line"
    titles = [t for t in sections if t]
    unknown = [t for t in titles if t not in SECTIONS]
    assert not unknown, f"{qualname}: unknown sections {unknown}"
    order = [SECTIONS.index(t) for t in titles]
    assert order == sorted(order), f"{qualname}: sections out of numpydoc order {titles}"
    if isinstance(obj, property):
        return
    params = _signature_params(obj)
    if not params:
        return
    where = "Parameters"
    if dataclasses.is_dataclass(obj) and "Parameters" not in sections:
        where = "Attributes"                 # a result object documents fields
    assert where in sections, f"{qualname} takes {params} but has no {where} section"
    entries = _entries(sections[where])
    missing = [p for p in params if p not in entries]
    assert not missing, f"{qualname}: parameters {missing} are not documented"


def _default_text(type_text):
    m = re.search(r"default\s*[=:]?\s*(.+)$", type_text)
    return m.group(1).strip().rstrip(".") if m else None


FUNCTIONS_WITH_DEFAULTS = [(q, o) for q, o in DOCUMENTED
                           if not isinstance(o, property)
                           and not (inspect.isclass(o) and dataclasses.is_dataclass(o))
                           and _signature_params(o)]


@pytest.mark.parametrize("qualname,obj", FUNCTIONS_WITH_DEFAULTS,
                         ids=[q for q, _ in FUNCTIONS_WITH_DEFAULTS])
def test_documented_defaults_match_signature(qualname, obj):
    """``name : type, default=X`` must say the signature's default."""
    sections = _sections(inspect.cleandoc(obj.__doc__))
    entries = _entries(sections.get("Parameters", ""))
    for name, default in _signature_defaults(obj).items():
        if name not in entries:
            continue
        typ, _, pos = entries[name]
        text = _default_text(typ)
        if text is None:
            continue
        try:
            documented = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            continue                    # prose such as "default=a day"
        if pos is not None and isinstance(documented, tuple):
            documented = documented[pos]   # "a, b : ..., default=0.2, 0.1"
        assert documented == default and type(documented) is type(default) \
            or (isinstance(default, float) and documented == default), (
            f"{qualname}: {name} documents default={text} but the signature "
            f"says {default!r}")


DETECTORS = (forecasting.AnomalyDetector, forecasting.SeasonalNaiveDetector,
             forecasting.RollingZScoreDetector)


@pytest.mark.parametrize("cls", DETECTORS, ids=lambda c: c.__name__)
def test_detector_help_shows_every_parameter(cls):
    """The detectors' docstrings once were ``\"\"\"...\"\"\" % X`` expressions,
    so ``help()`` showed nothing."""
    assert isinstance(cls.__doc__, str)
    text = pydoc.render_doc(cls, renderer=pydoc.plaintext)
    for name in inspect.signature(cls).parameters:
        assert f"{name} :" in text, f"help({cls.__name__}) does not show {name}"
    sections = _sections(inspect.cleandoc(cls.__doc__))
    for title in ("Parameters", "Attributes", "See Also", "Notes", "Examples"):
        assert title in sections, f"{cls.__name__} lacks a {title} section"


# The detectors share these parameters with the same meaning: their texts are
# written out in each class (so the docstrings are literals that editors and
# static tools read); this keeps the copies from drifting apart.
SHARED_DETECTOR_PARAMS = ("score", "smoothing", "contamination", "threshold",
                          "cooldown", "nan_policy")


def test_shared_detector_parameters_read_the_same():
    texts = [_entries(_sections(inspect.cleandoc(c.__doc__))["Parameters"])
             for c in DETECTORS]
    for name in SHARED_DETECTOR_PARAMS:
        first = texts[0][name]
        for cls, t in zip(DETECTORS[1:], texts[1:]):
            assert t[name] == first, f"{cls.__name__}.{name} reads differently"


# -- doctests ----------------------------------------------------------------------
def _modules():
    for pkg in PACKAGES:
        yield pkg
        for info in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + "."):
            yield importlib.import_module(info.name)


def _doctests():
    finder = doctest.DocTestFinder(exclude_empty=True)
    tests = {}
    for module in _modules():
        for test in finder.find(module):
            if test.examples:
                tests[test.name] = test
    return [tests[k] for k in sorted(tests)]


DOCTESTS = _doctests()
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def test_doctests_were_collected():
    names = {t.name for t in DOCTESTS}
    for expected in ("forecasting.anomaly.AnomalyDetector",
                     "forecasting.anomaly.SeasonalNaiveDetector",
                     "forecasting.anomaly.RollingZScoreDetector",
                     "reservoir.metrics.nrmse"):
        assert expected in names
    assert len(DOCTESTS) >= 25


@pytest.mark.parametrize("test", DOCTESTS, ids=[t.name for t in DOCTESTS])
def test_docstring_examples(test):
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    report = []
    test.globs = dict(test.globs)          # every docstring starts clean
    with warnings.catch_warnings(), np.printoptions(legacy=False):
        warnings.simplefilter("ignore")
        result = runner.run(test, out=report.append, clear_globs=True)
    assert result.failed == 0, "".join(report)


# -- the README --------------------------------------------------------------------
def _readme_blocks():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"^```python\n(.*?)^```", text, re.S | re.M)


def test_readme_python_blocks_run(monkeypatch, tmp_path):
    """The README's python blocks, in order, in one namespace, as written."""
    import pandas as pd

    blocks = _readme_blocks()
    assert len(blocks) >= 3
    monkeypatch.chdir(tmp_path)           # whatever the blocks write lands here
    namespace = {"__name__": "__readme__"}
    checks = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for k, block in enumerate(blocks):
            if "from distributed" in block and importlib.util.find_spec("distributed") is None:
                continue                   # the optional "distributed" extra
            exec(compile(block, f"README.md python block {k + 1}", "exec"), namespace)
            if "ESNRegressor" in block and "model" in namespace and "nrmse" not in checks:
                ns = namespace     # the next-step claim of "Ten lines"
                checks["nrmse"] = ns["metrics"].nrmse(
                    ns["y"][2000:], ns["model"].predict(ns["X"])[2000:])
    # what the blocks claim: a next-step ESN far better than the mean, and a
    # forecast on the 24 hours after the series
    assert checks["nrmse"] < 0.1
    fc, y = namespace["fc"], namespace["y"]
    assert fc.predict(24).index.equals(
        pd.date_range(y.index[-1] + pd.Timedelta("1h"), periods=24, freq="h"))
