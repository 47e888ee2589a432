"""The ``>>>`` examples of the ESN and NVAR docstrings run as tests."""

import doctest

import pytest

import reservoir.esn
import reservoir.nvar


@pytest.mark.parametrize("module", [reservoir.esn, reservoir.nvar],
                         ids=lambda m: m.__name__)
def test_docstring_examples(module):
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
