"""Write an explanation to disk as a PNG chart and a standalone HTML page."""

from __future__ import annotations

from html import escape
from pathlib import Path

from lime_kit.explanation import Explanation

__all__ = ["save_explanation", "standalone_html"]

PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ margin: 24px; background: #ffffff; color: #1b1b1b; }}
@media (prefers-color-scheme: dark) {{ body {{ background: #1e1e1e; color: #e6e6e6; }} }}
</style></head>
<body><h3 style="font-family: system-ui, sans-serif">{title}</h3>
{body}
</body></html>
"""

FILE_SUFFIXES = (".html", ".htm", ".png", ".json")


def standalone_html(fragment: str, title: str) -> str:
    """Wrap a notebook HTML fragment into a complete page."""
    return PAGE.format(title=escape(title), body=fragment)


def _folder_and_stem(path: Path, stem: str | None) -> tuple[Path, str]:
    """Read ``path`` as a folder, or as a file name whose stem names both files.

    A path ending in a file suffix that is not an existing folder is a file
    name: ``"out/report.html"`` writes ``out/report.png`` and
    ``out/report.html``.
    """
    if path.suffix.lower() not in FILE_SUFFIXES or path.is_dir():
        return path, stem or "explanation"
    if stem is not None and stem != path.stem:
        raise ValueError(
            f"save_explanation got the file name {path.name!r} and stem={stem!r}; pass either a folder "
            f"with stem=, or a file name such as {str(path.with_name(stem + path.suffix))!r} without stem="
        )
    return path.parent, path.stem


def save_explanation(
    explanation: Explanation, path, stem: str | None = None, label: int | None = None, figure=None
) -> tuple[Path, Path]:
    """Save a PNG chart and a standalone HTML page of ``explanation``.

    Parameters
    ----------
    explanation : Explanation
    path : str or Path
        A folder (created if missing) that receives ``<stem>.png`` and
        ``<stem>.html``; or a file name ending in ``.html``, ``.htm``,
        ``.png`` or ``.json``, whose stem names both files in its folder
        (``"out/report.html"`` writes ``out/report.png`` and
        ``out/report.html``). An existing folder is always used as a folder.
    stem : str, optional
        File name without suffix when ``path`` is a folder; default
        ``"explanation"``.
    label : int, optional
        The label to draw and show; default every explained label in the
        HTML and the first in the chart.
    figure : matplotlib Figure, optional
        Save this figure as the PNG instead of the bar chart.

    Returns
    -------
    (Path, Path)
        The PNG and HTML paths.

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> from lime_kit import TabularExplainer
    >>> X = np.random.default_rng(0).normal(size=(100, 3))
    >>> exp = TabularExplainer(X, mode="regression", random_state=0).explain(X[0], lambda r: r[:, 0], num_samples=200)
    >>> png, page = save_explanation(exp, Path(tempfile.mkdtemp()) / "report.html")
    >>> png.name, page.name
    ('report.png', 'report.html')
    """
    from lime_kit.plot.bars import plot_weights
    from lime_kit.plot.renderers import explanation_html

    folder, stem = _folder_and_stem(Path(path), stem)
    folder.mkdir(parents=True, exist_ok=True)
    png, page = folder / f"{stem}.png", folder / f"{stem}.html"
    fig = figure if figure is not None else plot_weights(explanation, label=label)
    fig.savefig(png, dpi=120, facecolor="white", bbox_inches="tight")
    title = f"lime_kit {explanation.modality} explanation"
    page.write_text(standalone_html(explanation_html(explanation, label=label), title), encoding="utf-8")
    return png, page
