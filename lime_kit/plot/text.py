"""Text explanations drawn as the document itself, with the explaining tokens highlighted.

Two renderers read the same payload (every token's character span and
feature): :func:`text_html` for notebooks (no JavaScript; every character of
the document escaped) and :func:`plot_text`, a matplotlib figure for PNG
export and papers. Both reproduce the document exactly and colour only token
spans: the hue says for or against the label, the opacity is proportional
to ``|weight|``.
"""

from __future__ import annotations

import re
from html import escape

import numpy as np

from lime_kit.explanation import Explanation
from lime_kit.plot.anchors import ANCHOR_STYLE, anchor_parts, example_rows
from lime_kit.plot.colors import NEGATIVE, POSITIVE, rgba
from lime_kit.plot.html import label_heading, legend_words, probabilities_html, weights_html, wrap

__all__ = ["text_html", "plot_text", "token_weights", "wrap_lines"]

MAX_ALPHA = 0.6  # strongest highlight; light or dark theme text stays readable on it

TEXT_STYLE = """
<style>
.lk .lk-doc { white-space: pre-wrap; line-height: 1.75; max-width: 72em; font-size: 14px;
              border-left: 3px solid rgba(128, 128, 128, 0.4); padding-left: 10px; }
.lk .lk-tok { border-radius: 3px; padding: 0; margin: 0; }
.lk .lk-anc { border-radius: 3px; padding: 0 1px; margin: 0; background: rgba(31, 120, 180, 0.45);
              outline: 1px solid rgba(31, 120, 180, 0.9); font-weight: 600; }
.lk .lk-gone { opacity: 0.45; text-decoration: line-through; }
.lk details.lk-exs > summary { cursor: pointer; font-weight: 600; }
.lk details.lk-exs .lk-doc { font-size: 13px; margin: 4px 0 8px 0; }
</style>
"""


def token_weights(explanation: Explanation, label: int) -> np.ndarray:
    """Surrogate weight of every token occurrence (0 for unselected features).

    Returns
    -------
    ndarray of shape (n_tokens,)
    """
    return explanation.weights(label)[np.asarray(explanation.payload["token_features"], dtype=np.intp)]


def _highlight(weight: float, largest: float) -> str:
    return rgba(POSITIVE if weight > 0 else NEGATIVE, MAX_ALPHA * abs(weight) / largest)


def document_html(explanation: Explanation, label: int) -> str:
    """The document with each selected token's background coloured by its weight."""
    text = explanation.instance
    weights = token_weights(explanation, label)
    largest = float(np.abs(weights).max()) or 1.0
    parts, position = [], 0
    for (start, end), weight in zip(explanation.payload["spans"], weights.tolist()):
        if weight == 0:
            continue
        token = text[start:end]
        parts.append(escape(text[position:start]))
        parts.append(
            f"<span class='lk-tok' style='background: {_highlight(weight, largest)}' "
            f"title='{escape(token)}: {weight:+.3g}'>{escape(token)}</span>"
        )
        position = end
    parts.append(escape(text[position:]))
    return f"<div class='lk-doc'>{''.join(parts)}</div>"


def anchor_document_html(explanation: Explanation, present=None, mark: bool = True) -> str:
    """The document with the rule's words marked; with ``present``, the words absent from it struck through.

    ``present`` is a set of features kept in a perturbed document (an
    ``anchor_examples`` row): every other word is shown struck through, as
    the perturbation removed it.
    """
    text = explanation.instance
    rule = set(explanation.anchor_features)
    features = explanation.payload["token_features"]
    parts, position = [], 0
    for (start, end), feature in zip(explanation.payload["spans"], features):
        if feature in rule and mark:
            css = "lk-anc"
        elif present is not None and feature not in present:
            css = "lk-gone"
        else:
            continue
        token = text[start:end]
        parts.append(escape(text[position:start]))
        title = "held by the rule" if css == "lk-anc" else "removed in this sample"
        parts.append(f"<span class='{css}' title='{title}'>{escape(token)}</span>")
        position = end
    parts.append(escape(text[position:]))
    return f"<div class='lk-doc'>{''.join(parts)}</div>"


def _anchor_examples_html(explanation: Explanation, per_outcome: int = 2) -> str:
    """A few perturbed documents satisfying the rule, folded away (each is the whole document again)."""
    rows = example_rows(explanation)
    if not rows:
        return ""
    name = escape(explanation.label_name(explanation.labels[0]))
    shown, counts = [], {"kept": 0, "changed": 0}
    for outcome, agreeing, _ in rows:
        if counts[outcome] >= per_outcome:
            continue
        counts[outcome] += 1
        word = f"the model keeps {name}" if outcome == "kept" else f"the model no longer predicts {name}"
        shown.append(f"<div class='muted'>{word}:</div>{anchor_document_html(explanation, set(agreeing))}")
    return (
        "<div class='lk-wide'><details class='lk-exs'><summary>Perturbed documents that satisfy the rule "
        f"({sum(counts.values())}; struck-through words were removed)</summary>{''.join(shown)}</details></div>"
    )


