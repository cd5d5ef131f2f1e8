"""Simulated loan-approval table with a known ground truth.

This module exists so that tabular explainers can be checked against a
model whose true dependence on each feature is known exactly: the target
``approved`` is drawn from a logistic model over a *few* documented columns,
and several other columns are pure distractors.

Ground truth
------------
All feature columns are drawn independently of each other (the only coupling
is ``years_employed <= age - 18``, both of which are irrelevant), so a
distractor carries no information about the target. The true logit is::

    logit = 0.5
            + 0.02 * (credit_score - 680)
            - 6.0  * (debt_to_income - 0.30)
            + 0.02 * (income - 50)
            - 0.8  * [employment == "self-employed"]
            - 2.5  * [employment == "unemployed"]

and ``approved ~ Bernoulli(sigmoid(logit))``. The logit does **not** depend
on ``age``, ``loan_amount``, ``years_employed``, ``home`` or ``purpose``.
"""

import numpy as np
import pandas as pd

__all__ = [
    "LOAN_FEATURES",
    "LOAN_CATEGORICAL",
    "LOAN_RELEVANT",
    "LOAN_IRRELEVANT",
    "LOAN_COEFFICIENTS",
    "LOAN_TARGET",
    "make_loan_approval",
    "loan_approval_logit",
    "load_loan_approval",
]

#: Feature columns, in table order (the target column is ``LOAN_TARGET``).
LOAN_FEATURES = [
    "age",
    "income",
    "loan_amount",
    "credit_score",
    "debt_to_income",
    "years_employed",
    "employment",
    "home",
    "purpose",
]
#: String-valued categorical feature columns.
LOAN_CATEGORICAL = ["employment", "home", "purpose"]
#: Columns the true logit depends on.
LOAN_RELEVANT = ["credit_score", "debt_to_income", "income", "employment"]
#: Columns the true logit ignores.
LOAN_IRRELEVANT = ["age", "loan_amount", "years_employed", "home", "purpose"]
#: Name of the 0/1 target column.
LOAN_TARGET = "approved"

#: Terms of the true logit: intercept, slopes with their centring values,
#: and offsets for the non-reference employment levels ("salaried" is 0).
LOAN_COEFFICIENTS = {
    "intercept": 0.5,
    "credit_score": (0.02, 680.0),
    "debt_to_income": (-6.0, 0.30),
    "income": (0.02, 50.0),
    "employment=self-employed": -0.8,
    "employment=unemployed": -2.5,
}

_EMPLOYMENT = (["salaried", "self-employed", "unemployed"], [0.65, 0.25, 0.10])
_HOME = (["rent", "own", "mortgage"], [0.40, 0.25, 0.35])
_PURPOSE = (["car", "home", "education", "business"], [0.35, 0.25, 0.20, 0.20])


def loan_approval_logit(df):
    """Return the true logit of approval for each row of a loan table.

    Only the columns in ``LOAN_RELEVANT`` are read, so any other column may
    be missing or hold arbitrary values.

    Parameters
    ----------
    df : pandas.DataFrame
        Table with at least ``credit_score``, ``debt_to_income``, ``income``
        and ``employment`` columns.

    Returns
    -------
    numpy.ndarray of shape (n_rows,)
        The logit; ``sigmoid(logit)`` is the probability of approval.

    Examples
    --------
    >>> df = make_loan_approval(5, random_state=1)
    >>> loan_approval_logit(df).shape
    (5,)
    """
    c = LOAN_COEFFICIENTS
    logit = np.full(len(df), c["intercept"], dtype=float)
    for col in ("credit_score", "debt_to_income", "income"):
        slope, centre = c[col]
        logit += slope * (df[col].to_numpy(dtype=float) - centre)
    employment = df["employment"].to_numpy(dtype=object)
    logit += c["employment=self-employed"] * (employment == "self-employed")
    logit += c["employment=unemployed"] * (employment == "unemployed")
    return logit


