"""Vectorized perturbation of one tabular row (lime's sampling scheme, table-driven).

Binned features (categorical ones, and continuous ones when discretizing)
draw a bin from its training frequency; a continuous value inside a bin comes
from a normal truncated to the bin's training range. Without discretizing,
continuous values are ``N(mean or instance, std)``.

Speed comes from inverse-CDF tables built once per explainer, read with
uint16 uniforms: a bin is drawn by comparing the uniform with the feature's
cumulative frequencies (resolution 1/65535), a value inside a bin is read
from ``QUANTILES`` midpoint quantiles of that bin's truncated normal, and an
unbinned value from 65,536 midpoint quantiles of N(0, 1). All draws come from
the one Generator passed to :meth:`TabularSampler.sample`.
"""

from __future__ import annotations

import sys
import threading

import numpy as np
from scipy.special import ndtr, ndtri

from lime_kit.core.workspace import scratch

__all__ = ["TabularSampler", "QUANTILES"]

QUANTILES = 256  # levels per bin of the truncated-normal quantile table
UNIFORM_LEVELS = 65536  # resolution of the uint16 uniforms that pick bins
_LEVEL_BITS = int(np.log2(QUANTILES))
_QUANTILE_SHIFT = 16 - _LEVEL_BITS
# Standard normal at the UNIFORM_LEVELS midpoint quantiles: indexing it with uint16
# uniforms draws N(0, 1) to within 2e-5 in Kolmogorov distance, far below the
# Monte-Carlo error of any sample size used here, at a third of the cost of a ziggurat.
_NORMAL_QUANTILES = ndtri((np.arange(UNIFORM_LEVELS) + 0.5) / UNIFORM_LEVELS).astype(np.float32)


