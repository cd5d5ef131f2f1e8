"""Vectorized perturbation of one tabular row (lime's sampling scheme).

Binned features (categorical ones, and continuous ones when discretizing)
draw a bin from its training frequency; a continuous value inside a bin comes
from a normal truncated to the bin's training range. Without discretizing,
continuous values are ``N(mean or instance, std)``. All features are drawn at
once from one Generator: bin draws go through a single ``searchsorted`` over
the features' stacked cumulative frequencies, offset by feature position.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr, ndtri

__all__ = ["TabularSampler"]


class TabularSampler:
    """Precomputed sampling tables for one explainer; ``sample`` per instance.

    Parameters
    ----------
    stats : dict
        Training statistics (see :mod:`lime_kit.tabular.stats`).
    discretize : bool
        Bin continuous features (interpretable features become "in the same
        bin as the instance") or keep them continuous (standardized).
    sample_around_instance : bool
        Centre continuous draws on the instance rather than the training mean.
    integer : ndarray of bool, optional
        Continuous features whose values must stay whole numbers (integer
        DataFrame columns); they are rounded before ``Z`` is computed.
    """

    def __init__(self, stats: dict, discretize: bool, sample_around_instance: bool, integer=None):
        features = stats["features"]
        self.n_features = len(features)
        self.discretize = discretize
        self.sample_around_instance = sample_around_instance
        categorical = np.array([f["kind"] == "categorical" for f in features])
        self.binned = categorical | discretize
        self.continuous = ~categorical
        self.mean = np.array([0.0 if categorical[j] else f["mean"] for j, f in enumerate(features)])
        std = np.array([0.0 if categorical[j] else f["std"] for j, f in enumerate(features)])
        freqs = [f["frequencies"] if categorical[j] else f["bin_frequencies"] for j, f in enumerate(features)]
        # A feature that never varied in training cannot be perturbed: it stays at the instance value.
        self.constant = np.where(categorical, [np.count_nonzero(p) <= 1 for p in freqs], std == 0)
        self.scale = np.where(std > 0, std, 1.0)
        self.integer = np.flatnonzero(self.continuous & (False if integer is None else np.asarray(integer)))
        self._build_bin_tables([freqs[j] for j in np.flatnonzero(self.binned)])
        self._build_bin_value_tables([f for j, f in enumerate(features) if self.binned[j] and self.continuous[j]])

    def _build_bin_tables(self, freqs: list) -> None:
        self.bin_starts = np.cumsum([0] + [len(p) for p in freqs[:-1]]).astype(np.intp)
        self.bin_counts = np.array([len(p) for p in freqs], dtype=np.intp)
        cumulative = []
        for position, p in enumerate(freqs):
            c = np.cumsum(np.asarray(p, dtype=float))
            c = c / c[-1]
            c[-1] = 1.0
            cumulative.append(position + c)
        self.stacked_cumulative = np.concatenate(cumulative) if cumulative else np.empty(0)

    def _build_bin_value_tables(self, features: list) -> None:
        def stack(key):
            return np.concatenate([f[key] for f in features]) if features else np.empty(0)

        self.bin_mean, self.bin_std = stack("bin_means"), stack("bin_stds")
        self.bin_min, self.bin_max = stack("bin_mins"), stack("bin_maxs")
        binned_positions = np.flatnonzero(self.binned)
        # Offsets of the continuous binned features' bins inside the stacked value tables.
        lengths = np.array([len(f["bin_means"]) for f in features], dtype=np.intp)
        self.value_offsets = np.cumsum(np.concatenate([[0], lengths[:-1]])).astype(np.intp)
        self.binned_continuous = np.flatnonzero(self.continuous[binned_positions])

    def bins_of(self, encoded: np.ndarray, cuts: list) -> np.ndarray:
        """Return the instance's bin (or category code) per binned feature."""
        out = np.empty(len(self.bin_starts), dtype=np.intp)
        for position, j in enumerate(np.flatnonzero(self.binned)):
            out[position] = int(encoded[j]) if not self.continuous[j] else np.searchsorted(cuts[j], encoded[j], side="left")
        return out

    def _draw_bins(self, rng: np.random.Generator, n: int) -> np.ndarray:
        n_binned = len(self.bin_starts)
        targets = rng.random((n, n_binned)) + np.arange(n_binned)
        flat = np.searchsorted(self.stacked_cumulative, targets, side="right")
        return np.minimum(flat - self.bin_starts, self.bin_counts - 1)

    def _draw_in_bins(self, rng: np.random.Generator, bins: np.ndarray) -> np.ndarray:
        """Truncated-normal values inside each drawn bin (inverse-CDF, vectorized)."""
        index = bins + self.value_offsets
        mean, std = self.bin_mean[index], self.bin_std[index]
        low, high = self.bin_min[index], self.bin_max[index]
        safe_std = np.where(std > 0, std, 1.0)
        cdf_low, cdf_high = ndtr((low - mean) / safe_std), ndtr((high - mean) / safe_std)
        u = cdf_low + rng.random(bins.shape) * (cdf_high - cdf_low)
        values = mean + safe_std * ndtri(np.clip(u, 1e-300, 1 - 1e-16))
        return np.where(std > 0, np.clip(values, low, high), mean)

    def sample(self, encoded: np.ndarray, instance_bins: np.ndarray, rng: np.random.Generator, n: int):
        """Draw ``n`` rows; row 0 is the instance.

        Returns
        -------
        values : ndarray of shape (n, n_features)
            Encoded perturbed rows (categorical features hold codes).
        Z : ndarray of shape (n, n_features)
            Interpretable representation: 1/0 "same bin as the instance" for
            binned features, standardized values for continuous ones.
        """
        values = np.empty((n, self.n_features))
        Z = np.empty((n, self.n_features))
        binned = np.flatnonzero(self.binned)
        if len(binned):
            bins = self._draw_bins(rng, n)
            Z[:, binned] = bins == instance_bins
            categorical_positions = np.flatnonzero(~self.continuous[binned])
            values[:, binned[categorical_positions]] = bins[:, categorical_positions]
            if len(self.binned_continuous):
                drawn = self._draw_in_bins(rng, bins[:, self.binned_continuous])
                values[:, binned[self.binned_continuous]] = drawn
        free = np.flatnonzero(~self.binned)
        if len(free):
            centre = encoded[free] if self.sample_around_instance else self.mean[free]
            values[:, free] = centre + rng.standard_normal((n, len(free))) * self.scale[free]
        if len(self.integer):
            values[:, self.integer] = np.rint(values[:, self.integer])
        values[:, self.constant] = encoded[self.constant]
        values[0] = encoded
        Z[0, binned] = 1.0
        if len(free):
            Z[:, free] = (values[:, free] - self.mean[free]) / self.scale[free]
        Z[:, self.constant & self.binned] = 1.0
        return values, Z
