"""lime's ``lime.explanation``: ``Explanation``, ``DomainMapper`` and ``id_generator``.

The compat explainers return these objects so that code written against
``lime.explanation.Explanation`` and ``lime.lime_image.ImageExplanation``
keeps working. Such an explanation holds no numbers of its own beyond
lime's layout of them: every figure comes from the wrapped lime_kit
explanation (available as ``.explanation``), and every picture or page from
:mod:`lime_kit.plot`.

Code that builds explanations itself (a custom explainer on
:class:`~lime_kit.compat.lime_base.LimeBase`) constructs them as lime does,
``Explanation(domain_mapper, mode, class_names, random_state)``, and fills
``local_exp``, ``intercept``, ``score`` and ``local_pred``; ``as_list`` then
names features through the ``DomainMapper``, and the pictures and pages are
still lime_kit's (the filled fields are read into a lime_kit explanation).
"""

from __future__ import annotations

import dataclasses
import numbers
import string

import numpy as np

from lime_kit.compat.exceptions import LimeError
from lime_kit.explanation import Explanation as KitExplanation

__all__ = ["DomainMapper", "Explanation", "TextExplanation", "ImageExplanation", "id_generator"]

#: lime keeps a regression explanation under this label (and a negated copy under 0).
REGRESSION_LABEL = 1

_ID_CHARACTERS = np.array(list(string.ascii_uppercase + string.digits))


def id_generator(size: int = 15, random_state=None) -> str:
    """Return ``size`` random capital letters and digits (an id for an HTML element), as lime does.

    Parameters
    ----------
    size : int, default=15
    random_state : None, int, numpy Generator or numpy.random.RandomState
        The same seed gives the same id; a generator passed in is advanced.

    Examples
    --------
    >>> id_generator(8, random_state=0) == id_generator(8, random_state=0)
    True
    >>> len(id_generator())
    15
    """
    if isinstance(random_state, np.random.RandomState):
        picks = random_state.randint(0, len(_ID_CHARACTERS), size)
    elif random_state is None or isinstance(random_state, (numbers.Integral, np.random.Generator)):
        picks = np.random.default_rng(random_state).integers(0, len(_ID_CHARACTERS), size)
    else:
        raise TypeError(
            f"random_state must be None, an int, a numpy Generator or a numpy.random.RandomState, "
            f"got {type(random_state).__name__}"
        )
    return "".join(_ID_CHARACTERS[picks])


class DomainMapper:
    """Turn feature ids into what a reader sees; one subclass per kind of data (rows, text, ...).

    The base class names a feature by its id and adds nothing to a page.

    Examples
    --------
    >>> DomainMapper().map_exp_ids([(3, 0.5)])
    [(3, 0.5)]
    """

    def __init__(self):
        pass

    def map_exp_ids(self, exp, **kwargs):
        """Return ``exp`` (``[(feature_id, weight)]``) with each id replaced by its name (here: unchanged)."""
        return exp

    def visualize_instance_html(self, exp, label, div_name, exp_object_name, **kwargs) -> str:
        """Return HTML showing the instance for ``exp`` (here: nothing)."""
        return ""


class _KitNames(DomainMapper):
    """The domain mapper of an explanation computed by lime_kit: ids -> the explanation's feature names."""

    def __init__(self, owner):
        self.owner = owner

    def map_exp_ids(self, exp, **kwargs):
        names = self.owner._feature_names(**kwargs)
        return [(names[i], w) for i, w in exp]


def _of_label(value, label):
    """A per-label entry (lime's image explanations keep dicts) or the one value lime keeps for all labels."""
    return value.get(label) if isinstance(value, dict) else value


