"""The two signed colours every renderer uses, readable on light and dark backgrounds."""

POSITIVE = "#1f78b4"  # supports the explained label
NEGATIVE = "#e66101"  # speaks against it


def rgba(hex_color: str, alpha: float) -> str:
    """Return ``rgba(r, g, b, alpha)`` CSS for a ``#rrggbb`` colour."""
    r, g, b = (int(hex_color[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r}, {g}, {b}, {alpha:.3f})"

WARNING = "#d08c00"  # amber for warnings: a border and a faint tint, readable under light and dark text
GREY = "#8a8a8a"  # text drawn into transparent PNGs: readable on white and on dark notebook pages
