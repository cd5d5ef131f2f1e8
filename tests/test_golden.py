"""Refactorings change no result: a dozen recorded explanations are reproduced to float precision.

The cases (every modality, LIME and KernelSHAP, "auto", a regression, several labels, ``explain_many``
with ``n_jobs=2``) live in ``tests/golden_cases.py``; their JSON in ``tests/golden/``.
"""

import json
import math
import warnings

import pytest
from golden_cases import GOLDEN, as_json, cases


def _assert_same(recorded, produced, where="") -> None:
    if isinstance(recorded, float) or isinstance(produced, float):
        assert isinstance(produced, (int, float)) and isinstance(recorded, (int, float)), where
        if math.isnan(recorded):
            assert math.isnan(produced), where
        else:
            assert produced == pytest.approx(recorded, rel=1e-9, abs=1e-12), where
    elif isinstance(recorded, dict):
        assert isinstance(produced, dict) and recorded.keys() == produced.keys(), where
        for key in recorded:
            _assert_same(recorded[key], produced[key], f"{where}.{key}")
    elif isinstance(recorded, list):
        assert isinstance(produced, list) and len(recorded) == len(produced), where
        for index, (a, b) in enumerate(zip(recorded, produced)):
            _assert_same(a, b, f"{where}[{index}]")
    else:
        assert recorded == produced, where


@pytest.mark.parametrize("name, make", list(cases()), ids=[name for name, _ in cases()])
def test_recorded_explanation_is_reproduced(name, make):
    recorded = json.loads((GOLDEN / f"{name}.json").read_text())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        produced = as_json(make())
    _assert_same(recorded, produced, name)
