"""Write an explanation to disk as a PNG chart and a standalone HTML page."""

from __future__ import annotations

from html import escape
from pathlib import Path

from lime_kit.explanation import Explanation

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


def standalone_html(fragment: str, title: str) -> str:
    """Wrap a notebook HTML fragment into a complete page."""
    return PAGE.format(title=escape(title), body=fragment)


def save_explanation(explanation: Explanation, folder, stem: str = "explanation", label: int | None = None, figure=None):
    """Save ``<stem>.png`` (bar chart, or ``figure``) and ``<stem>.html`` into ``folder``.

    Returns
    -------
    (Path, Path)
        The PNG and HTML paths.
    """
    from lime_kit.plot import explanation_html
    from lime_kit.plot.bars import plot_weights

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    png, page = folder / f"{stem}.png", folder / f"{stem}.html"
    fig = figure if figure is not None else plot_weights(explanation, label=label)
    fig.savefig(png, dpi=120)
    title = f"lime_kit {explanation.modality} explanation"
    page.write_text(standalone_html(explanation_html(explanation, label=label), title), encoding="utf-8")
    return png, page