def _anchor_text_html(explanation: Explanation, label) -> str:
    parts = anchor_parts(explanation, label)
    parts.insert(1, (
        f"<div class='lk-wide'><div class='lk-h'>The document, the rule's words marked</div>"
        "<div class='muted'><span class='lk-anc'>marked</span>: the words the rule needs present (every "
        "occurrence); any other word may be removed</div>"
        f"{anchor_document_html(explanation)}</div>"
    ))
    parts.append(probabilities_html(explanation))
    parts.append(_anchor_examples_html(explanation))
    return wrap(parts, explanation, TEXT_STYLE + ANCHOR_STYLE)


def _legend_words(explanation: Explanation, label: int) -> tuple[str, str]:
    return legend_words(explanation, label)


def _legend_html(explanation: Explanation, label: int) -> str:
    pro, contra = (escape(words) for words in _legend_words(explanation, label))
    swatch = "<span class='lk-tok' style='background: {}'>&nbsp;&nbsp;&nbsp;</span>"
    return (
        f"<div class='muted'>{swatch.format(rgba(POSITIVE, MAX_ALPHA))} {pro} &nbsp; "
        f"{swatch.format(rgba(NEGATIVE, MAX_ALPHA))} {contra} &nbsp; · opacity proportional to |weight|</div>"
    )


def text_html(explanation: Explanation, label: int | None = None) -> str:
    """HTML fragment for a text explanation: probabilities, highlighted document, weights.

    Parameters
    ----------
    explanation : Explanation
        A text explanation (``modality == "text"``).
    label : int, optional
        Show this label only; default: every explained label.

    Examples
    --------
    >>> from lime_kit import TextExplainer
    >>> exp = TextExplainer(mode="regression", random_state=0).explain(
    ...     "<i>good</i> & fine", lambda docs: [d.count("good") for d in docs], num_samples=100)
    >>> html = text_html(exp, label=0)
    >>> "&lt;" in html and "<i>" not in html
    True

    A ``method="anchors"`` explanation shows its rule (see
    :mod:`lime_kit.plot.anchors`) and the document with the rule's words
    marked instead of weights.
    """
    if explanation.method == "anchors":
        return _anchor_text_html(explanation, label)
    labels = explanation.labels if label is None else (explanation.resolve_label(label),)
    parts = [probabilities_html(explanation)]
    for k in labels:
        parts.append(
            f"<div class='lk-wide'>{label_heading(explanation, k, 'highlighted tokens')}"
            f"{_legend_html(explanation, k)}{document_html(explanation, k)}</div>"
        )
        parts.append(weights_html(explanation, k))
    return wrap(parts, explanation, TEXT_STYLE)


# ---------------------------------------------------------------- matplotlib

_CHUNK = re.compile(r"[^\S\n]*\S+|[^\S\n]+")  # a word with the blanks before it, or trailing blanks
MONOSPACE = "DejaVu Sans Mono"  # ships with matplotlib, so every machine lays text out alike
CHAR_WIDTH_EM = 1233 / 2048  # DejaVu Sans Mono's advance width
LINE_HEIGHT_EM = 1.6
BASELINE = 0.72  # of a line's height, from its top: room for ascenders above and descenders below


