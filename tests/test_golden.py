"""Refactorings change no result: a dozen recorded explanations are reproduced.

The cases (every modality, LIME and KernelSHAP, "auto", a regression, several labels, ``explain_many``
with ``n_jobs=2``) live in ``tests/golden_cases.py``; their JSON in ``tests/golden/``.

Everything that is not a float must match exactly. Floats must match to 1e-5 of the largest value beside
them: the surrogate's moments are summed in float32, and a CPU whose BLAS kernels round differently moved
weights by up to 2e-6 of the largest weight (measured with ``OPENBLAS_CORETYPE=Sandybridge`` and
``Haswell``). A changed sample, kernel or fit moves them by far more. Weights that tie to within that
rounding may swap places, so each label's weights are compared by feature, not by rank, and the rank
bounds of weights that are zero up to that rounding are not compared.
"""

import json
import math
import warnings

import pytest
from golden_cases import GOLDEN, as_json, cases

RELATIVE = 1e-5
BY_FEATURE = ("coefficients", "coefficient_std", "rank_bounds")


def _by_feature(explanation: dict) -> dict:
    """Each label's weights, standard errors and rank bounds keyed by feature, in feature order."""
    explanation = dict(explanation)
    order = {label: [pair[0] for pair in pairs] for label, pairs in explanation.get("coefficients", [])}
    explanation["coefficients"] = [[label, sorted(pairs)] for label, pairs in explanation.get("coefficients", [])]
    explanation["coefficient_std"] = [
        [label, [std for _, std in sorted(zip(order[label], stds))]] for label, stds in explanation.get("coefficient_std", [])
    ]
    # Among weights that are zero up to rounding (segments the model never looks at) the ranks are rounding.
    weights = {label: dict(map(tuple, pairs)) for label, pairs in explanation["coefficients"]}
    explanation["rank_bounds"] = [
        [label, sorted(b for b in bounds if abs(weights[label][b[0]]) > RELATIVE * _largest(list(weights[label].values())))]
        for label, bounds in explanation.get("rank_bounds", [])
    ]
    return explanation


def _largest(values) -> float:
    if isinstance(values, float):
        return abs(values) if math.isfinite(values) else 0.0
    if isinstance(values, list):
        return max((_largest(v) for v in values), default=0.0)
    return 0.0


def _assert_same(recorded, produced, where="", scale=0.0) -> None:
    if isinstance(recorded, float) or isinstance(produced, float):
        assert isinstance(produced, (int, float)) and isinstance(recorded, (int, float)), where
        if math.isnan(recorded):
            assert math.isnan(produced), where
        else:
            tolerance = RELATIVE * max(abs(recorded), scale) + 1e-12
            assert abs(produced - recorded) <= tolerance, f"{where}: {produced!r} != {recorded!r} ± {tolerance:.1e}"
    elif isinstance(recorded, dict):
        assert isinstance(produced, dict) and recorded.keys() == produced.keys(), where
        for key in recorded:
            _assert_same(recorded[key], produced[key], f"{where}.{key}")
    elif isinstance(recorded, list):
        assert isinstance(produced, list) and len(recorded) == len(produced), where
        scale = max(scale, _largest(recorded))
        for index, (a, b) in enumerate(zip(recorded, produced)):
            _assert_same(a, b, f"{where}[{index}]", scale)
    else:
        assert recorded == produced, f"{where}: {produced!r} != {recorded!r}"


def _compared(result) -> list:
    return [_by_feature(exp) for exp in (result if isinstance(result, list) else [result])]


@pytest.mark.parametrize("name, make", list(cases()), ids=[name for name, _ in cases()])
def test_recorded_explanation_is_reproduced(name, make):
    recorded = json.loads((GOLDEN / f"{name}.json").read_text())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        produced = as_json(make())
    _assert_same(_compared(recorded), _compared(produced), name)


def test_a_changed_weight_or_feature_order_is_caught():
    recorded = json.loads((GOLDEN / "tabular_lime_model_bins.json").read_text())
    nudged = json.loads(json.dumps(recorded))
    label, pairs = nudged["coefficients"][0]
    pairs[-1][1] += 1e-4 * abs(pairs[0][1])  # the smallest weight, by a ten-thousandth of the largest
    with pytest.raises(AssertionError, match="coefficients"):
        _assert_same(_compared(recorded), _compared(nudged))
    swapped = json.loads(json.dumps(recorded))
    swapped["coefficient_std"][0][1][:2] = swapped["coefficient_std"][0][1][1::-1]  # standard errors of two features
    assert swapped["coefficient_std"][0][1][:2] != recorded["coefficient_std"][0][1][:2]
    with pytest.raises(AssertionError, match="coefficient_std"):
        _assert_same(_compared(recorded), _compared(swapped))