def make_loan_approval(n_samples=1000, random_state=0):
    """Simulate a loan-approval table with a known ground-truth model.

    Columns (all drawn independently, see the module docstring):

    - ``age`` (int): uniform integer in [21, 70].
    - ``income`` (float, thousands per year): log-normal, median 50,
      rounded to 0.1.
    - ``loan_amount`` (float, thousands): log-normal, median 15, rounded
      to 0.1.
    - ``credit_score`` (int): normal(680, 70) rounded, clipped to [300, 850].
    - ``debt_to_income`` (float): uniform in [0.02, 0.65], rounded to 0.001.
    - ``years_employed`` (int): uniform integer in [0, min(age - 18, 40)].
    - ``employment`` (str): salaried / self-employed / unemployed with
      probabilities 0.65 / 0.25 / 0.10.
    - ``home`` (str): rent / own / mortgage (0.40 / 0.25 / 0.35).
    - ``purpose`` (str): car / home / education / business
      (0.35 / 0.25 / 0.20 / 0.20).
    - ``approved`` (int 0/1): Bernoulli(sigmoid(logit)), where ``logit`` is
      :func:`loan_approval_logit` computed on the rounded columns.

    The logit is ``0.5 + 0.02*(credit_score-680) - 6*(debt_to_income-0.3)
    + 0.02*(income-50) - 0.8*[self-employed] - 2.5*[unemployed]``; it does
    not depend on age, loan_amount, years_employed, home or purpose.

    Parameters
    ----------
    n_samples : int, default 1000
        Number of rows.
    random_state : int or None, default 0
        Seed for ``numpy.random.default_rng``; the same seed gives the same
        table.

    Returns
    -------
    pandas.DataFrame
        ``LOAN_FEATURES`` columns followed by ``approved``.

    Examples
    --------
    >>> df = make_loan_approval(200, random_state=0)
    >>> list(df.columns)[-1]
    'approved'
    >>> sorted(df["approved"].unique().tolist())
    [0, 1]
    """
    rng = np.random.default_rng(random_state)
    n = int(n_samples)
    age = rng.integers(21, 71, size=n)
    income = np.round(50.0 * np.exp(rng.normal(0.0, 0.45, size=n)), 1)
    loan_amount = np.round(15.0 * np.exp(rng.normal(0.0, 0.7, size=n)), 1)
    credit_score = np.clip(np.round(rng.normal(680.0, 70.0, size=n)), 300, 850)
    debt_to_income = np.round(rng.uniform(0.02, 0.65, size=n), 3)
    years_employed = np.floor(
        rng.uniform(0.0, 1.0, size=n) * (np.minimum(age - 18, 40) + 1)
    )
    df = pd.DataFrame(
        {
            "age": age.astype(np.int64),
            "income": income,
            "loan_amount": loan_amount,
            "credit_score": credit_score.astype(np.int64),
            "debt_to_income": debt_to_income,
            "years_employed": years_employed.astype(np.int64),
            "employment": rng.choice(_EMPLOYMENT[0], size=n, p=_EMPLOYMENT[1]),
            "home": rng.choice(_HOME[0], size=n, p=_HOME[1]),
            "purpose": rng.choice(_PURPOSE[0], size=n, p=_PURPOSE[1]),
        }
    )
    prob = 1.0 / (1.0 + np.exp(-loan_approval_logit(df)))
    df[LOAN_TARGET] = (rng.uniform(size=n) < prob).astype(np.int64)
    return df


def load_loan_approval(return_X_y=False):
    """Load the default loan table (``n_samples=1000, random_state=0``).

    The table is generated in memory; ``datasets/loan_approval.csv`` holds
    the same rows.

    Parameters
    ----------
    return_X_y : bool, default False
        If True, return ``(X, y)`` with ``X`` the ``LOAN_FEATURES`` columns
        (a DataFrame) and ``y`` the ``approved`` column as an int array.

    Returns
    -------
    pandas.DataFrame or tuple of (pandas.DataFrame, numpy.ndarray)

    Examples
    --------
    >>> X, y = load_loan_approval(return_X_y=True)
    >>> X.shape, y.shape
    ((1000, 9), (1000,))
    """
    df = make_loan_approval()
    if return_X_y:
        return df[LOAN_FEATURES].copy(), df[LOAN_TARGET].to_numpy()
    return df
