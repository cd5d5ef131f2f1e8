"""Training statistics the tabular sampler draws from (JSON-safe).

``TabularExplainer.training_data_stats`` exposes them so an explainer can be
rebuilt without the training data. The format is a dict::

    {"features": [
        {"name": "age", "kind": "continuous", "mean": 41.2, "std": 9.8,
         "cuts": [33.0, 41.0, 49.0],          # empty when not discretizing
         "bin_frequencies": [...], "bin_means": [...], "bin_stds": [...],
         "bin_mins": [...], "bin_maxs": [...]},
        {"name": "color", "kind": "categorical",
         "values": ["blue", "red"], "frequencies": [0.4, 0.6]},
    ]}
"""

from __future__ import annotations

import numpy as np

__all__ = ["compute_training_stats", "check_training_stats"]

_CONTINUOUS_KEYS = ("mean", "std", "cuts", "bin_frequencies", "bin_means", "bin_stds", "bin_mins", "bin_maxs")


def _continuous_stats(name: str, column: np.ndarray, discretizer, labels) -> dict:
    stats = {"name": name, "kind": "continuous", "mean": float(column.mean()), "std": float(column.std())}
    cuts = np.asarray(discretizer.cut_points(column, labels), dtype=float) if discretizer is not None else np.empty(0)
    if np.any(np.diff(cuts) <= 0):
        raise ValueError(f"the discretizer returned unsorted or repeated cut points for {name!r}: {cuts}")
    bins = np.searchsorted(cuts, column, side="left")
    n_bins = len(cuts) + 1
    counts = np.bincount(bins, minlength=n_bins).astype(float)
    sums = np.bincount(bins, weights=column, minlength=n_bins)
    squares = np.bincount(bins, weights=column**2, minlength=n_bins)
    present = counts > 0
    means = np.where(present, sums / np.maximum(counts, 1), 0.0)
    stds = np.sqrt(np.maximum(np.where(present, squares / np.maximum(counts, 1), 0.0) - means**2, 0.0))
    edges = np.concatenate([[column.min()], cuts, [column.max()]])
    mins = np.full(n_bins, np.inf)
    maxs = np.full(n_bins, -np.inf)
    np.minimum.at(mins, bins, column)
    np.maximum.at(maxs, bins, column)
    # An empty bin (possible with user cut points) samples its own interval.
    mins = np.where(present, mins, edges[:-1])
    maxs = np.where(present, maxs, edges[1:])
    means = np.where(present, means, (mins + maxs) / 2)
    stats.update(
        cuts=cuts.tolist(),
        bin_frequencies=(counts / counts.sum()).tolist(),
        bin_means=means.tolist(),
        bin_stds=stds.tolist(),
        bin_mins=mins.tolist(),
        bin_maxs=maxs.tolist(),
    )
    return stats


def compute_training_stats(schema, encoded: np.ndarray, discretizer, labels) -> dict:
    """Summarize the encoded training matrix feature by feature."""
    features = []
    for j, name in enumerate(schema.feature_names):
        column = encoded[:, j]
        if schema.categorical[j]:
            counts = np.bincount(column.astype(np.intp), minlength=len(schema.categories[j]))
            values = [v.item() if isinstance(v, np.generic) else v for v in schema.categories[j]]
            features.append(
                {"name": name, "kind": "categorical", "values": values, "frequencies": (counts / counts.sum()).tolist()}
            )
        else:
            features.append(_continuous_stats(name, column, discretizer, labels))
    return {"features": features}


def check_training_stats(stats, discretize: bool) -> dict:
    """Validate a user-supplied training_data_stats dict; return it unchanged."""
    if not isinstance(stats, dict) or not isinstance(stats.get("features"), list) or not stats["features"]:
        raise ValueError(
            "training_data_stats must be a dict {'features': [...]}, as given by "
            "TabularExplainer(...).training_data_stats"
        )
    for j, feature in enumerate(stats["features"]):
        kind = feature.get("kind")
        required = ("values", "frequencies") if kind == "categorical" else _CONTINUOUS_KEYS
        missing = [key for key in required if key not in feature]
        if kind not in ("categorical", "continuous") or missing or "name" not in feature:
            raise ValueError(
                f"training_data_stats feature {j} ({feature.get('name', '?')!r}) needs 'name', 'kind' "
                f"('categorical' or 'continuous') and {list(required)}; missing {missing or ['kind']}"
            )
        if discretize and kind == "continuous" and len(feature["bin_frequencies"]) != len(feature["cuts"]) + 1:
            raise ValueError(f"training_data_stats feature {feature['name']!r} needs len(cuts) + 1 bins")
    return stats