class Explanation:
    """A lime-style view of one lime_kit explanation.

    Parameters
    ----------
    explanation : lime_kit.Explanation
        The explanation to expose; kept as ``self.explanation``.
    top_labels : bool, default=False
        Whether the labels were chosen by ``top_labels`` (lime then lists
        them in ``top_labels``, most probable first).
    output_range : (float, float), optional
        Smallest and largest model output over the samples (regression:
        lime's ``min_value`` and ``max_value``).

    Attributes
    ----------
    local_exp : dict of int -> list of (int, float)
        ``{label: [(feature_index, weight)]}``, largest ``|weight|`` first.
        In regression lime's layout: label 1 holds the weights and label 0
        their negation.
    intercept : dict of int -> float
    score : float
        Weighted R^2 of the surrogate of the label lime fits last (the most
        probable one with ``top_labels``, else the last requested label).
    local_pred : ndarray of shape (1,)
        The surrogate's value at the instance for that same label.
    top_labels : list of int or None
    predict_proba : ndarray of shape (n_classes,)
        The model's probabilities at the instance (classification).
    predicted_value, min_value, max_value : float
        Regression only, as in lime.
    class_names : list of str
    mode : str
    random_state : int or None
        The seed that reproduces this explanation.

    Examples
    --------
    >>> import numpy as np
    >>> from lime_kit.compat import LimeTabularExplainer
    >>> X = np.random.default_rng(0).normal(size=(300, 3))
    >>> def predict_proba(rows):
    ...     p = 1 / (1 + np.exp(-4 * rows[:, 0]))
    ...     return np.column_stack([1 - p, p])
    >>> explainer = LimeTabularExplainer(X, feature_names=["a", "b", "c"], random_state=0)
    >>> exp = explainer.explain_instance(X[0], predict_proba, num_samples=500)
    >>> exp.available_labels()
    [1]
    >>> name, weight = exp.as_list()[0]   # lime's default label is 1
    >>> "a" in name.split(), weight != 0
    (True, True)
    """

    def __init__(
        self,
        domain_mapper=None,
        mode: str = "classification",
        class_names=None,
        random_state=None,
        *,
        top_labels: bool = False,
        output_range=None,
    ):
        if isinstance(domain_mapper, KitExplanation):
            self._read_kit(domain_mapper, top_labels, output_range)
            return
        # lime's empty explanation, filled in by the code that built it.
        if mode not in ("classification", "regression"):
            raise LimeError(f"explanation mode {mode!r} is not supported; use 'classification' or 'regression'")
        self.explanation = None
        self.domain_mapper = domain_mapper if domain_mapper is not None else DomainMapper()
        self.mode = mode
        self.random_state = random_state
        self.local_exp = {}
        self.intercept = {}
        self.score = None
        self.local_pred = None
        if mode == "classification":
            self.class_names = class_names
            self.top_labels = None
            self.predict_proba = None
        else:
            self.class_names = ["negative", "positive"]
            self.predicted_value = None
            self.min_value, self.max_value = 0.0, 1.0
            self.dummy_label = REGRESSION_LABEL

    def _read_kit(self, explanation: KitExplanation, top_labels: bool, output_range) -> None:
        self.explanation = explanation
        self.domain_mapper = _KitNames(self)
        self.mode = explanation.mode
        self.random_state = explanation.random_state
        kit = explanation
        # lime fits the most probable of the top labels last; its score and local_pred are that fit's.
        order = list(reversed(kit.labels)) if top_labels else list(kit.labels)
        last = order[-1]
        self.score = float(kit.score[last])
        self.local_pred = np.array([kit.local_pred[last]])
        if self.mode == "regression":
            pairs = [(int(i), float(w)) for i, w in kit.coefficients[0]]
            self.local_exp = {0: [(i, -w) for i, w in pairs], REGRESSION_LABEL: pairs}
            self.intercept = {0: float(kit.intercept[0]), REGRESSION_LABEL: float(kit.intercept[0])}
            self.class_names = ["negative", "positive"]
            self.predicted_value = float(kit.prediction[0])
            low, high = output_range if output_range is not None else (kit.prediction[0], kit.prediction[0])
            self.min_value, self.max_value = float(low), float(high)
            self.dummy_label = REGRESSION_LABEL
        else:
            self.local_exp = {label: [(int(i), float(w)) for i, w in kit.coefficients[label]] for label in order}
            self.intercept = {label: float(kit.intercept[label]) for label in order}
            n_classes = len(kit.model_output)
            self.class_names = list(kit.class_names) if kit.class_names else [str(k) for k in range(n_classes)]
            self.predict_proba = np.array(kit.model_output)
            self.top_labels = list(kit.labels) if top_labels else None

    # ------------------------------------------------------------- labels
    def _kit_label(self, label) -> int:
        """Map a lime label onto the wrapped explanation's, or raise lime's KeyError."""
        if self.mode == "regression":
            return 0
        if label not in self.local_exp:
            raise KeyError(
                f"label {label!r} was not explained; explained labels are {list(self.local_exp)}. "
                f"Pass labels=({label!r},) or top_labels to explain_instance"
            )
        return int(label)

    def _kit_view(self, labels) -> KitExplanation:
        """The lime_kit explanation restricted to ``labels`` (all explained labels when None)."""
        kit = self._kit()
        if labels is None or self.mode == "regression":
            return kit
        return dataclasses.replace(kit, labels=tuple(self._kit_label(label) for label in labels))

    def _kit(self) -> KitExplanation:
        """The wrapped lime_kit explanation, or one read from the fields lime's code filled in."""
        if self.explanation is not None:
            return self.explanation
        return self._filled_kit("tabular", {})

    def _filled_kit(self, modality: str, payload: dict) -> KitExplanation:
        def number(value) -> float:
            return float("nan") if value is None else float(np.ravel(value)[0])

        if self.mode == "regression":
            labels = (0,)
            pairs = {0: self.local_exp.get(self.dummy_label, [])}
            intercept = {0: number(self.intercept.get(self.dummy_label))}
            prediction = {0: number(self.predicted_value)}
            model_output = [prediction[0]]
        else:
            labels = tuple(int(label) for label in (self.top_labels or self.local_exp))
            pairs = {label: self.local_exp[label] for label in labels}
            intercept = {label: number(self.intercept.get(label)) for label in labels}
            proba = None if self.predict_proba is None else np.ravel(self.predict_proba)
            prediction = {label: number(proba[label]) if proba is not None else float("nan") for label in labels}
            model_output = [] if proba is None else proba.tolist()
        ids = sorted({int(i) for weights in pairs.values() for i, _ in weights})
        width = ids[-1] + 1 if ids else 0
        names = [f"feature {i}" for i in range(width)]
        for i, (name, _) in zip(ids, self.domain_mapper.map_exp_ids([(i, 0.0) for i in ids])):
            names[i] = str(name)
        coefficients = {label: [(int(i), float(w)) for i, w in weights] for label, weights in pairs.items()}
        local_pred = {label: number(_of_label(self.local_pred, label)) for label in labels}
        score = {label: number(_of_label(self.score, label)) for label in labels}
        return KitExplanation(
            self.mode, modality, labels, names, names, [None] * width, coefficients, intercept, local_pred, prediction,
            score, model_output,
            class_names=list(self.class_names) if self.class_names is not None and self.mode == "classification" else None,
            payload=payload,
        )  # fmt: skip

    def available_labels(self) -> list:
        """Return the explained labels: ``top_labels`` when they were asked for, else ``local_exp``'s keys."""
        if self.mode != "classification":
            raise NotImplementedError("available_labels is only defined for classification explanations (as in lime)")
        return list(self.top_labels) if self.top_labels else list(self.local_exp)

    # ------------------------------------------------------------- data
    def _feature_names(self) -> list:
        return list(self.explanation.feature_descriptions)

    def as_list(self, label: int = 1, **kwargs) -> list[tuple[str, float]]:
        """Return ``[(feature, weight)]`` of ``label``, largest ``|weight|`` first (label ignored in regression).

        Features are named by ``domain_mapper.map_exp_ids``; ``kwargs`` go to
        it (text: ``positions=True`` gives ``word_start1-start2``).
        """
        label = REGRESSION_LABEL if self.mode == "regression" else self._kit_label(label)
        return [(name, float(w)) for name, w in self.domain_mapper.map_exp_ids(self.local_exp[label], **kwargs)]

    def as_map(self) -> dict:
        """Return ``local_exp``: ``{label: [(feature_index, weight)]}``."""
        return self.local_exp

    # ------------------------------------------------------------- pictures
    def as_pyplot_figure(self, label: int = 1, **kwargs):
        """Return a pyplot Figure with the weights of ``label`` as signed bars (lime_kit's bar chart).

        ``kwargs`` go to :meth:`as_list` (text: ``positions``).
        """
        import matplotlib.pyplot as plt

        from lime_kit.plot.bars import plot_weights

        kit_label = self._kit_label(label)
        # A pyplot figure, as lime returns, so notebooks show it and plt.show() finds it.
        figure = plt.figure()
        ax = figure.add_subplot()
        plot_weights(self._kit(), label=kit_label, ax=ax)
        # lime's names (text: the bare word, or word_positions) rather than lime_kit's descriptions.
        names = [name for name, _ in reversed(self.as_list(label, **kwargs))]
        ax.set_yticks(range(len(names)), names)
        return figure

    def as_html(self, labels=None, predict_proba: bool = True, show_predicted_value: bool = True, **kwargs) -> str:
        """Return a standalone HTML page of the explanation (lime_kit's renderer, no JavaScript).

        ``labels`` selects the labels shown (default: all explained).
        ``predict_proba``, ``show_predicted_value`` and layout keywords such
        as lime's ``show_table`` or ``show_all`` are accepted and ignored:
        lime_kit's page always shows the prediction, the weights and the
        instance.
        """
        from lime_kit.plot.save import standalone_html

        return standalone_html(self._html_fragment(labels), f"lime_kit {self._kit().modality} explanation")

    def _html_fragment(self, labels) -> str:
        from lime_kit.plot import explanation_html

        return explanation_html(self._kit_view(labels))

    def show_in_notebook(self, labels=None, predict_proba: bool = True, show_predicted_value: bool = True, **kwargs):
        """Display the explanation in a notebook (IPython); arguments as in :meth:`as_html`."""
        from IPython.display import HTML, display

        display(HTML(self._html_fragment(labels)))

    def save_to_file(self, file_path, labels=None, predict_proba: bool = True, show_predicted_value: bool = True, **kwargs):
        """Write :meth:`as_html`'s page to ``file_path`` (UTF-8)."""
        page = self.as_html(labels, predict_proba, show_predicted_value, **kwargs)
        with open(file_path, "w", encoding="utf-8") as handle:
            handle.write(page)

    def __repr__(self) -> str:
        if self.explanation is None:
            return f"<lime_kit.compat {type(self).__name__} ({self.mode}, labels {list(self.local_exp)})>"
        return f"<lime_kit.compat {type(self).__name__} of {self.explanation!r}>"


