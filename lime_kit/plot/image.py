"""Pictures of image explanations: outlined segments, signed heat maps, dimmed context, panels.

Every function takes an :class:`~lime_kit.Explanation` made by
:class:`~lime_kit.ImageExplainer` (the image and its segment map travel in
its payload) and returns a matplotlib ``Figure``; ``image_html`` embeds a
panel as PNG in the notebook HTML. Blue marks regions that speak for the
label and orange regions that speak against it, as in every other renderer.
"""

from __future__ import annotations

import base64
import io
from html import escape

import numpy as np

from lime_kit.explanation import Explanation
from lime_kit.image.masks import segment_weight_map, top_segments
from lime_kit.image.segmentation import as_float_rgb
from lime_kit.plot.anchors import ANCHOR_STYLE, anchor_parts, check_anchors, not_for_anchors
from lime_kit.plot.colors import GREY, NEGATIVE, POSITIVE
from lime_kit.plot.html import label_heading, probabilities_html, quality_html, scale_html, tie_cells, wrap

__all__ = ["plot_boundaries", "plot_heatmap", "plot_top_segments", "plot_panel", "plot_anchor_image", "anchor_picture",
           "image_html"]

PANEL_INCHES = 3.2  # one image cell of a panel


def _hex_to_rgb(color: str) -> tuple[float, float, float]:
    return tuple(int(color[i : i + 2], 16) / 255 for i in (1, 3, 5))


def _signed_cmap():
    """Orange (against) -> transparent (zero) -> blue (for), so weak segments leave the image visible."""
    from matplotlib.colors import LinearSegmentedColormap

    return LinearSegmentedColormap.from_list(
        "lime_kit_signed", [(*_hex_to_rgb(NEGATIVE), 1.0), (1.0, 1.0, 1.0, 0.0), (*_hex_to_rgb(POSITIVE), 1.0)]
    )


def _payload(explanation: Explanation) -> tuple[np.ndarray, np.ndarray]:
    if explanation.modality != "image":
        raise ValueError(f"this is a {explanation.modality!r} explanation; image plots need one made by ImageExplainer")
    value_range = explanation.payload.get("value_range")  # absent in explanations saved before it was recorded
    rgb = as_float_rgb(np.asarray(explanation.payload["image"]), None if value_range is None else tuple(value_range))
    return rgb, np.asarray(explanation.payload["segments"])


def _axes(ax, figsize):
    from lime_kit.plot.figure import ExplanationFigure

    if ax is not None:
        return ax.figure, ax
    fig = ExplanationFigure(figsize=figsize, layout="constrained")
    return fig, fig.add_subplot()


def _bare(ax, title: str) -> None:
    ax.set_axis_off()
    ax.set_title(title, fontsize=10)


def _label_title(explanation: Explanation, label: int) -> str:
    name = explanation.label_name(label)
    if explanation.mode == "regression":
        return f"prediction {explanation.prediction[label]:.3g}"
    return f"{name}: p = {explanation.prediction[label]:.3f}"