def _uniform16(rng: np.random.Generator, shape: tuple) -> np.ndarray:
    """Uniform uint16 draws cut from the generator's raw 64-bit output, four per word.

    About twice as fast as ``rng.integers(..., dtype=np.uint16)``, still one
    deterministic stream per seed.
    """
    count = int(np.prod(shape))
    raw = rng.bit_generator.random_raw((count + 3) // 4)
    return raw.view(np.uint16)[:count].reshape(shape)


_POOL = threading.local()


def _unshared(name: str, shape: tuple, dtype=np.float64) -> np.ndarray:
    """An uninitialized array of ``shape`` that no one else references: last call's buffer when it is free.

    The perturbed values are handed to ``predict_fn``, so they are not a
    scratch array: a model that keeps its input must never see it change.
    But a fresh (n, d) array costs a page fault per 4 kB on every call, more
    than the sampling itself. The buffer is reused only when the pool holds
    the sole reference to it (any view a model kept would hold another);
    otherwise a new one replaces it in the pool.
    """
    buffers = _POOL.__dict__.setdefault("buffers", {})
    key = (name, np.dtype(dtype))
    size = int(np.prod(shape))
    flat = buffers.get(key)
    # Three references when free: the pool's, ``flat`` and getrefcount's own argument.
    if flat is None or flat.size < size or sys.getrefcount(flat) > 3:
        flat = buffers[key] = np.empty(max(size, 1), dtype=dtype)
    return flat[:size].reshape(shape)


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
        self._build_cut_table([f.get("cuts", []) if self.continuous[j] and discretize else [] for j, f in enumerate(features)])
        self._build_bin_value_tables([f for j, f in enumerate(features) if self.binned[j] and self.continuous[j]])

    def _build_cut_table(self, cuts: list) -> None:
        """Cut points as one (n_features, max_cuts) array padded with +inf."""
        table = np.full((self.n_features, max((len(c) for c in cuts), default=0)), np.inf)
        for j, c in enumerate(cuts):
            table[j, : len(c)] = c
        self.cuts = table

    def _build_bin_tables(self, freqs: list) -> None:
        """Cumulative frequencies as uint16 thresholds, one row per bin boundary."""
        self.bin_counts = np.array([len(p) for p in freqs], dtype=np.intp)
        self.bin_dtype = np.uint8 if self.bin_counts.max(initial=0) <= 255 else np.intp
        n_boundaries = int(self.bin_counts.max(initial=1)) - 1
        # Uniforms stay below UNIFORM_LEVELS - 1, so that padding value is never reached.
        thresholds = np.full((n_boundaries, len(freqs)), UNIFORM_LEVELS - 1, dtype=np.uint16)
        for position, p in enumerate(freqs):
            cumulative = np.cumsum(np.asarray(p, dtype=float))
            thresholds[: len(p) - 1, position] = np.rint(cumulative[:-1] / cumulative[-1] * (UNIFORM_LEVELS - 1))
        self.bin_thresholds = thresholds

    def _build_bin_value_tables(self, features: list) -> None:
        """Quantile table: row ``offset[feature] + bin`` holds QUANTILES values of the bin's truncated normal."""
        rows = []
        for f in features:
            mean, std = np.asarray(f["bin_means"]), np.asarray(f["bin_stds"])
            low, high = np.asarray(f["bin_mins"]), np.asarray(f["bin_maxs"])
            safe_std = np.where(std > 0, std, 1.0)
            cdf_low, cdf_high = ndtr((low - mean) / safe_std), ndtr((high - mean) / safe_std)
            levels = (np.arange(QUANTILES) + 0.5) / QUANTILES
            u = cdf_low[:, None] + levels * (cdf_high - cdf_low)[:, None]
            values = mean[:, None] + safe_std[:, None] * ndtri(np.clip(u, 1e-300, 1 - 1e-16))
            values = np.clip(values, low[:, None], high[:, None])
            rows.append(np.where(std[:, None] > 0, values, mean[:, None]))
        # Values rounded to float32 (as first built), stored as float64: the gather writes the model's float64
        # rows directly, and the table (bins x QUANTILES x 8 bytes) still fits in cache.
        table = np.concatenate(rows).ravel() if rows else np.empty(0)
        self.quantile_table = table.astype(np.float32).astype(np.float64)
        lengths = np.array([len(f["bin_means"]) for f in features], dtype=np.int32)
        self.value_row_offsets = np.cumsum(np.concatenate([[0], lengths[:-1]])).astype(np.int32)

    def instance_bins(self, encoded: np.ndarray) -> np.ndarray:
        """Bin index of every feature of the instance (the code for categorical ones, 0 if unbinned)."""
        bins = (encoded[:, None] > self.cuts).sum(axis=1)
        return np.where(self.continuous, bins, encoded).astype(np.intp)

    def _draw_bins(self, rng: np.random.Generator, n: int) -> np.ndarray:
        uniforms = _uniform16(rng, (n, len(self.bin_counts)))
        np.minimum(uniforms, UNIFORM_LEVELS - 2, out=uniforms)
        bins = np.zeros(uniforms.shape, dtype=self.bin_dtype)
        above = scratch("tabular.above", uniforms.shape, bool)
        for boundary in self.bin_thresholds:  # loops over bin boundaries (<= bins - 1), not samples
            bins += np.greater_equal(uniforms, boundary, out=above)
        return bins

    def _draw_in_bins(self, rng: np.random.Generator, bins: np.ndarray, out: np.ndarray) -> np.ndarray:
        """Write values inside each drawn bin, read from the quantile table, into ``out``."""
        levels = _uniform16(rng, bins.shape)
        levels >>= _QUANTILE_SHIFT  # the top bits of uint16 uniforms pick one of the QUANTILES (a power of two) levels
        # Row (offset + bin) times QUANTILES plus the level; uint16 when the table is small enough, half the traffic.
        small = len(self.quantile_table) <= UNIFORM_LEVELS
        index = scratch("tabular.quantile_index", bins.shape, np.uint16 if small else np.int32)
        np.add(bins, self.value_row_offsets, out=index, casting="unsafe")
        index <<= _LEVEL_BITS
        index |= levels
        return self.quantile_table.take(index, out=out, mode="clip")

    def sample(self, encoded: np.ndarray, rng: np.random.Generator, n: int, hold: np.ndarray | None = None):
        """Draw ``n`` rows; row 0 is the instance.

        ``hold`` (bool, (n, n_features)) keeps the marked binned features in
        the instance's bin (their values still drawn inside it); the other
        features are drawn as usual, independently of the held ones.

        Returns
        -------
        values : ndarray of shape (n, n_features)
            Encoded perturbed rows (categorical features hold codes).
        Z : float32 ndarray of shape (n, n_features)
            Interpretable representation: 1/0 "same bin as the instance" for
            binned features, standardized values for continuous ones. A
            scratch array (see :mod:`lime_kit.core.workspace`): valid until
            the next ``sample`` call on this thread.
        """
        values = _unshared("tabular.values", (n, self.n_features))  # handed to the model: no one else may hold it
        Z = scratch("tabular.Z", (n, self.n_features), np.float32)
        self._sample_binned(rng, self.instance_bins(encoded)[self.binned].astype(self.bin_dtype), values, Z, hold)
        self._sample_free(rng, encoded, values, Z)
        z0 = np.where(self.binned, 1.0, (encoded - self.mean) / self.scale)
        values[0], Z[0] = encoded, z0
        values[:, self.constant], Z[:, self.constant] = encoded[self.constant], z0[self.constant]
        if len(self.integer):
            values[:, self.integer] = np.rint(values[:, self.integer])
            free_integer = self.integer[~self.binned[self.integer]]
            Z[:, free_integer] = (values[:, free_integer] - self.mean[free_integer]) / self.scale[free_integer]
        return values, Z

    def _sample_binned(self, rng, instance_bins, values, Z, hold=None) -> None:
        if not self.binned.any():
            return
        bins = self._draw_bins(rng, len(values))
        if hold is not None:
            np.copyto(bins, instance_bins, where=hold[:, self.binned])
        if self.binned.all():
            np.equal(bins, instance_bins, out=Z)
        else:
            Z[:, self.binned] = bins == instance_bins
        continuous = self.continuous[self.binned]
        if not continuous.all():
            values[:, self.binned & ~self.continuous] = bins[:, ~continuous]
        if continuous.all() and self.binned.all():
            self._draw_in_bins(rng, bins, out=values)
        elif continuous.any():
            in_bins = np.empty((len(values), int(continuous.sum())))
            values[:, self.binned & self.continuous] = self._draw_in_bins(rng, bins[:, continuous], out=in_bins)

    def _sample_free(self, rng, encoded, values, Z) -> None:
        free = np.flatnonzero(~self.binned)
        if not len(free):
            return
        centre = encoded[free] if self.sample_around_instance else self.mean[free]
        shift = ((centre - self.mean[free]) / self.scale[free]).astype(np.float32)
        uniforms = _uniform16(rng, (len(values), len(free)))
        if len(free) == self.n_features:  # all continuous: work in place, no column gathers
            _NORMAL_QUANTILES.take(uniforms, out=Z, mode="clip")
            np.multiply(Z, self.scale, out=values)
            values += centre
            if shift.any():
                Z += shift
            return
        normals = _NORMAL_QUANTILES.take(uniforms)
        values[:, free] = centre + normals * self.scale[free]
        # Z is the standardized value: the normal draw shifted by the centre's own offset.
        Z[:, free] = normals + shift
