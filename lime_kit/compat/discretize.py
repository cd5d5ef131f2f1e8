"""lime's ``lime.discretize``: bin continuous columns, map rows to bins and draw values back from bins.

``from lime_kit.compat.discretize import QuartileDiscretizer`` replaces
lime's import. A discretizer is built on a training matrix and then
converts rows both ways: :meth:`BaseDiscretizer.discretize` replaces each
continuous value by the index of its bin, :meth:`BaseDiscretizer.undiscretize`
draws a value inside each bin from a normal fitted to the training values of
that bin, truncated to the bin. The cut points come from lime_kit's own
discretizers (:mod:`lime_kit.tabular.discretize`); the bin names are
lime_kit's :func:`~lime_kit.tabular.discretize.bin_description`, which reads
as lime's (``"age <= 30.00"``).

Pass any of these objects (or an instance of your own subclass that
defines :meth:`BaseDiscretizer.bins`) as
``LimeTabularExplainer(discretizer=...)``: the explainer then uses its cut
points.
"""

from __future__ import annotations

import numbers

import numpy as np
import scipy.stats

from lime_kit.tabular.discretize import EntropyDiscretizer as _EntropyCuts
from lime_kit.tabular.discretize import PercentileDiscretizer, bin_description
from lime_kit.tabular.stats import bin_stats

__all__ = [
    "BaseDiscretizer",
    "StatsDiscretizer",
    "QuartileDiscretizer",
    "DecileDiscretizer",
    "EntropyDiscretizer",
]

#: Added to every bin's standard deviation, as lime does, so that a bin of one repeated value still divides.
STD_FLOOR = 1e-11


def _generator(random_state):
    """A numpy Generator from lime's ``random_state``; a ``RandomState`` is kept as it is (scipy draws from either)."""
    if isinstance(random_state, (np.random.Generator, np.random.RandomState)):
        return random_state
    if random_state is None or (isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool)):
        return np.random.default_rng(random_state)
    raise TypeError(
        f"random_state must be None, an int, a numpy Generator or a numpy.random.RandomState, "
        f"got {type(random_state).__name__}"
    )


class _LimeEntropyCuts:
    """lime's entropy cut points: where a depth-3 entropy tree on the column splits the labels, else the median.

    lime_kit's own :class:`~lime_kit.tabular.discretize.EntropyDiscretizer`
    leaves a column that the tree cannot split unbinned; lime cuts it at its
    median instead. Both :class:`EntropyDiscretizer` and
    ``LimeTabularExplainer(discretizer="entropy")`` use this object, so the two
    agree on every column.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.arange(10.0)
    >>> _LimeEntropyCuts().cut_points(x, (x > 6).astype(int)).tolist()
    [6.5]
    >>> _LimeEntropyCuts().cut_points(x, np.zeros(10, int)).tolist()   # one class: no split, the median
    [4.5]
    """

    def __init__(self, max_depth: int = 3):
        self.max_depth = max_depth

    def cut_points(self, values: np.ndarray, labels) -> np.ndarray:
        """Return the sorted cut points of ``values`` (n,) for ``labels`` (n,)."""
        if labels is None:
            raise ValueError(
                "discretizer='entropy' needs the training labels, as in lime; pass training_labels= (the target of "
                "each training row) or use discretizer='quartile'"
            )
        values = np.asarray(values, dtype=float)
        cuts = _EntropyCuts(max_depth=self.max_depth).cut_points(values, np.asarray(labels))
        return cuts if len(cuts) else np.array([np.median(values)])