class TextExplanation(Explanation):
    """A lime-style text explanation: features are words, ``as_list(positions=True)`` adds where they are."""

    def _feature_names(self, positions: bool = False) -> list:
        words = [str(name) for name in self.explanation.feature_names]
        if not positions:
            return words
        payload = self.explanation.payload
        starts: list[list[int]] = [[] for _ in words]
        for (start, _), feature in zip(payload["spans"], payload["token_features"]):
            if feature >= 0:
                starts[feature].append(int(start))
        return [f"{word}_{'-'.join(map(str, where))}" for word, where in zip(words, starts)]


class ImageExplanation(Explanation):
    """A lime-style image explanation with ``image``, ``segments`` and ``get_image_and_mask``.

    Attributes
    ----------
    image : ndarray of shape (H, W, C)
        The explained image (RGB when a grayscale image was passed, as in lime).
    segments : ndarray of shape (H, W)
        Superpixel labels ``0..K-1``; the feature indices of ``local_exp``.
    """

    def __init__(self, image, segments=None, *, top_labels: bool = False, output_range=None):
        if isinstance(image, KitExplanation):
            super().__init__(image, top_labels=top_labels, output_range=output_range)
            self.image = image.payload["image"]
            self.segments = image.payload["segments"]
            kit = image
            # lime's image explanations keep score and local_pred per label.
            self.score = {label: float(kit.score[label]) for label in self.local_exp}
            self.local_pred = {label: np.array([kit.local_pred[label]]) for label in self.local_exp}
            return
        if segments is None:
            raise TypeError("ImageExplanation(image, segments) needs the (H, W) segment map as well as the image")
        super().__init__(DomainMapper(), "classification")
        self.image = np.asarray(image)
        self.segments = np.asarray(segments)
        if self.segments.shape != self.image.shape[:2]:
            raise ValueError(f"segments has shape {self.segments.shape} but the image is {self.image.shape[:2]}; pass one label per pixel")
        self.score = {}
        self.local_pred = {}

    def _kit(self) -> KitExplanation:
        if self.explanation is not None:
            return self.explanation
        return self._filled_kit("image", {"image": self.image, "segments": self.segments})

    def get_image_and_mask(
        self,
        label: int,
        positive_only: bool = True,
        negative_only: bool = False,
        hide_rest: bool = False,
        num_features: int = 5,
        min_weight: float = 0.0,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return ``(image, mask)`` for ``skimage.segmentation.mark_boundaries``, as lime does.

        Parameters
        ----------
        label : int
            An explained label.
        positive_only, negative_only : bool
            Keep segments for (against) the label; with both False, the
            ``num_features`` strongest of either sign, tinted as lime does
            (green channel for, red channel against).
        hide_rest : bool, default=False
            Zero every pixel outside the chosen segments.
        num_features : int, default=5
        min_weight : float, default=0.0
            Skip segments whose ``|weight|`` is not above this.

        Returns
        -------
        image : ndarray, the explained image's shape and dtype
        mask : ndarray of shape (H, W)
            1 on segments for the label, -1 on segments against it, 0 elsewhere.
        """
        from lime_kit.image import image_and_mask

        kit_label = self._kit_label(label)
        if positive_only and negative_only:
            raise ValueError("positive_only and negative_only cannot both be True; set one of them, or neither for both signs")
        shown, mask = image_and_mask(
            self._kit(), kit_label, positive_only, negative_only, hide_rest, num_features, min_weight
        )
        if not (positive_only or negative_only) and shown.ndim == 3 and shown.shape[2] >= 2:
            # lime marks the sign by saturating one channel: green (1) for, red (0) against.
            brightest = self.image.max()
            shown[mask == 1, 1] = brightest
            shown[mask == -1, 0] = brightest
        return shown, mask
