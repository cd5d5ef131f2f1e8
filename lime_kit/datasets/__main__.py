"""Write the generated tables to CSV: ``python -m lime_kit.datasets [FOLDER]``.

This regenerates the committed files ``datasets/loan_approval.csv`` and
``datasets/reviews.csv`` from their default generators, so the files never
drift from the code.
"""

import argparse
from pathlib import Path

import pandas as pd

from . import load_loan_approval, load_reviews


def write_csvs(folder="datasets"):
    """Write ``loan_approval.csv`` and ``reviews.csv`` into ``folder``.

    Parameters
    ----------
    folder : str or pathlib.Path, default "datasets"
        Output folder, created if missing.

    Returns
    -------
    list of pathlib.Path
        The files written.

    Examples
    --------
    >>> import tempfile
    >>> paths = write_csvs(tempfile.mkdtemp())
    >>> [p.name for p in paths]
    ['loan_approval.csv', 'reviews.csv']
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    loan_path = folder / "loan_approval.csv"
    load_loan_approval().to_csv(loan_path, index=False, lineterminator="\n")
    texts, labels = load_reviews()
    reviews_path = folder / "reviews.csv"
    pd.DataFrame({"text": texts, "label": labels}).to_csv(
        reviews_path, index=False, lineterminator="\n"
    )
    return [loan_path, reviews_path]


def main(argv=None):
    """Command-line entry point; see the module docstring."""
    parser = argparse.ArgumentParser(
        prog="python -m lime_kit.datasets",
        description="Write the loan and review tables as CSV files."
    )
    parser.add_argument("folder", nargs="?", default="datasets",
                        help="output folder (default: datasets)")
    for path in write_csvs(parser.parse_args(argv).folder):
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
