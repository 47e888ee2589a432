"""The one module that touches scikit-learn's private helpers.

The supported scikit-learn range is bounded in ``pyproject.toml`` because of
these imports.
"""

from __future__ import annotations

from sklearn.utils._set_output import _get_output_config
from sklearn.utils.validation import _check_feature_names

__all__ = ["check_feature_names", "output_container", "regressor_tags",
           "classifier_tags", "transformer_tags"]


def output_container(estimator, method="transform"):
    """The container ``set_output`` (or the global config) asks for:
    "default", "pandas" or "polars"."""
    return _get_output_config(method, estimator)["dense"]


def check_feature_names(estimator, frame, *, reset, name="X"):
    """Record (``reset``) or check ``feature_names_in_`` from a DataFrame.

    ``frame`` is the first pandas input of the sequences, or None for numpy.
    scikit-learn's refusals (mixed str/non-str or duplicate column names,
    other names than in fit) say "feature names"; ours name the argument.
    """
    try:
        _check_feature_names(estimator, frame, reset=reset)
    except (TypeError, ValueError) as exc:
        kind = TypeError if isinstance(exc, TypeError) else ValueError
        raise kind(f"{name}'s column names cannot be used: {exc}") from None


def _sequence_input_tags(tags):
    tags.input_tags.two_d_array = True
    tags.input_tags.three_d_array = True
    tags.input_tags.allow_nan = False
    tags.input_tags.sparse = False
    return tags


def regressor_tags(tags):
    """Tags of a sequence regressor: multi-output, no NaN, 2-D or 3-D X."""
    tags = _sequence_input_tags(tags)
    tags.target_tags.multi_output = True
    tags.target_tags.single_output = True
    return tags


def classifier_tags(tags):
    """Tags of a sequence classifier: binary and multiclass, one label column."""
    tags = _sequence_input_tags(tags)
    tags.classifier_tags.multi_class = True
    tags.classifier_tags.multi_label = False
    tags.target_tags.multi_output = False
    tags.target_tags.single_output = True
    return tags


def transformer_tags(tags):
    """Tags of a sequence transformer (no targets needed)."""
    tags = _sequence_input_tags(tags)
    tags.target_tags.required = False
    return tags
