"""Which of the rows a renderer shows share a tie group, so every renderer marks the same ties.

A chart or table shows the first ``count`` rows of ``as_list(label)``; a tie
group (see :meth:`~lime_kit.Explanation.ties`) is a run of those rows whose
order the samples do not resolve. Renderers bracket such a run and write
"tied" beside it rather than warn about it. Depends on numpy only, so the
HTML renderers and the command line use it without matplotlib.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from lime_kit.explanation import Explanation
from lime_kit.ranks import tie_groups

__all__ = ["ShownTie", "shown_ties", "tie_word", "TIE_MEANING"]

#: What a "tied" mark means, for tooltips and legends.
TIE_MEANING = "order not resolved: these weights are within sampling noise of each other, so they matter about equally"


class ShownTie(NamedTuple):
    """One tie group as rows of a shown list: positions ``first..last`` (inclusive) and members not shown."""

    first: int
    last: int
    hidden: int


def shown_ties(explanation: Explanation, label: int, count: int | None = None) -> list[ShownTie]:
    """Tie groups among the first ``count`` rows of ``explanation.as_list(label)`` (default: every row).

    A group that reaches past the shown rows is cut at the last shown row,
    with the number of its members left out in ``hidden``; a group that
    starts after the shown rows is left out.

    Examples
    --------
    >>> import numpy as np
    >>> from lime_kit import TabularExplainer
    >>> X = np.random.default_rng(0).normal(size=(300, 4))
    >>> explainer = TabularExplainer(X, mode="regression", discretize_continuous=False, random_state=0)
    >>> exp = explainer.explain(X[0], lambda rows: 4 * rows[:, 0] + rows[:, 1] + rows[:, 2] + 0.2 * rows[:, 3])
    >>> shown_ties(exp, 0)
    [ShownTie(first=1, last=2, hidden=0)]
    >>> shown_ties(exp, 0, count=2)
    [ShownTie(first=1, last=1, hidden=1)]
    """
    label = explanation.resolve_label(label)
    intervals = explanation.rank_intervals(label)
    count = len(intervals) if count is None else min(count, len(intervals))
    bounds = np.array([(best, worst) for _, best, worst in intervals], dtype=int).reshape(-1, 2)
    shown = []
    for group in tie_groups(bounds):
        if len(group) < 2 or group[0] >= count:
            continue
        last = min(group[-1], count - 1)
        shown.append(ShownTie(group[0], last, group[-1] - last))
    return shown


def tie_word(tie: ShownTie) -> str:
    """``"tied"``, or ``"tied with 2 not shown"`` when members of the group are not shown."""
    return "tied" if not tie.hidden else f"tied with {tie.hidden} not shown"
