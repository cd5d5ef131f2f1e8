"""Background rows for KernelSHAP on tables: what an "absent" feature takes instead of the instance's value.

A coalition's value is the model's mean output over the background rows,
each with the coalition's features set to the instance's values. The
background is either rows the user gives (used as given, equal weights) or a
k-means summary of the explainer's training data: ``k`` representative rows
weighted by the size of their cluster.
"""

from __future__ import annotations

import numbers
from dataclasses import replace

import numpy as np

from lime_kit.core.sampler import InstanceSampler
from lime_kit.tabular.schema import TabularSchema, is_dataframe

__all__ = ["DEFAULT_BACKGROUND", "KMEANS_MAX_ROWS", "resolve_background", "shapley_sampler"]

#: ``background=None``: a k-means summary of this many rows (shap's usual choice).
DEFAULT_BACKGROUND = 10
#: Training rows kept by an explainer for its k-means summaries (a random subset beyond this).
KMEANS_MAX_ROWS = 10_000


def kept_training_rows(encoded: np.ndarray, seed: int) -> np.ndarray:
    """The encoded training rows an explainer keeps for k-means summaries (at most KMEANS_MAX_ROWS)."""
    if len(encoded) <= KMEANS_MAX_ROWS:
        return encoded
    rows = np.random.default_rng(seed).choice(len(encoded), KMEANS_MAX_ROWS, replace=False)
    return encoded[np.sort(rows)]


def resolve_background(schema: TabularSchema, background, training_rows: np.ndarray | None, seed: int, cache: dict):
    """Return ``(rows, weights)``: encoded background rows (B, d) and their weights (summing to 1).

    Parameters
    ----------
    background : None, int, array-like or DataFrame
        None: a k-means summary of DEFAULT_BACKGROUND rows; an int: of that
        many rows; rows: used as given with equal weights.
    training_rows : ndarray or None
        Encoded training rows (None for an explainer built from statistics).
    cache : dict
        The explainer's k-means summaries by size, so many explanations share one.
    """
    if background is None:
        background = DEFAULT_BACKGROUND
    if isinstance(background, numbers.Integral) and not isinstance(background, bool):
        if background < 1:
            raise ValueError(f"background must be a positive number of k-means rows or an array of rows, got {background}")
        if training_rows is None:
            raise ValueError(
                "this explainer was built from training_data_stats, so it has no rows to summarise: pass "
                "background=rows (an array or DataFrame of typical rows) with method='kernel_shap'"
            )
        if int(background) not in cache:
            cache[int(background)] = kmeans_summary(schema, training_rows, int(background), seed)
        return cache[int(background)]
    return _encode_rows(schema, background)


def _encode_rows(schema: TabularSchema, background) -> tuple[np.ndarray, np.ndarray]:
    if is_dataframe(background):
        rows = [background.iloc[i] for i in range(background.shape[0])]
    else:
        array = np.asarray(background, dtype=object) if not hasattr(background, "toarray") else background.toarray()
        if array.ndim != 2 or array.shape[1] != schema.n_features:
            raise ValueError(
                f"background has shape {np.shape(array)}; pass rows of the explainer's {schema.n_features} features "
                f"(shape (n_rows, {schema.n_features})), a DataFrame with its columns, or an int (k-means rows)"
            )
        rows = list(array)
    if not rows:
        raise ValueError("background has no rows; pass at least one row or an int (k-means rows)")
    encoded = np.empty((len(rows), schema.n_features))
    for i, row in enumerate(rows):  # loops over background rows (few), once per explanation
        try:
            encoded[i] = schema.encode_instance(row)
        except ValueError as error:
            raise ValueError(f"background row {i}: {str(error).replace('instance', 'row')}") from None
    return encoded, np.full(len(rows), 1.0 / len(rows))


def kmeans_summary(schema: TabularSchema, rows: np.ndarray, k: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``k`` representative rows and their weights (cluster sizes), clustering standardized / one-hot columns.

    A centre's continuous value is snapped to the nearest value seen in its
    column (a 0/1 column stays 0 or 1) and a categorical one is the
    cluster's most frequent category, so every row is a valid input.
    """
    n, d = rows.shape
    if k >= n:
        return rows.copy(), np.full(n, 1.0 / n)
    from sklearn.cluster import KMeans

    blocks = []
    for j in range(d):
        column = rows[:, j]
        if schema.categorical[j]:
            codes = column.astype(np.intp)
            blocks.append(np.eye(codes.max() + 1)[codes] / np.sqrt(2.0))
        else:
            scale = column.std()
            blocks.append(((column - column.mean()) / (scale if scale > 0 else 1.0))[:, None])
    from threadpoolctl import threadpool_limits

    # One thread: on small machines KMeans' thread pools cost more (seconds) than the clustering itself.
    with threadpool_limits(1):
        clusters = KMeans(n_clusters=k, n_init=2, random_state=seed % 2**32).fit_predict(np.hstack(blocks))
    sizes = np.bincount(clusters, minlength=k)
    used = np.flatnonzero(sizes)
    centres = np.empty((len(used), d))
    for j in range(d):  # loops over columns, vectorized over clusters
        column = rows[:, j]
        if schema.categorical[j]:
            counts = np.zeros((k, int(column.max()) + 1))
            np.add.at(counts, (clusters, column.astype(np.intp)), 1)
            centres[:, j] = counts[used].argmax(axis=1)
        else:
            means = np.bincount(clusters, weights=column, minlength=k)[used] / sizes[used]
            seen = np.unique(column)
            position = np.clip(np.searchsorted(seen, means), 1, max(len(seen) - 1, 1))
            lower = seen[np.maximum(position - 1, 0)]
            upper = seen[np.minimum(position, len(seen) - 1)]
            centres[:, j] = np.where(np.abs(means - lower) <= np.abs(upper - means), lower, upper)
    return centres, sizes[used] / n


def shapley_sampler(schema: TabularSchema, lime_sampler: InstanceSampler, encoded: np.ndarray, background, weights) -> InstanceSampler:
    """The row's sampler with KernelSHAP's coalition inputs: kept features from the row, the rest from a background row."""
    background = np.asarray(background, dtype=np.float64)
    weights = np.full(len(background), 1.0 / len(background)) if weights is None else np.asarray(weights)

    def keep_inputs(keep: np.ndarray, rng=None, background_rows: np.ndarray | None = None):
        if background_rows is None:  # every coalition with every background row: one broadcast, no gathers
            rows = np.where(keep[:, None, :], encoded, background).reshape(-1, len(encoded))
        else:
            rows = background[background_rows]  # a fresh array: filled in place, no second temporary
            np.copyto(rows, encoded, where=keep)
        return schema.decode(rows)

    # A derived sampler: the row's own sampler is left as built (evaluation and lime keep using it).
    return replace(
        lime_sampler,
        keep_inputs=keep_inputs,
        random_removal=False,
        background_weights=weights,
        background_null=np.all(background == encoded, axis=0),
    )


def value_descriptions(schema: TabularSchema, encoded: np.ndarray) -> list[str]:
    """``name=value`` per feature: a Shapley value belongs to the feature taking the instance's value."""
    out = []
    for j, name in enumerate(schema.feature_names):
        if schema.categorical[j]:
            out.append(f"{name}={schema.category_labels[j][int(encoded[j])]}")
        else:
            value = encoded[j]
            shown = schema.value_formatter(j)(value) if j in schema.datetimes else f"{value:.4g}"
            out.append(f"{name}={shown}")
    return out
