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
        {"name": "signup", "kind": "continuous", ...,   # seconds since 1970-01-01 UTC
         "datetime": {"unit": "ns", "tz": None, "step": 86400.0, "scalar": "numpy"}},
    ]}

A datetime feature is continuous in seconds; its ``"datetime"`` entry lets an
explainer rebuilt from the statistics give dates back to the model and print
its bins as dates.
"""

from __future__ import annotations

import numpy as np

from lime_kit.tabular.schema import _is_missing, plain

__all__ = ["bin_stats", "compute_training_stats", "check_training_stats"]

_CONTINUOUS_KEYS = ("mean", "std", "cuts", "bin_frequencies", "bin_means", "bin_stds", "bin_mins", "bin_maxs")


def _continuous_stats(name: str, column: np.ndarray, discretizer, labels) -> dict:
    centre = float(column.mean())
    stats = {"name": name, "kind": "continuous", "mean": centre, "std": float(column.std())}
    cuts = np.asarray(discretizer.cut_points(column, labels), dtype=float) if discretizer is not None else np.empty(0)
    if np.any(np.diff(cuts) <= 0):
        raise ValueError(f"the discretizer returned unsorted or repeated cut points for {name!r}: {cuts.tolist()}")
    stats.update(bin_stats(column, cuts, centre))
    return stats


def bin_stats(column: np.ndarray, cuts: np.ndarray, centre: float) -> dict:
    """The bin entries of a continuous feature's statistics (``cuts``, ``bin_frequencies``, ...).

    ``column`` : training values (n,); ``cuts`` : sorted cut points; ``centre`` : the column mean.
    """
    bins = np.searchsorted(cuts, column, side="left")
    n_bins = len(cuts) + 1
    counts = np.bincount(bins, minlength=n_bins).astype(float)
    # Moments about the column mean: large offsets (timestamps in seconds, IDs) would
    # otherwise cancel catastrophically in E[x^2] - E[x]^2.
    deviation = column - centre
    sums = np.bincount(bins, weights=deviation, minlength=n_bins)
    squares = np.bincount(bins, weights=deviation**2, minlength=n_bins)
    present = counts > 0
    offsets = np.where(present, sums / np.maximum(counts, 1), 0.0)
    stds = np.sqrt(np.maximum(np.where(present, squares / np.maximum(counts, 1), 0.0) - offsets**2, 0.0))
    means = np.where(present, centre + offsets, 0.0)
    edges = np.concatenate([[column.min()], cuts, [column.max()]])
    mins = np.full(n_bins, np.inf)
    maxs = np.full(n_bins, -np.inf)
    np.minimum.at(mins, bins, column)
    np.maximum.at(maxs, bins, column)
    # An empty bin (possible with user cut points) samples its own interval.
    mins = np.where(present, mins, edges[:-1])
    maxs = np.where(present, maxs, edges[1:])
    means = np.where(present, means, (mins + maxs) / 2)
    return {
        "cuts": cuts.tolist(),
        "bin_frequencies": (counts / counts.sum()).tolist(),
        "bin_means": means.tolist(),
        "bin_stds": stds.tolist(),
        "bin_mins": mins.tolist(),
        "bin_maxs": maxs.tolist(),
    }


def compute_training_stats(schema, encoded: np.ndarray, discretizer, labels) -> dict:
    """Summarize the encoded training matrix feature by feature."""
    features = []
    for j, name in enumerate(schema.feature_names):
        column = encoded[:, j]
        if schema.categorical[j]:
            counts = np.bincount(column.astype(np.intp), minlength=len(schema.categories[j]))
            # A missing category (pd.NA, NaN) is written as null, which JSON can hold.
            values = [
                None if _is_missing(v) else v.item() if isinstance(v, np.generic) else v for v in schema.categories[j]
            ]
            features.append(
                {"name": name, "kind": "categorical", "values": values, "frequencies": (counts / counts.sum()).tolist()}
            )
        else:
            features.append(_continuous_stats(name, column, discretizer, labels))
            if j in schema.datetimes:
                features[-1]["datetime"] = dict(schema.datetimes[j])
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
                f"training_data_stats feature {j} ({plain(feature.get('name', '?'))}) needs 'name', 'kind' "
                f"('categorical' or 'continuous') and {list(required)}; missing {missing or ['kind']}"
            )
        if discretize and kind == "continuous" and len(feature["bin_frequencies"]) != len(feature["cuts"]) + 1:
            raise ValueError(f"training_data_stats feature {plain(feature['name'])} needs len(cuts) + 1 bins")
    return stats