class BaseDiscretizer:
    """Bins for the continuous columns of ``data``; subclasses say where to cut by defining :meth:`bins`.

    Parameters
    ----------
    data : ndarray of shape (n_rows, n_features)
        Training data (numbers).
    categorical_features : list of int
        Columns left as they are; every other column is discretized.
    feature_names : list of str
        One name per column, used in :attr:`names`.
    labels : array-like of shape (n_rows,), optional
        Training targets (for :class:`EntropyDiscretizer`).
    random_state : None, int, numpy Generator or numpy.random.RandomState
        Seeds :meth:`undiscretize`: the same seed draws the same values.
    data_stats : dict, optional
        lime's ``training_data_stats``: ``"means"``, ``"stds"``, ``"mins"``
        and ``"maxs"`` (dicts of column -> one value per bin) replace the
        statistics computed from ``data``.

    Attributes
    ----------
    to_discretize : list of int
        The discretized columns.
    names : dict of int -> list of str
        Per discretized column, one readable condition per bin.
    lambdas : dict of int -> callable
        Per discretized column, ``values -> bin indices``.
    means, stds, mins, maxs : dict of int -> list of float
        Per discretized column and bin: mean and standard deviation of the
        training values in the bin, and the bin's edges (the column's
        minimum and maximum outside the outermost cuts).
    random_state : numpy Generator or numpy.random.RandomState

    Examples
    --------
    A discretizer of your own cuts each column at its mean:

    >>> import numpy as np
    >>> class MeanDiscretizer(BaseDiscretizer):
    ...     def bins(self, data, labels):
    ...         return [np.array([data[:, j].mean()]) for j in self.to_discretize]
    >>> data = np.array([[0.0, 1.0], [2.0, 0.0], [4.0, 1.0]])
    >>> d = MeanDiscretizer(data, categorical_features=[1], feature_names=["size", "flag"], random_state=0)
    >>> d.names[0]
    ['size <= 2.00', 'size > 2.00']
    >>> d.discretize(data)[:, 0].tolist()
    [0.0, 0.0, 1.0]
    """

    def __init__(self, data, categorical_features, feature_names, labels=None, random_state=None, data_stats=None):
        data = np.asarray(data)
        if data.ndim != 2:
            raise ValueError(f"data must be a 2-D array (rows, features), got an array of shape {data.shape}")
        if len(feature_names) != data.shape[1]:
            raise ValueError(
                f"feature_names has {len(feature_names)} names but data has {data.shape[1]} columns; pass one name per column"
            )
        categorical = {int(j) for j in (categorical_features or ())}
        self.to_discretize = [j for j in range(data.shape[1]) if j not in categorical]
        self.data_stats = data_stats
        self.names: dict = {}
        self.lambdas: dict = {}
        self.means: dict = {}
        self.stds: dict = {}
        self.mins: dict = {}
        self.maxs: dict = {}
        self.random_state = _generator(random_state)
        bins = self.bins(data, labels)
        if len(bins) != len(self.to_discretize):
            raise ValueError(
                f"{type(self).__name__}.bins returned {len(bins)} arrays of cut points for the "
                f"{len(self.to_discretize)} columns to discretize; return one array per column in to_discretize"
            )
        self._cuts = {j: np.unique(np.asarray(cuts, dtype=float)) for j, cuts in zip(self.to_discretize, bins)}
        for j, cuts in list(self._cuts.items()):
            if cuts.size == 0:
                raise ValueError(
                    f"{type(self).__name__}.bins returned no cut points for column {j} ({feature_names[j]!r}); "
                    "return at least one cut per discretized column, or list the column in categorical_features"
                )
            column = data[:, j].astype(float)
            self.names[j] = [bin_description(str(feature_names[j]), cuts, b) for b in range(len(cuts) + 1)]
            self.lambdas[j] = lambda values, cuts=cuts: np.searchsorted(cuts, values)
            if data_stats:
                continue
            # lime_kit's bin statistics (one bincount per column); an empty bin centres on its interval.
            stats = bin_stats(column, cuts, float(column.mean()))
            self.means[j] = stats["bin_means"]
            self.stds[j] = (np.asarray(stats["bin_stds"]) + STD_FLOOR).tolist()
            self.mins[j] = [float(column.min()), *cuts.tolist()]
            self.maxs[j] = [*cuts.tolist(), float(column.max())]
        if data_stats:
            for key in ("means", "stds", "mins", "maxs"):
                if data_stats.get(key) is None:
                    raise ValueError(f"data_stats needs {key!r} (a dict column -> one value per bin), as lime's training_data_stats")
                setattr(self, key, data_stats[key])

    def bins(self, data: np.ndarray, labels) -> list:
        """Return one array of cut points per column of ``to_discretize``, in that order (subclasses define it)."""
        raise NotImplementedError(
            f"{type(self).__name__} must define bins(data, labels) returning one array of cut points per "
            "column in self.to_discretize"
        )

    def discretize(self, data):
        """Return a copy of ``data`` with each discretized column replaced by its bin indices.

        Parameters
        ----------
        data : ndarray of shape (n_features,) or (n_rows, n_features)

        Returns
        -------
        ndarray of the same shape and dtype; bins are ``0..len(cuts)``, a
        value equal to a cut falling in the bin below it.
        """
        data = np.asarray(data)
        out = data.copy()
        for j, to_bins in self.lambdas.items():
            out[..., j] = to_bins(data[..., j])
        return out

    def get_undiscretize_values(self, feature: int, values) -> np.ndarray:
        """Draw one value inside each bin of ``values`` (bin indices) for ``feature``.

        Each value comes from the normal with the bin's training mean and
        standard deviation, truncated to the bin's edges; a bin whose edges
        coincide gives that edge.
        """
        values = np.asarray(values, dtype=np.intp)
        mins = np.asarray(self.mins[feature], dtype=float)[values]
        maxs = np.asarray(self.maxs[feature], dtype=float)[values]
        means = np.asarray(self.means[feature], dtype=float)[values]
        stds = np.asarray(self.stds[feature], dtype=float)[values]
        out = mins.copy()  # lime returns the standardized edge here; the edge itself is the value
        spread = mins != maxs
        if np.any(spread):
            out[spread] = scipy.stats.truncnorm.rvs(
                (mins[spread] - means[spread]) / stds[spread],
                (maxs[spread] - means[spread]) / stds[spread],
                loc=means[spread],
                scale=stds[spread],
                random_state=self.random_state,
            )
        return out

    def undiscretize(self, data):
        """Return a copy of ``data`` (bin indices) with a value drawn inside each bin of each discretized column.

        Parameters
        ----------
        data : ndarray of shape (n_features,) or (n_rows, n_features)
            Discretized rows, as :meth:`discretize` returns them.

        Returns
        -------
        ndarray of the same shape; ``discretize(undiscretize(d))`` is ``d``.
        """
        data = np.asarray(data)
        out = data.astype(float) if data.dtype.kind in "iub" else data.copy()
        for j in self.means:
            column = out[..., j]
            out[..., j] = self.get_undiscretize_values(j, np.atleast_1d(column).astype(np.intp)).reshape(np.shape(column))
        return out

    def __repr__(self) -> str:
        return f"{type(self).__name__}({len(self.to_discretize)} discretized columns)"


