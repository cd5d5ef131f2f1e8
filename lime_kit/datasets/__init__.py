"""Small bundled datasets with known ground truth, for examples and tests.

Everything here is generated in memory from a seed or loaded from an
installed package, so nothing needs the network:

- :func:`make_loan_approval` / :func:`load_loan_approval`: tabular, mixed
  numeric and categorical, target from a documented logistic model.
- :func:`make_reviews` / :func:`load_reviews`: short texts labelled by a
  documented keyword rule.
- :func:`make_shapes` / :func:`make_shape_image`: images of one shape with
  its exact pixel mask.
- :func:`load_breast_cancer`: the copy bundled with scikit-learn.

``python -m lime_kit.datasets [FOLDER]`` writes the loan and review tables
as CSV files (see ``datasets/README.md``).
"""

import numpy as np

from .loan import (
    LOAN_CATEGORICAL,
    LOAN_COEFFICIENTS,
    LOAN_FEATURES,
    LOAN_IRRELEVANT,
    LOAN_RELEVANT,
    LOAN_TARGET,
    load_loan_approval,
    loan_approval_logit,
    make_loan_approval,
)
from .reviews import (
    NEGATIVE_WORDS,
    POSITIVE_WORDS,
    load_reviews,
    make_reviews,
    review_sentiment,
)
from .shapes import SHAPE_COLORS, SHAPE_NAMES, make_shape_image, make_shapes

__all__ = [
    "LOAN_CATEGORICAL",
    "LOAN_COEFFICIENTS",
    "LOAN_FEATURES",
    "LOAN_IRRELEVANT",
    "LOAN_RELEVANT",
    "LOAN_TARGET",
    "NEGATIVE_WORDS",
    "POSITIVE_WORDS",
    "SHAPE_COLORS",
    "SHAPE_NAMES",
    "load_breast_cancer",
    "load_loan_approval",
    "load_reviews",
    "loan_approval_logit",
    "make_loan_approval",
    "make_reviews",
    "make_shape_image",
    "make_shapes",
    "review_sentiment",
]


def load_breast_cancer():
    """Load the Wisconsin breast-cancer data bundled with scikit-learn.

    A thin wrapper over :func:`sklearn.datasets.load_breast_cancer`, which
    reads a file shipped inside scikit-learn (no download).

    Returns
    -------
    X : numpy.ndarray of float64, shape (569, 30)
    y : numpy.ndarray of int, shape (569,)
        0 = malignant, 1 = benign.
    feature_names : list of str
    class_names : list of str
        ``["malignant", "benign"]``.

    Examples
    --------
    >>> X, y, feature_names, class_names = load_breast_cancer()
    >>> X.shape, class_names
    ((569, 30), ['malignant', 'benign'])
    """
    from sklearn.datasets import load_breast_cancer as _load

    bunch = _load()
    return (
        np.asarray(bunch.data, dtype=np.float64),
        np.asarray(bunch.target, dtype=np.int64),
        [str(name) for name in bunch.feature_names],
        [str(name) for name in bunch.target_names],
    )
