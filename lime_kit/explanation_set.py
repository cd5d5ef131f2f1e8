"""`ExplanationSet`: the explanations of many instances, as plain data that frames and stores as JSON lines.

One explanation answers *why this prediction?*; a set of them answers *what
does the model rely on across the data?* and lets a user pick the few worth
reading (:meth:`ExplanationSet.submodular_pick`). The set is data only: it is
built by :func:`lime_kit.batch.explain_many` (or :meth:`load`), it reads its
frames through :mod:`lime_kit.matrices` and leaves pictures to
:mod:`lime_kit.plot`, which it reaches through :mod:`lime_kit.display`.
"""

from __future__ import annotations

import json
import numbers
import os
import warnings
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from lime_kit import display, matrices
from lime_kit.explanation import Explanation

__all__ = ["QUALITY_COLUMNS", "RULE_QUALITY_COLUMNS", "ExplanationSet"]

QUALITY_COLUMNS = (
    "label", "score", "heldout_score", "stability", "settled_stability", "num_samples", "warnings", "notes",
)
#: The quality figures of a rule (``method="anchors"``): a rule has no fit to score, but a precision and a coverage.
RULE_QUALITY_COLUMNS = (
    "label", "precision", "precision_low", "precision_high", "coverage", "reached", "rule_length", "num_samples",
    "warnings", "notes", "score",
)
_WEIGHT_ONLY = ("heldout_score", "stability", "settled_stability")
_RULE_ONLY = ("precision", "precision_low", "precision_high", "coverage", "reached", "rule_length")
_COUNTS = ("label", "num_samples", "warnings", "notes", "rule_length")


