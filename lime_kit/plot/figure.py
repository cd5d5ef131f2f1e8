"""The Figure every renderer returns: a matplotlib Figure that shows itself in Jupyter.

Renderers build figures without pyplot, so that drawing never touches global
state or opens windows; such a figure has no figure manager, which is why a
plain one prints ``<Figure size ...>`` in a notebook and ``fig.show()``
raises. :class:`ExplanationFigure` is still a ``matplotlib.figure.Figure``
(``savefig``, ``axes``, ``add_subplot`` work as usual) and adds the two
things a notebook needs: ``_repr_png_`` (IPython displays it inline without
``%matplotlib`` or a pyplot import) and a ``show()`` that displays it in a
notebook and explains itself elsewhere instead of raising.
"""

from __future__ import annotations

import io
import warnings

from matplotlib.figure import Figure

__all__ = ["ExplanationFigure", "in_notebook"]

DISPLAY_DPI = 100  # CSS pixels per inch, as matplotlib's inline backend uses
RETINA = 2  # pixels rendered per CSS pixel, so charts stay sharp on high-density screens


def in_notebook() -> bool:
    """Return True inside a Jupyter kernel (a terminal IPython cannot show PNG)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


class ExplanationFigure(Figure):
    """A matplotlib ``Figure`` that displays inline in Jupyter and has a working ``show()``.

    Examples
    --------
    >>> fig = ExplanationFigure(figsize=(2, 1))
    >>> _ = fig.add_subplot().plot([0, 1], [1, 0])
    >>> png, size = fig._repr_png_()
    >>> png[:4] == b"\\x89PNG" and size["width"] > 0
    True
    """

    def _repr_png_(self) -> tuple[bytes, dict]:
        """PNG for IPython's display machinery, sized in CSS pixels with retina detail."""
        buffer = io.BytesIO()
        self.savefig(buffer, format="png", dpi=DISPLAY_DPI * RETINA, bbox_inches="tight", facecolor="white")
        data = buffer.getvalue()
        # PNG IHDR: width and height are big-endian uint32 at bytes 16..24.
        width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
        return data, {"width": width // RETINA, "height": height // RETINA}

    def show(self, warn: bool = True) -> None:
        """Display the figure in the running notebook; elsewhere warn and do nothing.

        Outside a notebook there is no window to open without pyplot; save the
        figure instead (``fig.savefig("chart.png")``).

        Parameters
        ----------
        warn : bool, default=True
            Warn when there is no notebook to show the figure in.
        """
        if in_notebook():
            from IPython.display import display

            display(self)
        elif warn:
            warnings.warn(
                "this figure can only be shown inside a Jupyter notebook; save it with "
                "fig.savefig('chart.png') or pass ax=plt.gca() to draw into a pyplot figure",
                UserWarning,
                stacklevel=2,
            )
