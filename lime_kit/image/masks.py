"""Array views of an image explanation: lime-style image-and-mask, weight maps, localization.

These return plain arrays (no drawing), for users who compose their own
pictures the way they did with lime's ``get_image_and_mask``; the figures in
:mod:`lime_kit.plot.image` are built on them.
"""

from __future__ import annotations

import numpy as np

from lime_kit.explanation import Explanation

__all__ = ["top_segments", "image_and_mask", "segment_weight_map", "localization_score"]


def _image_payload(explanation: Explanation) -> tuple[np.ndarray, np.ndarray]:
    if explanation.modality != "image" or "segments" not in explanation.payload:
        raise ValueError(
            f"this is a {explanation.modality!r} explanation; image views need one made by ImageExplainer"
        )
    return np.asarray(explanation.payload["image"]), np.asarray(explanation.payload["segments"])


def top_segments(
    explanation: Explanation,
    label: int | None = None,
    num_features: int = 5,
    positive_only: bool = True,
    negative_only: bool = False,
    min_weight: float = 0.0,
) -> list[tuple[int, float]]:
    """Return the strongest ``(segment, weight)`` pairs of one label.

    Parameters
    ----------
    explanation : Explanation
        Made by :class:`~lime_kit.ImageExplainer`.
    label : int, optional
        One of ``explanation.labels``; defaults to the first.
    num_features : int, default=5
        At most this many segments.
    positive_only, negative_only : bool
        Keep only segments that speak for (against) the label; with both
        False, the largest ``|weight|`` of either sign.
    min_weight : float, default=0.0
        Skip segments whose ``|weight|`` is not above this.

    Returns
    -------
    list of (int, float), largest ``|weight|`` first
    """
    if positive_only and negative_only:
        raise ValueError("positive_only and negative_only cannot both be True; set one of them, or neither for both signs")
    pairs = explanation.as_map()[explanation.resolve_label(label)]
    if positive_only:
        pairs = [(k, w) for k, w in pairs if w > 0]
    elif negative_only:
        pairs = [(k, w) for k, w in pairs if w < 0]
    return [(k, w) for k, w in pairs if abs(w) > min_weight][:num_features]


def image_and_mask(
    explanation: Explanation,
    label: int | None = None,
    positive_only: bool = True,
    negative_only: bool = False,
    hide_rest: bool = False,
    num_features: int = 5,
    min_weight: float = 0.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Return the image and a mask of its top segments, as lime's ``get_image_and_mask``.

    Parameters
    ----------
    explanation, label, positive_only, negative_only, num_features, min_weight
        Select segments as :func:`top_segments` does.
    hide_rest : bool, default=False
        Set the pixels outside the selected segments to 0.

    Returns
    -------
    image : ndarray, the explained image's shape and dtype (a copy)
    mask : ndarray of shape (H, W), int8
        1 on segments that speak for the label, -1 on those against, 0 elsewhere.

    Examples
    --------
    >>> import numpy as np
    >>> from lime_kit import ImageExplainer
    >>> image = np.zeros((4, 4), dtype=np.uint8); image[:, 2:] = 255
    >>> segments = np.repeat([[0, 0, 1, 1]], 4, axis=0)
    >>> exp = ImageExplainer(mode="regression", segmentation=segments, hide_color=0, random_state=0).explain(
    ...     image, lambda b: b.mean(axis=(1, 2)), num_samples=50)
    >>> image_and_mask(exp, num_features=1)[1][0].tolist()
    [0, 0, 1, 1]
    """
    image, segments = _image_payload(explanation)
    chosen = top_segments(explanation, label, num_features, positive_only, negative_only, min_weight)
    sign_of_segment = np.zeros(int(segments.max()) + 1, dtype=np.int8)
    for segment, weight in chosen:
        sign_of_segment[segment] = 1 if weight > 0 else -1
    mask = sign_of_segment[segments]
    shown = image.copy()
    if hide_rest:
        shown[mask == 0] = 0
    return shown, mask


def segment_weight_map(explanation: Explanation, label: int | None = None) -> np.ndarray:
    """Return each pixel's segment weight (0 for unselected segments).

    Returns
    -------
    ndarray of shape (H, W), float64
    """
    _, segments = _image_payload(explanation)
    return explanation.weights(label)[segments]


def localization_score(segments: np.ndarray, chosen_segments, object_mask: np.ndarray) -> float:
    """Share of the chosen segments' area that lies inside ``object_mask``.

    1.0 means every pixel of the chosen segments is on the object; a random
    choice scores about the object's share of the image.

    Examples
    --------
    >>> import numpy as np
    >>> segments = np.array([[0, 0, 1, 1]])
    >>> localization_score(segments, [1], np.array([[False, False, True, False]]))
    0.5
    """
    chosen = np.isin(segments, list(chosen_segments))
    area = int(np.count_nonzero(chosen))
    if area == 0:
        raise ValueError("no segment was chosen; pass at least one segment id")
    return float(np.count_nonzero(chosen & np.asarray(object_mask, dtype=bool)) / area)