def wrap_lines(text: str, width: int) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Greedy word wrap that remembers where every character went.

    Newlines always break; a line breaks before a word that would pass
    ``width``; blanks at a break are not drawn. Tabs count as one column.

    Returns
    -------
    lines : list of str
    line_of_char, column_of_char : ndarray of int, shape (len(text),)
        Position of each character; -1 for characters not drawn.

    Examples
    --------
    >>> lines, line_of, column_of = wrap_lines("one two three", 8)
    >>> lines, line_of.tolist()
    (['one two', 'three'], [0, 0, 0, 0, 0, 0, 0, -1, 1, 1, 1, 1, 1])
    """
    line_of = np.full(len(text), -1, dtype=np.int64)
    column_of = np.full(len(text), -1, dtype=np.int64)
    lines: list[str] = []
    offset = 0
    for paragraph in text.split("\n"):
        current, column = [], 0
        for match in _CHUNK.finditer(paragraph):
            chunk, start = match.group(), offset + match.start()
            if column and column + len(chunk) > width and chunk.strip():
                lines.append("".join(current))
                current, column = [], 0
                blanks = len(chunk) - len(chunk.lstrip())
                chunk, start = chunk[blanks:], start + blanks
            line_of[start : start + len(chunk)] = len(lines)
            column_of[start : start + len(chunk)] = np.arange(column, column + len(chunk))
            current.append(chunk.replace("\t", " "))
            column += len(chunk)
        lines.append("".join(current))
        offset += len(paragraph) + 1
    return lines, line_of, column_of


def _token_boxes(spans, weights, line_of, column_of):
    """One (line, first column, n columns, weight) box per drawn line piece of each weighted token."""
    boxes = []
    for (start, end), weight in zip(spans, weights):
        if weight == 0:
            continue
        lines, columns = line_of[start:end], column_of[start:end]
        for line in np.unique(lines[lines >= 0]):
            on_line = columns[lines == line]
            boxes.append((int(line), int(on_line.min()), int(on_line.max() - on_line.min() + 1), weight))
    return boxes


def _draw_lines(ax, lines: list[str]) -> None:
    """Draw the lines as glyph outlines in data units (one column = one character).

    Text artists snap each glyph advance to whole pixels in raster output, so
    a line drifts off a character grid by up to a character per 15 at
    notebook resolutions; outlines stay exactly on the grid the highlight
    boxes use, at any dpi and in vector formats.
    """
    from matplotlib.font_manager import FontProperties
    from matplotlib.patches import PathPatch
    from matplotlib.textpath import TextPath
    from matplotlib.transforms import Affine2D

    font = FontProperties(family=MONOSPACE)
    for index, line in enumerate(lines):
        if not line.strip():
            continue
        em_to_data = Affine2D().scale(1 / CHAR_WIDTH_EM, -1 / LINE_HEIGHT_EM).translate(0, index + BASELINE)
        glyphs = TextPath((0, 0), line, size=1, prop=font)
        ax.add_patch(PathPatch(glyphs, transform=em_to_data + ax.transData, facecolor="0.1", linewidth=0))


def plot_text(explanation: Explanation, label: int | None = None, width: int = 90, fontsize: float = 11.0, ax=None):
    """Draw the document with its explaining tokens highlighted (matplotlib).

    Parameters
    ----------
    explanation : Explanation
        A text explanation.
    label : int, optional
        One of ``explanation.labels``; defaults to the first.
    width : int, default=90
        Characters per line before wrapping.
    fontsize : float, default=11
    ax : matplotlib Axes, optional
        Draw into it (its size is left alone; lines may then not fill it).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> from lime_kit import TextExplainer
    >>> exp = TextExplainer(mode="regression", random_state=0).explain(
    ...     "good food, bad service", lambda docs: [d.count("good") for d in docs], num_samples=100)
    >>> fig = plot_text(exp, width=40)

    A ``method="anchors"`` explanation gets the rule as its title and every
    occurrence of the rule's words marked in one colour.
    """
    from matplotlib.patches import Rectangle

    from lime_kit.plot.bars import _title
    from lime_kit.plot.figure import ExplanationFigure

    label = explanation.resolve_label(label)
    lines, line_of, column_of = wrap_lines(explanation.instance, width)
    anchors = explanation.method == "anchors"
    if anchors:  # every occurrence of the rule's words, one colour: a rule has no weights to grade by
        weights = np.isin(explanation.payload["token_features"], explanation.anchor_features).astype(float)
    else:
        weights = token_weights(explanation, label)
    largest = float(np.abs(weights).max()) or 1.0
    columns = max(width, max(map(len, lines)))
    char_inches = CHAR_WIDTH_EM * fontsize / 72
    line_inches = LINE_HEIGHT_EM * fontsize / 72
    if ax is None:
        margin, header = 0.3, 0.75
        fig_width, fig_height = columns * char_inches + 2 * margin, len(lines) * line_inches + header + margin
        fig = ExplanationFigure(figsize=(fig_width, fig_height))
        ax = fig.add_axes(
            (margin / fig_width, margin / fig_height, columns * char_inches / fig_width, len(lines) * line_inches / fig_height)
        )
    else:
        fig = ax.figure
    for line, column, length, weight in _token_boxes(explanation.payload["spans"], weights.tolist(), line_of, column_of):
        color = POSITIVE if weight > 0 else NEGATIVE
        ax.add_patch(Rectangle((column, line + 0.08), length, 0.84, facecolor=color, alpha=MAX_ALPHA * abs(weight) / largest, linewidth=0))
    _draw_lines(ax, lines)
    ax.set_xlim(0, columns)
    ax.set_ylim(len(lines), 0)
    ax.set_axis_off()
    if anchors:
        from lime_kit.plot.anchors import rule_text

        title = (
            f"{rule_text(explanation)}\nprecision {explanation.precision:.3f}, coverage {explanation.coverage:.1%}; "
            "marked: the words the rule needs present"
        )
    else:
        pro, contra = _legend_words(explanation, label)
        title = f"{_title(explanation, label)}\nblue: {pro}, orange: {contra}; opacity proportional to |weight|"
    ax.set_title(title, fontsize=10, loc="left")
    return fig