def _upscaled(rgb: np.ndarray, segments: np.ndarray, target: int = 480):
    """Repeat pixels so that one-pixel boundary lines stay thin on small images."""
    factor = max(1, -(-target // max(segments.shape)))
    if factor == 1:
        return rgb, segments
    grow = lambda a: np.repeat(np.repeat(a, factor, axis=0), factor, axis=1)  # noqa: E731
    return grow(rgb), grow(segments)


def plot_boundaries(
    explanation: Explanation,
    label: int | None = None,
    num_features: int = 5,
    min_weight: float | None = None,
    ax=None,
):
    """All segment boundaries, faint, with the top segments outlined by sign.

    Parameters
    ----------
    explanation : Explanation
    label : int, optional
        One of ``explanation.labels``; defaults to the first.
    num_features : int, default=5
        Outline up to this many segments of each sign (blue for, orange against).
    min_weight : float, optional
        Outline only segments with ``|weight|`` above this; default 20 % of
        the label's largest ``|weight|``, so that noise is not outlined.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import numpy as np
    >>> from lime_kit import ImageExplainer
    >>> image = np.arange(64, dtype=np.uint8).reshape(8, 8)
    >>> segments = np.repeat([[0, 0, 1, 1, 2, 2, 3, 3]], 8, axis=0)
    >>> exp = ImageExplainer(mode="regression", segmentation=segments, random_state=0).explain(
    ...     image, lambda b: b.mean(axis=(1, 2)), num_samples=50)
    >>> fig = plot_boundaries(exp)
    """
    from scipy.ndimage import binary_dilation
    from skimage.segmentation import find_boundaries, mark_boundaries

    not_for_anchors(explanation, "plot_boundaries", "plot_anchor_image(exp) or plot_panel(exp)")
    label = explanation.resolve_label(label)
    if min_weight is None:
        min_weight = 0.2 * max((abs(w) for _, w in explanation.as_map()[label]), default=0.0)
    rgb, segments = _upscaled(*_payload(explanation))
    picture = mark_boundaries(rgb, segments, color=(1.0, 1.0, 1.0), mode="inner")
    picture = 0.6 * rgb + 0.4 * picture  # a faint grid of every segment
    line_width = max(1, max(segments.shape) // 240)
    for sign, color in ((1, POSITIVE), (-1, NEGATIVE)):
        chosen = top_segments(explanation, label, num_features, sign > 0, sign < 0, min_weight)
        if chosen:
            outlined = np.where(np.isin(segments, [k for k, _ in chosen]), segments + 1, 0)
            edge = binary_dilation(find_boundaries(outlined, mode="thick"), iterations=line_width)
            picture[edge] = _hex_to_rgb(color)
    fig, ax = _axes(ax, (PANEL_INCHES, PANEL_INCHES))
    ax.imshow(np.clip(picture, 0, 1), interpolation="nearest")
    _bare(ax, f"top segments: blue for, orange against\n{_label_title(explanation, label)}")
    return fig


def plot_heatmap(explanation: Explanation, label: int | None = None, ax=None, alpha: float = 0.85):
    """Signed segment weights blended over a grayscale copy of the image, with a colour bar.

    Parameters
    ----------
    explanation : Explanation
    label : int, optional
    ax : matplotlib Axes, optional
    alpha : float, default=0.85
        Opacity of the strongest weights; weights near zero are transparent.

    Returns
    -------
    matplotlib.figure.Figure
    """
    not_for_anchors(explanation, "plot_heatmap", "plot_anchor_image(exp) or plot_panel(exp)")
    label = explanation.resolve_label(label)
    rgb, _ = _payload(explanation)
    weights = segment_weight_map(explanation, label)
    limit = float(np.abs(weights).max()) or 1.0
    fig, ax = _axes(ax, (PANEL_INCHES * 1.25, PANEL_INCHES))
    ax.imshow(rgb.mean(axis=2), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    heat = ax.imshow(weights, cmap=_signed_cmap(), vmin=-limit, vmax=limit, alpha=alpha, interpolation="nearest")
    fig.colorbar(heat, ax=ax, fraction=0.046, pad=0.03, label="segment weight")
    _bare(ax, f"weight map\n{_label_title(explanation, label)}")
    return fig


def plot_top_segments(
    explanation: Explanation,
    label: int | None = None,
    num_features: int = 5,
    positive_only: bool = True,
    dim: float = 0.25,
    ax=None,
):
    """The top segments in full colour, the rest of the image dimmed.

    Parameters
    ----------
    explanation : Explanation
    label : int, optional
    num_features : int, default=5
    positive_only : bool, default=True
        Show only segments that speak for the label; False shows the largest
        ``|weight|`` of either sign.
    dim : float, default=0.25
        Brightness kept by the other segments (0 hides them).
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    not_for_anchors(explanation, "plot_top_segments", "plot_anchor_image(exp) (the rule's segments) or plot_panel(exp)")
    label = explanation.resolve_label(label)
    rgb, segments = _payload(explanation)
    chosen = top_segments(explanation, label, num_features, positive_only=positive_only)
    keep = np.isin(segments, [k for k, _ in chosen])[..., None]
    fig, ax = _axes(ax, (PANEL_INCHES, PANEL_INCHES))
    ax.imshow(np.where(keep, rgb, dim * rgb), interpolation="nearest")
    _bare(ax, f"top {len(chosen)} segments\n{_label_title(explanation, label)}")
    return fig


def anchor_picture(explanation: Explanation, grey: float = 0.35) -> np.ndarray:
    """The image with the rule's segments in colour and outlined, everything else greyed.

    The other segments become a light, flat grey copy of themselves
    (brightness ``grey`` of their luminance over a mid grey), so the eye goes
    to what the rule keeps while the shape of the scene stays legible.

    Returns
    -------
    ndarray of shape (H', W', 3), float in [0, 1]
        Upscaled (nearest) for small images, so the outline stays thin.
    """
    from scipy.ndimage import binary_dilation
    from skimage.segmentation import find_boundaries

    check_anchors(explanation)
    rgb, segments = _upscaled(*_payload(explanation))
    keep = np.isin(segments, list(explanation.anchor_features))
    luminance = rgb @ np.array([0.2126, 0.7152, 0.0722])
    greyed = (0.55 + grey * (luminance - 0.5))[..., None].repeat(3, axis=2)
    picture = np.where(keep[..., None], rgb, greyed)
    if keep.any() and not keep.all():
        line_width = max(1, max(segments.shape) // 240)
        # The outline of what the rule keeps as a whole: lines between its own segments would cut the object up.
        edge = binary_dilation(find_boundaries(keep, mode="inner"), iterations=line_width)
        picture[edge & keep] = _hex_to_rgb(POSITIVE)
    return np.clip(picture, 0, 1)


def _anchor_title(explanation: Explanation) -> str:
    count = len(explanation.anchor_features)
    if count == 0:
        return "the empty rule: no segment needs to show"
    return f"the rule's {count} segment{'s' if count > 1 else ''}, outlined; the rest greyed"


def plot_anchor_image(explanation: Explanation, ax=None):
    """The rule's segments in colour and outlined, everything else greyed (``method="anchors"``).

    While these segments show, the model keeps its class with the
    explanation's precision, whatever the other segments show.

    Parameters
    ----------
    explanation : Explanation
        An image explanation made with ``method="anchors"``.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import numpy as np
    >>> from lime_kit import ImageExplainer
    >>> image = np.zeros((8, 8), dtype=np.uint8); image[:, :2] = 255
    >>> segments = np.repeat([[0, 0, 1, 1, 2, 2, 3, 3]], 8, axis=0)
    >>> def predict(batch):  # bright on the left (segment 0) is class 1
    ...     left = batch[:, :, :2].reshape(len(batch), -1).mean(axis=1) / 255
    ...     return np.stack([1 - left, left], axis=1)
    >>> exp = ImageExplainer(segmentation=segments, random_state=0).explain(image, predict, method="anchors")
    >>> exp.anchor_features
    (0,)
    >>> fig = plot_anchor_image(exp)
    """
    from lime_kit.plot.anchors import rule_text

    fig, ax = _axes(ax, (PANEL_INCHES, PANEL_INCHES))
    ax.imshow(anchor_picture(explanation), interpolation="nearest")
    name = explanation.label_name(explanation.labels[0])
    _bare(ax, f"{_anchor_title(explanation)}\nkeeps {name}: precision {explanation.precision:.3f}, "
              f"coverage {explanation.coverage:.1%}")
    ax.set_gid(rule_text(explanation))
    return fig


def plot_panel(explanation: Explanation, labels=None, num_features: int = 5):
    """Original, outlined top segments and weight map side by side, one row per label.

    For ``method="anchors"``: the original beside :func:`plot_anchor_image`.

    Parameters
    ----------
    explanation : Explanation
    labels : int or sequence of int, optional
        Labels to show; default all explained labels.
    num_features : int, default=5

    Returns
    -------
    matplotlib.figure.Figure
    """
    from lime_kit.plot.figure import ExplanationFigure

    if explanation.method == "anchors":
        rgb, _ = _payload(explanation)
        fig = ExplanationFigure(figsize=(PANEL_INCHES * 2.2, PANEL_INCHES * 1.1), layout="constrained")
        left, right = fig.subplots(1, 2)
        left.imshow(rgb, interpolation="nearest")
        _bare(left, "image")
        plot_anchor_image(explanation, ax=right)
        return fig
    labels = explanation.labels if labels is None else tuple(np.atleast_1d(labels).tolist())
    labels = [explanation.resolve_label(label) for label in labels]
    rgb, _ = _payload(explanation)
    fig = ExplanationFigure(figsize=(PANEL_INCHES * 3.3, PANEL_INCHES * len(labels)), layout="constrained")
    grid = fig.subplots(len(labels), 3, squeeze=False)
    for row, label in zip(grid, labels):
        row[0].imshow(rgb, interpolation="nearest")
        _bare(row[0], "image")
        plot_boundaries(explanation, label, num_features, ax=row[1])
        plot_heatmap(explanation, label, ax=row[2])
    return fig


def figure_png_base64(fig, dpi: int = 100, transparent: bool = False) -> str:
    """Encode a figure as base64 PNG for an ``<img>`` tag (``transparent`` drops the white background)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, transparent=transparent)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


# Text drawn into the notebook panel: mid-grey reads on white and on dark pages,
# and the transparent background lets the page's own colour show through.
_THEME_NEUTRAL = {
    "text.color": GREY,
    "axes.labelcolor": GREY,
    "axes.edgecolor": GREY,
    "xtick.color": GREY,
    "ytick.color": GREY,
}


def _top_weights_html(explanation: Explanation, label: int, rows: int = 8) -> str:
    pairs = explanation.as_list(label)[:rows]
    largest = max((abs(w) for _, w in pairs), default=1.0) or 1.0
    body = "".join(
        f"<tr><td class='lk-bar' style='width:80px'><span class='bar {'pos' if w > 0 else 'neg'}' "
        f"style='width:{abs(w) / largest * 80:.0f}px'></span></td>"
        f"<td class='num'>{w:+.3g}</td><td>{escape(description)}</td>{tie}</tr>"
        for (description, w), tie in zip(pairs, tie_cells(explanation, label, len(pairs)))
    )
    return f"<table class='lk-t'><tbody>{body}</tbody></table>"


def _png_base64(picture: np.ndarray) -> str:
    from matplotlib.image import imsave

    buffer = io.BytesIO()
    imsave(buffer, picture, format="png")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _anchor_image_html(explanation: Explanation, label) -> str:
    parts = anchor_parts(explanation, label)
    original, _ = _upscaled(*_payload(explanation))
    pictures = (
        ("image", _png_base64(np.clip(original, 0, 1))),
        (_anchor_title(explanation), _png_base64(anchor_picture(explanation))),
    )
    cells = "".join(
        f"<figure style='margin: 0; display: inline-block; vertical-align: top; margin-right: 12px'>"
        f"<img alt='{escape(caption)}' style='width: 240px; max-width: 100%; image-rendering: pixelated' "
        f"src='data:image/png;base64,{data}'><figcaption class='muted'>{escape(caption)}</figcaption></figure>"
        for caption, data in pictures
    )
    parts.insert(1, f"<div><div class='lk-h'>Segments the rule keeps</div>{cells}"
                    f"<div class='muted'>segmentation {escape(str(explanation.payload.get('segmentation')))} · "
                    f"hidden segments show {escape(str(explanation.payload.get('hide_color')))}</div></div>")
    parts.append(probabilities_html(explanation))
    return wrap(parts, explanation, ANCHOR_STYLE)


def image_html(explanation: Explanation, label: int | None = None) -> str:
    """HTML fragment for an image explanation: warnings, probabilities, the panel as PNG, top weights, notes.

    The panel is a transparent PNG with mid-grey text, so it sits on light
    and dark notebook pages alike.

    Examples
    --------
    >>> import numpy as np
    >>> from lime_kit import ImageExplainer
    >>> image = np.arange(64, dtype=np.uint8).reshape(8, 8)
    >>> segments = np.repeat([[0, 0, 1, 1, 2, 2, 3, 3]], 8, axis=0)
    >>> exp = ImageExplainer(mode="regression", segmentation=segments, random_state=0).explain(
    ...     image, lambda b: b.mean(axis=(1, 2)), num_samples=50)
    >>> html = image_html(exp)
    >>> "data:image/png;base64," in html and "<script" not in html
    True

    A ``method="anchors"`` explanation shows its rule (see
    :mod:`lime_kit.plot.anchors`) beside the image with every segment but
    the rule's greyed.
    """
    from matplotlib import rc_context

    if explanation.method == "anchors":
        return _anchor_image_html(explanation, label)

    labels = explanation.labels if label is None else (explanation.resolve_label(label),)
    with rc_context(_THEME_NEUTRAL):
        panel = figure_png_base64(plot_panel(explanation, labels), transparent=True)
    parts = [probabilities_html(explanation)]
    parts.append(
        "<div><img alt='image explanation panel' style='max-width:100%; background: transparent' "
        f"src='data:image/png;base64,{panel}'></div>"
    )
    for k in labels:
        parts.append(
            f"<div>{label_heading(explanation, k, 'strongest segments')}"
            f"{_top_weights_html(explanation, k)}{scale_html(explanation, k)}{quality_html(explanation, k)}"
            f"<div class='muted'>segmentation {escape(str(explanation.payload.get('segmentation')))} · "
            f"hidden segments show {escape(str(explanation.payload.get('hide_color')))}</div></div>"
        )
    return wrap(parts, explanation)