class StatsDiscretizer(BaseDiscretizer):
    """Bins and statistics read from lime's ``training_data_stats`` (``data_stats["bins"]``: column -> cut points).

    Columns without an entry in ``data_stats["bins"]`` are not discretized.

    Examples
    --------
    >>> import numpy as np
    >>> data = np.array([[0.0], [1.0], [2.0], [3.0]])
    >>> stats = {"bins": {0: [1.5]}, "means": {0: [0.5, 2.5]}, "stds": {0: [0.5, 0.5]},
    ...          "mins": {0: [0.0, 1.5]}, "maxs": {0: [1.5, 3.0]}}
    >>> StatsDiscretizer(data, [], ["x"], data_stats=stats).names[0]
    ['x <= 1.50', 'x > 1.50']
    """

    def __init__(self, data, categorical_features, feature_names, labels=None, random_state=None, data_stats=None):
        if not data_stats or data_stats.get("bins") is None:
            raise ValueError("StatsDiscretizer needs data_stats with 'bins' (a dict column -> cut points)")
        present = set(data_stats["bins"])
        skipped = [j for j in range(np.shape(data)[1]) if j not in present]
        super().__init__(
            data, sorted({*(categorical_features or ()), *skipped}), feature_names, labels, random_state, data_stats
        )

    def bins(self, data, labels):
        return [np.asarray(self.data_stats["bins"][j], dtype=float) for j in self.to_discretize]


class QuartileDiscretizer(BaseDiscretizer):
    """Cut each continuous column at its 25th, 50th and 75th percentiles (repeated cuts merged).

    Examples
    --------
    >>> import numpy as np
    >>> QuartileDiscretizer(np.arange(9.0)[:, None], [], ["x"]).names[0]
    ['x <= 2.00', '2.00 < x <= 4.00', '4.00 < x <= 6.00', 'x > 6.00']
    """

    def __init__(self, data, categorical_features, feature_names, labels=None, random_state=None):
        super().__init__(data, categorical_features, feature_names, labels=labels, random_state=random_state)

    def bins(self, data, labels):
        cuts = PercentileDiscretizer((25, 50, 75))
        return [cuts.cut_points(data[:, j].astype(float), None) for j in self.to_discretize]


class DecileDiscretizer(BaseDiscretizer):
    """Cut each continuous column at its deciles (10th, 20th, ..., 90th percentiles).

    Examples
    --------
    >>> import numpy as np
    >>> len(DecileDiscretizer(np.arange(100.0)[:, None], [], ["x"]).names[0])
    10
    """

    def __init__(self, data, categorical_features, feature_names, labels=None, random_state=None):
        super().__init__(data, categorical_features, feature_names, labels=labels, random_state=random_state)

    def bins(self, data, labels):
        cuts = PercentileDiscretizer(tuple(range(10, 100, 10)))
        return [cuts.cut_points(data[:, j].astype(float), None) for j in self.to_discretize]


class EntropyDiscretizer(BaseDiscretizer):
    """Cut each continuous column where a depth-3 entropy decision tree on it splits ``labels`` (at most 8 bins).

    A column the tree does not split is cut at its median.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.arange(20.0)[:, None]
    >>> EntropyDiscretizer(x, [], ["x"], labels=(x[:, 0] > 11).astype(int)).names[0]
    ['x <= 11.50', 'x > 11.50']
    """

    def __init__(self, data, categorical_features, feature_names, labels=None, random_state=None):
        if labels is None:
            raise ValueError("EntropyDiscretizer needs the training labels; pass labels= (the target of each row)")
        super().__init__(data, categorical_features, feature_names, labels=labels, random_state=random_state)

    def bins(self, data, labels):
        cuts = _LimeEntropyCuts(max_depth=3)
        return [cuts.cut_points(data[:, j], labels) for j in self.to_discretize]
