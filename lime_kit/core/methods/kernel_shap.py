"""KernelSHAP: Shapley values fitted on coalitions, their absent features filled from a background.

The coalitions, the Shapley kernel and the constrained fit are in
:mod:`lime_kit.core.shapley`; this module is what the pipeline sees.
"""

from __future__ import annotations

from lime_kit.core.methods.base import AUTO_FIRST_ROUND, Method, MethodRun, auto_schedule
from lime_kit.core.methods.weights import WeightsRun
from lime_kit.core.sampler import InstanceSampler
from lime_kit.core.shapley import CoalitionSamples
from lime_kit.core.surrogate import single_threaded_blas

__all__ = ["BACKGROUND_PAIRINGS", "KernelShap"]

#: KernelSHAP on rows: every coalition with every background row, or with one drawn at random.
BACKGROUND_PAIRINGS = ("all", "one")


class KernelShap(Method):
    """Shapley values by KernelSHAP, with the sampling error of every value.

    The values sum exactly to the prediction minus the *base value*, the
    mean output with every feature absent (``exp.intercept[label]``,
    ``exp.payload["base_value"]``). With ``num_samples >= 2**d - 2`` they
    are exact.

    Parameters
    ----------
    background : int, array-like or DataFrame, optional
        Tabular explainers only: where absent features take their values. An
        int is the size of a k-means summary of the training data (default
        10, rows weighted by cluster size); rows (in the training layout)
        are used as given, with equal weights. Text and images remove absent
        features their own way.
    background_pairing : {"all", "one"}, default="all"
        Score every coalition with every background row
        (``num_samples x len(background)`` model rows), or with one drawn at
        random (``num_samples`` rows: cheaper, noisier; the noise is in
        ``coefficient_std``).

    Examples
    --------
    >>> import numpy as np
    >>> from lime_kit import TabularExplainer
    >>> X = np.random.default_rng(0).normal(size=(100, 3))
    >>> explainer = TabularExplainer(X, mode="regression", random_state=0)
    >>> exp = explainer.explain(X[0], lambda rows: rows[:, 0], method=KernelShap(background=X[:10]))
    >>> bool(np.isclose(exp.intercept[0] + exp.weights().sum(), exp.prediction[0]))
    True
    """

    name = "kernel_shap"
    keywords = {"background": None, "background_pairing": "all"}
    keyword_help = {
        "background": "KernelSHAP, tabular: size of the k-means summary of the training rows that absent features "
        "take their values from (default 10)",
        "background_pairing": "KernelSHAP: score every coalition with every background row ('all') or with one "
        "drawn at random ('one')",
    }
    values_of_features = True
    default_num_features = None

    def __init__(self, background=None, background_pairing: str = "all"):
        if background_pairing not in BACKGROUND_PAIRINGS:
            raise ValueError(f"background_pairing must be one of {BACKGROUND_PAIRINGS}, got {background_pairing!r}")
        self.background = background
        self.background_pairing = background_pairing

    def check_options(self, call: dict) -> None:
        if call["feature_selection"] not in ("auto", "none", "highest_weights"):
            raise ValueError(
                f"feature_selection={call['feature_selection']!r} is a lime surrogate's selection; with "
                "method='kernel_shap' use 'auto' or 'highest_weights' (keep the num_features largest Shapley values "
                "and refit under the sum constraint) or 'none'"
            )
        if call["model_regressor"] is not None:
            raise ValueError("model_regressor is a lime surrogate; method='kernel_shap' fits Shapley values, leave it None")
        if call["stability_resamples"]:
            raise ValueError(
                "stability_resamples refits a lime surrogate; with method='kernel_shap' the stability comes from the "
                "Shapley values' own standard errors, leave it 0"
            )

    def start(self, sampler: InstanceSampler, options) -> MethodRun:
        return _ShapRun(sampler, options, self.background_pairing)

    # Shapley values need no linear model: an additive fit that misses interactions is no alarm, nor is a
    # kernel that rests on few coalitions (its weights are the Shapley kernel's, not a choice).


class _ShapRun(WeightsRun):
    def __init__(self, sampler: InstanceSampler, options, pairing: str):
        self.sampler, self.options = sampler, options
        self.samples = CoalitionSamples(sampler, pairing)
        cap = self.samples.max_coalitions
        if options.num_samples is not None:
            self.schedule = [max(0, min(options.num_samples, cap))]
        else:
            self.schedule = auto_schedule(max(1, min(options.max_samples, cap)), first=min(AUTO_FIRST_ROUND, max(1, cap)))

    @property
    def count(self) -> int:
        return self.samples.count

    @property
    def outputs(self):
        return self.samples.outputs

    def score_round(self, total: int, predict_fn, timings: dict) -> None:
        self.samples.score_round(total, predict_fn, self.options, timings)

    def fit(self, labels, quality_rng):
        with single_threaded_blas():
            return self.samples.fit_and_assess(labels, self.options, quality_rng)

    def payload(self) -> dict:
        """The base value and what was scored."""
        samples = self.samples
        return {
            "base_value": [float(v) for v in samples.base],
            "background_size": len(samples.background_weights),
            "background_pairing": samples.pairing,
            "model_rows": samples.model_rows,
        }