class ExplanationSet(Sequence):
    """Explanations of many instances, in instance order; pure data like :class:`~lime_kit.Explanation`.

    Behaves like a read-only sequence: ``len(s)``, ``s[i]`` (an Explanation,
    or None where the instance failed), ``s[2:5]`` (another ExplanationSet),
    iteration. Built by :func:`explain_many` (or ``explainer.explain_many``)
    and by :meth:`load`.

    Parameters
    ----------
    explanations : list of Explanation or None
        One entry per instance; None where the explanation failed.
    failures : list of (int, str), optional
        ``(position, "ErrorType: message")`` of every failed instance.

    Attributes
    ----------
    explanations : list of Explanation or None
    failures : list of (int, str)

    Examples
    --------
    >>> import numpy as np
    >>> from lime_kit import TabularExplainer
    >>> X = np.random.default_rng(0).normal(size=(100, 3))
    >>> explainer = TabularExplainer(X, mode="regression", discretize_continuous=False, random_state=0)
    >>> explanations = explainer.explain_many(X[:4], lambda rows: 3 * rows[:, 0] - rows[:, 2], num_samples=300)
    >>> len(explanations), explanations[0].as_list()[0][0]
    (4, 'x0')
    >>> explanations.global_importance().index[0]
    'x0'
    >>> len(explanations[1:3]), explanations.failures
    (2, [])
    """

    def __init__(self, explanations: Iterable[Explanation | None], failures: Iterable[tuple[int, str]] | None = None):
        self.explanations = list(explanations)
        for position, item in enumerate(self.explanations):
            if item is not None and not isinstance(item, Explanation):
                raise TypeError(
                    f"item {position} is a {type(item).__name__}; an ExplanationSet holds Explanation objects "
                    "(or None for an instance that failed)"
                )
        self.failures = [(int(position), str(message)) for position, message in (failures or [])]
        for position, _ in self.failures:
            if not 0 <= position < len(self.explanations) or self.explanations[position] is not None:
                raise ValueError(
                    f"failure at position {position} does not match a None entry among the "
                    f"{len(self.explanations)} explanations; a failed instance is None in explanations"
                )

    # ------------------------------------------------------------- sequence
    def __len__(self) -> int:
        return len(self.explanations)

    def __iter__(self) -> Iterator[Explanation | None]:
        return iter(self.explanations)

    def __getitem__(self, index):
        if isinstance(index, slice):
            positions = range(len(self.explanations))[index]
            new_position = {old: new for new, old in enumerate(positions)}
            failures = [(new_position[p], m) for p, m in self.failures if p in new_position]
            failures.sort()
            return ExplanationSet([self.explanations[p] for p in positions], failures)
        if isinstance(index, (bool, np.bool_)) or not isinstance(index, numbers.Integral):
            raise TypeError(f"index an ExplanationSet with an int or a slice, got {type(index).__name__}")
        return self.explanations[index]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ExplanationSet):
            return NotImplemented
        return self.explanations == other.explanations and self.failures == other.failures

    __hash__ = None  # mutable lists inside, like list

    def __repr__(self) -> str:
        modalities = sorted({e.modality for e in self.explanations if e is not None})
        kind = f", modality={modalities[0]!r}" if len(modalities) == 1 else ""
        return f"ExplanationSet({len(self)} explanations, {len(self.failures)} failures{kind})"

    # --------------------------------------------------------------- frames
    def weight_matrix(self, label=None, absolute: bool = False) -> tuple[np.ndarray, np.ndarray, list[str]]:
        """Weights of every feature (by name) in every explanation.

        Returns ``(matrix, explained, names)``: ``matrix`` of shape
        (n_explanations, n_names) holds the weight (or ``|weight|``) where the
        feature was selected and NaN elsewhere; ``explained`` marks the rows
        whose explanation exists and explained ``label``.
        """
        return matrices.weight_matrix(self.explanations, label, absolute)

    def to_frame(self, label: int | str | None = None) -> pd.DataFrame:
        """Return the weights as a table: one row per instance, one column per feature name.

        Parameters
        ----------
        label : int or str, optional
            Output column or class name to read; None reads each
            explanation's first explained label.

        Returns
        -------
        pandas.DataFrame of shape (n_instances, n_feature_names)
            Index: the instance position (named ``"instance"``). Columns: the
            union of the explanations' feature names in first-seen order
            (every feature, selected or not). Values: the weight where the
            feature was selected, NaN where it was not, where the instance
            failed, or where its explanation did not explain ``label``. A
            name that occurs twice in one explanation (a word at two places)
            holds the sum of its weights.

        Raises
        ------
        ValueError
            When no explanation explained ``label``.

        Examples
        --------
        >>> import numpy as np
        >>> from lime_kit import TabularExplainer
        >>> X = np.random.default_rng(0).normal(size=(100, 3))
        >>> explainer = TabularExplainer(X, mode="regression", discretize_continuous=False, random_state=0)
        >>> s = explainer.explain_many(X[:3], lambda rows: 2 * rows[:, 0], num_samples=300, num_features=1)
        >>> frame = s.to_frame()
        >>> list(frame.columns), frame.shape
        (['x0', 'x1', 'x2'], (3, 3))
        >>> bool(frame["x1"].isna().all())
        True
        """
        matrix, _, names = self.weight_matrix(label, absolute=False)
        frame = pd.DataFrame(matrix, columns=names)
        frame.index.name = "instance"
        return frame

    def global_importance(self, label: int | str | None = None) -> pd.DataFrame:
        """Return how much each feature matters across the set (for rules: how often each is named).

        Parameters
        ----------
        label : int or str, optional
            As in :meth:`to_frame`.

        Returns
        -------
        pandas.DataFrame
            Index: feature name. Columns ``"importance"`` (mean ``|weight|``
            over the explanations that explained ``label``, counting 0 where
            the feature was not selected) and ``"selected"`` (the share of
            those explanations that selected it). Sorted by importance,
            descending; ties keep first-seen order. Failed instances do not
            count. ``lime_kit.plot.many.plot_global_importance`` draws it.

            A set of rules (``method="anchors"``) has no weights to average:
            its columns are ``"in_rules"`` (the share of the rules that name
            the feature), ``"rules"`` (how many do) and
            ``"mean_added_precision"`` (the precision the feature added to the
            rules that name it, averaged over them; NaN where none does),
            sorted by ``in_rules`` (see
            :func:`lime_kit.matrices.rule_importance`).

        Raises
        ------
        ValueError
            When the set mixes rules and weights, which no one table can
            rank together; summarise each with :meth:`with_method`.

        Examples
        --------
        >>> import numpy as np
        >>> from lime_kit import TabularExplainer
        >>> X = np.random.default_rng(0).normal(size=(100, 3))
        >>> explainer = TabularExplainer(X, mode="regression", discretize_continuous=False, random_state=0)
        >>> s = explainer.explain_many(X[:3], lambda rows: 2 * rows[:, 0], num_samples=300, num_features=1)
        >>> s.global_importance()["selected"].to_dict()
        {'x0': 1.0, 'x1': 0.0, 'x2': 0.0}
        """
        kind = matrices.set_kind(self)
        if kind == "rules":
            return matrices.rule_importance(self.explanations, label)
        if kind == "mixed":
            raise ValueError(
                f"this set mixes methods ({self._method_counts()}): weights and rules do not rank on one scale. "
                "Summarise each apart, e.g. s.with_method('anchors').global_importance()"
            )
        return matrices.global_importance(self.explanations, label)

    def with_method(self, method: str) -> ExplanationSet:
        """The same positions, keeping only the explanations made with ``method`` (the others become None).

        Failures are kept, so positions still index the instances as given.

        Examples
        --------
        >>> import numpy as np
        >>> from lime_kit import TabularExplainer
        >>> X = np.random.default_rng(0).normal(size=(100, 3))
        >>> explainer = TabularExplainer(X, mode="regression", discretize_continuous=False, random_state=0)
        >>> s = explainer.explain_many(X[:2], lambda rows: rows[:, 0], num_samples=300)
        >>> [exp is None for exp in s.with_method("anchors")]
        [True, True]
        """
        kept = [exp if exp is not None and exp.method == method else None for exp in self.explanations]
        return ExplanationSet(kept, self.failures)

    def _method_counts(self) -> str:
        counts: dict[str, int] = {}
        for exp in self.explanations:
            if exp is not None:
                counts[exp.method] = counts.get(exp.method, 0) + 1
        return ", ".join(f"{n} {method}" for method, n in counts.items())

    def quality_frame(self) -> pd.DataFrame:
        """Return the quality figures of every explanation, one row per instance.

        Returns
        -------
        pandas.DataFrame
            Index: the instance position (``"instance"``). Columns, for each
            explanation's first explained label: ``"label"`` (that output
            column), ``"score"`` (in-sample weighted R²), ``"heldout_score"``
            (held-out R²), ``"stability"`` (expected top-5 agreement of a
            rerun), ``"settled_stability"`` (the same on the settled top 5:
            the top 5 less any tie group crossing rank 5), ``"num_samples"``,
            ``"warnings"`` (how many alarms the explanation carries; read them
            in ``s[i].warnings``) and ``"notes"`` (how many notes: ties, a
            moderate fit; ``s[i].notes``). A failed instance has missing
            values throughout (see :attr:`failures`).

            A set of rules (every explanation made with ``method="anchors"``)
            has no fit to score; its columns are :data:`RULE_QUALITY_COLUMNS`:
            ``"label"`` (the class the rule keeps), ``"precision"`` with its
            confidence bounds ``"precision_low"`` and ``"precision_high"``,
            ``"coverage"`` (the share of perturbed inputs the rule applies
            to), ``"reached"`` (whether the precision reached the threshold),
            ``"rule_length"`` (predicates), ``"num_samples"`` (model rows),
            ``"warnings"``, ``"notes"`` and ``"score"`` (what
            ``Explanation.score`` holds for a rule: its precision again). A
            set mixing rules and weights has a ``"method"`` column and both
            groups of columns, each missing where it does not apply
            (``"score"`` is then ``Explanation.score``: R² or precision).

        Examples
        --------
        >>> import numpy as np
        >>> from lime_kit import TabularExplainer
        >>> X = np.random.default_rng(0).normal(size=(100, 3))
        >>> explainer = TabularExplainer(X, mode="regression", discretize_continuous=False, random_state=0)
        >>> s = explainer.explain_many(X[:2], lambda rows: rows @ [3.0, 0.0, -1.0], num_samples=300)
        >>> quality = s.quality_frame()
        >>> list(quality.columns)
        ['label', 'score', 'heldout_score', 'stability', 'settled_stability', 'num_samples', 'warnings', 'notes']
        >>> bool((quality["heldout_score"] > 0.99).all()), quality["warnings"].tolist()
        (True, [0, 0])

        A set of rules:

        >>> X = np.random.default_rng(0).uniform(size=(500, 3))
        >>> explainer = TabularExplainer(X, discretizer="quartile", random_state=0)
        >>> predict = lambda rows: np.column_stack([rows[:, 0] <= 0.5, rows[:, 0] > 0.5]).astype(float)
        >>> rules = explainer.explain_many(X[:2], predict, method="anchors")
        >>> rules.quality_frame()[["precision", "reached", "rule_length"]].to_dict("list")
        {'precision': [1.0, 1.0], 'reached': [True, True], 'rule_length': [1, 1]}
        """
        kind = matrices.set_kind(self)
        if kind == "rules":
            names = RULE_QUALITY_COLUMNS
        elif kind == "mixed":
            names = ("method", *QUALITY_COLUMNS[:5], *_RULE_ONLY, *QUALITY_COLUMNS[5:])
        else:
            names = QUALITY_COLUMNS
        columns: dict[str, list] = {name: [] for name in names}
        for exp in self.explanations:
            values = {} if exp is None else _quality_values(exp)
            for name in names:
                columns[name].append(values.get(name, _MISSING.get(name, np.nan)))
        frame = pd.DataFrame({name: _column(name, values) for name, values in columns.items()})
        frame.index.name = "instance"
        return frame

    # -------------------------------------------------------------- storage
    def save(self, path: str | os.PathLike, append: bool = False) -> Path:
        """Write the set as JSON lines: one explanation per line, in order.

        Each line is ``Explanation.to_json()``; a failed instance is the
        line ``{"failure": [position, "ErrorType: message"]}``. Lines are
        written one at a time, each with a single ``write`` to a file opened
        for appending, so an interrupted save leaves every finished line
        intact and :meth:`load` reads them back.

        Parameters
        ----------
        path : str or path-like
        append : bool, default=False
            Add the lines after those already in the file (created if
            missing) instead of replacing it: explain in batches and store
            as you go. If the file ends in a partial line (an interrupted
            write), that fragment is cut off first, with a UserWarning, so
            the new lines stay readable.

        Returns
        -------
        pathlib.Path

        Examples
        --------
        >>> import tempfile, numpy as np
        >>> from lime_kit import TabularExplainer
        >>> X = np.random.default_rng(0).normal(size=(100, 3))
        >>> explainer = TabularExplainer(X, mode="regression", discretize_continuous=False, random_state=0)
        >>> s = explainer.explain_many(X[:2], lambda rows: rows @ [3.0, 0.0, -1.0], num_samples=300)
        >>> path = s.save(tempfile.mkdtemp() + "/explanations.jsonl")
        >>> ExplanationSet.load(path) == s
        True
        """
        path = Path(path)
        if append:
            _drop_partial_tail(path)
        flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | (0 if append else os.O_TRUNC)
        descriptor = os.open(path, flags, 0o666)
        try:
            failures = dict(self.failures)
            for position, exp in enumerate(self.explanations):
                if exp is None:
                    line = json.dumps({"failure": [position, failures.get(position, "unknown failure")]})
                else:
                    line = exp.to_json()
                _write_all(descriptor, (line + "\n").encode("utf-8"))
        finally:
            os.close(descriptor)
        return path

    @classmethod
    def load(cls, path: str | os.PathLike) -> ExplanationSet:
        """Read a set written by :meth:`save` (one or more saves appended to one file).

        Every complete line is read; a last line without its newline (a
        write that was interrupted) is skipped with a UserWarning. Failure
        lines become None entries, and their failures are listed under the
        position the line has in the file (which is the stored position
        when the file holds one set).

        Parameters
        ----------
        path : str or path-like

        Returns
        -------
        ExplanationSet

        Raises
        ------
        ValueError
            When a complete line is not an explanation or a failure record;
            the message gives its line number.
        """
        path = Path(path)
        text = path.read_text(encoding="utf-8")
        lines = text.split("\n")
        if lines[-1]:
            warnings.warn(
                f"{path}: skipped a partial last line ({len(lines[-1])} characters without a newline), "
                "left by an interrupted write",
                UserWarning,
                stacklevel=2,
            )
        explanations: list[Explanation | None] = []
        failures: list[tuple[int, str]] = []
        for number, line in enumerate(lines[:-1], start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                if set(record) == {"failure"}:
                    _, message = record["failure"]
                    failures.append((len(explanations), str(message)))
                    explanations.append(None)
                else:
                    explanations.append(Explanation.from_dict(record))
            except (ValueError, TypeError, KeyError) as error:
                raise ValueError(
                    f"{path}, line {number}: not an explanation written by ExplanationSet.save ({error}); "
                    "remove or repair that line"
                ) from error
        return cls(explanations, failures)

    # ---------------------------------------------------------------- views
    def submodular_pick(
        self,
        budget: int,
        label: int | str | None = None,
        method: str = "greedy",
        sample_size: int = 1000,
        random_state=None,
    ) -> list[int]:
        """Positions of ``budget`` explanations that together cover the important features (SP-LIME).

        Delegates to :func:`lime_kit.pick.submodular_pick` (see there for the
        parameters); failed instances are never picked.

        Returns
        -------
        list of int
            Positions in this set, in pick order.
        """
        from lime_kit.pick import submodular_pick

        return submodular_pick(
            self.explanations, budget, label=label, method=method, sample_size=sample_size, random_state=random_state
        )

    def _repr_html_(self) -> str:
        render = display.renderer("explanation_set")
        # Nothing registered (lime_kit.plot not imported): a plain table still says what the set holds.
        return self._plain_html() if render is None else render(self)

    def _plain_html(self) -> str:
        return f"<p>{len(self)} explanations, {len(self.failures)} failed</p>" + self.quality_frame().to_html()


_MISSING = {"method": None, "label": None, "num_samples": None, "warnings": None, "notes": None,
            "reached": None, "rule_length": None}


def _quality_values(exp: Explanation) -> dict:
    """One explanation's row of :meth:`ExplanationSet.quality_frame`, by column name (absent: not applicable)."""
    nan = float("nan")
    label = exp.labels[0]
    values = {
        "method": exp.method,
        "label": label,
        "score": float(exp.score.get(label, nan)),
        "num_samples": int(exp.num_samples),
        "warnings": len(exp.warnings),
        "notes": len(exp.notes),
    }
    if exp.method == "anchors":
        low, high = exp.precision_bounds or (nan, nan)
        reached = exp.payload.get("reached")
        values.update(
            precision=float(exp.precision) if exp.precision is not None else nan,
            precision_low=float(low),
            precision_high=float(high),
            coverage=float(exp.coverage) if exp.coverage is not None else nan,
            reached=bool(reached) if reached is not None else None,
            rule_length=len(exp.anchor_features),
        )
    else:
        values.update(
            heldout_score=float(exp.heldout_score.get(label, nan)),
            stability=float(exp.stability.get(label, nan)),
            settled_stability=float(exp.settled_stability.get(label, nan)),
        )
    return values


def _column(name: str, values: list):
    if name in _COUNTS:
        return pd.array(values, dtype="Int64")
    if name == "reached":
        return pd.array(values, dtype="boolean")
    if name == "method":
        return pd.array(values, dtype=object)
    return values


def _write_all(descriptor: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(descriptor, view):]


def _drop_partial_tail(path: Path) -> None:
    """Cut a trailing fragment without a newline, so lines appended after it stay whole."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return
    if size == 0:
        return
    with open(path, "rb+") as handle:
        handle.seek(size - 1)
        if handle.read(1) == b"\n":
            return
        # Read back in blocks to the last newline; a fragment is one line at most.
        end = size
        while end > 0:
            start = max(0, end - 65536)
            handle.seek(start)
            block = handle.read(end - start)
            cut = block.rfind(b"\n")
            if cut >= 0:
                keep = start + cut + 1
                break
            end = start
        else:
            keep = 0
        handle.truncate(keep)
    warnings.warn(
        f"{path}: removed a partial last line ({size - keep} bytes without a newline) left by an interrupted "
        "write before appending",
        UserWarning,
        stacklevel=3,
    )

