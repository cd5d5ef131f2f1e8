"""Behaviour of the image explainer: ground truth, segment bookkeeping, layouts, fills, errors."""

from __future__ import annotations

import json
import tracemalloc

import numpy as np
import pytest

from lime_kit import Explanation, ImageExplainer
from lime_kit.datasets import make_shape_image
from lime_kit.image import image_and_mask, localization_score, make_segmenter, top_segments
from lime_kit.image.fill import BLUR_SIGMA_FRACTION
from lime_kit.image.sampler import BATCH_BYTES, SegmentCompositor

HALVES = np.repeat([[0, 0, 1, 1]], 2, axis=0)  # 2x4 image: left segment 0, right segment 1


class RecordingModel:
    """Keeps a copy of every batch and returns a probability driven by the right half."""

    def __init__(self):
        self.batches = []

    def __call__(self, batch):
        self.batches.append(np.array(batch, copy=True))
        self.last_flags = batch.flags
        score = batch.reshape(len(batch), -1).astype(np.float64).mean(axis=1)
        score = score / (1.0 + np.abs(score).max())
        return np.stack([1 - score, score], axis=1)

    def images(self):
        return np.concatenate(self.batches)


def mask_model(original: np.ndarray, object_mask: np.ndarray):
    """Probability of class 1 = share of the object's pixels left untouched (nothing else matters)."""

    def predict(batch):
        untouched = np.all(batch == original, axis=-1)[:, object_mask].mean(axis=1)
        return np.stack([1 - untouched, untouched], axis=1)

    return predict


# ----------------------------------------------------------------- ground truth
@pytest.mark.parametrize("shape, seed", [("circle", 0), ("square", 1), ("triangle", 2)])
def test_top_segments_lie_inside_the_object_the_model_looks_at(shape, seed):
    image, object_mask = make_shape_image(shape, size=64, random_state=seed)
    explainer = ImageExplainer(segmentation=make_segmenter("slic", n_segments=150, compactness=30), hide_color=0, random_state=0)
    exp = explainer.explain(image, mask_model(image.copy(), object_mask), labels=[1], num_samples=400)
    chosen = [k for k, _ in top_segments(exp, 1, num_features=3)]
    # The object covers under 10 % of the image, so a random choice scores about 0.1.
    assert object_mask.mean() < 0.15
    assert localization_score(exp.payload["segments"], chosen, object_mask) >= 0.8


def test_segments_outside_the_object_get_no_weight_in_a_noise_free_model():
    image, object_mask = make_shape_image("square", size=48, random_state=4)
    exp = ImageExplainer(segmentation=make_segmenter("slic", n_segments=60, compactness=30), hide_color=0, random_state=1).explain(
        image, mask_model(image.copy(), object_mask), labels=[1], num_samples=300
    )
    segments = exp.payload["segments"]
    touching = np.unique(segments[object_mask])
    weights = exp.weights(1)
    outside = np.setdiff1d(np.arange(weights.size), touching)
    assert np.abs(weights[outside]).max() < 0.2 * weights[touching].max()


# -------------------------------------------------------- segment bookkeeping
def test_slic_labels_starting_at_one_are_renumbered_and_all_perturbed():
    image, _ = make_shape_image("circle", size=40, random_state=0)
    slic = make_segmenter("slic", n_segments=20)
    raw = slic(image)
    assert raw.min() == 1  # scikit-image's convention the explainer must undo
    model = RecordingModel()
    exp = ImageExplainer(segmentation=slic, hide_color=0, random_state=0).explain(image, model, num_samples=60)
    segments = exp.payload["segments"]
    k = len(np.unique(raw))
    assert sorted(np.unique(segments).tolist()) == list(range(k))
    assert len(exp.feature_names) == k
    seen = model.images()
    for segment in range(k):
        pixels = seen[:, segments == segment]  # (n, pixels, 3)
        assert np.any(np.all(pixels == 0, axis=(1, 2))), f"segment {segment} was never hidden"


def test_user_segmenter_with_gaps_gives_one_feature_per_real_segment():
    image = np.arange(2 * 6, dtype=np.uint8).reshape(2, 6)

    def segmenter(img):
        return np.array([[3, 3, 8, 8, 20, 20]] * 2)

    exp = ImageExplainer(mode="regression", segmentation=segmenter, random_state=0).explain(image, lambda b: b.mean(axis=(1, 2)), num_samples=40)
    assert exp.payload["segments"].tolist() == [[0, 0, 1, 1, 2, 2]] * 2
    assert len(exp.feature_names) == 3


def test_precomputed_segmentation_is_used_as_given():
    image = np.zeros((2, 4, 3), dtype=np.uint8)
    exp = ImageExplainer(mode="regression", random_state=0).explain(
        image, lambda b: b.mean(axis=(1, 2, 3)), num_samples=10, segmentation=HALVES + 5
    )
    assert exp.payload["segments"].tolist() == HALVES.tolist()
    assert exp.payload["segmentation"] == "precomputed"


@pytest.mark.parametrize("name", ["quickshift", "slic", "felzenszwalb", "watershed"])
def test_every_named_segmenter_gives_a_clean_label_map(name):
    image, _ = make_shape_image("triangle", size=48, random_state=0)
    segmenter = make_segmenter(name, **({"markers": 30} if name == "watershed" else {}))
    exp = ImageExplainer(segmentation=segmenter, random_state=0).explain(image, RecordingModel(), num_samples=20)
    segments = exp.payload["segments"]
    assert segments.shape == (48, 48)
    assert sorted(np.unique(segments).tolist()) == list(range(len(exp.feature_names)))
    assert exp.payload["segmentation"].startswith(name)


# ----------------------------------------------------------- image layouts
@pytest.mark.parametrize(
    "image",
    [
        np.arange(6 * 8, dtype=np.uint8).reshape(6, 8),  # grayscale
        np.arange(6 * 8 * 4, dtype=np.uint8).reshape(6, 8, 4) % 251,  # RGBA
        np.linspace(-1, 1, 6 * 8 * 3, dtype=np.float32).reshape(6, 8, 3),  # normalized float RGB
        np.linspace(0, 1, 5 * 7, dtype=np.float64).reshape(5, 7, 1),  # single channel, odd size
    ],
    ids=["gray-uint8", "rgba-uint8", "rgb-float32", "hw1-float64"],
)
def test_model_receives_images_in_their_own_layout(image):
    segments = (np.indices(image.shape[:2]).sum(axis=0) // 3) % 4
    model = RecordingModel()
    before = image.copy()
    ImageExplainer(segmentation=segments, hide_color="mean", random_state=0).explain(image, model, num_samples=30, batch_size=7)
    seen = model.images()
    assert seen.shape == (30, *image.shape) and seen.dtype == image.dtype
    assert model.last_flags.c_contiguous and model.last_flags.aligned
    assert np.array_equal(seen[0], image)  # row 0 is the unperturbed image
    assert np.array_equal(image, before)  # the caller's image is untouched
    assert max(len(b) for b in model.batches) == 7


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.float32, np.float64])
@pytest.mark.parametrize("shape", [(5, 7), (5, 7, 3), (6, 6, 4), (9, 11, 3), (16, 16, 3)])
def test_compositor_matches_a_plain_select_exactly(shape, dtype):
    rng = np.random.default_rng(sum(shape))
    image = (rng.random(shape) * 200).astype(dtype)
    fill = (rng.random(shape) * 200).astype(dtype)
    # Sorted labels make runs, random ones make a segment change at almost every pixel.
    segments = np.sort(rng.integers(0, 6, shape[:2]), axis=None).reshape(shape[:2])
    for labels in (segments, rng.integers(0, 6, shape[:2])):
        labels = np.unique(labels, return_inverse=True)[1].reshape(shape[:2])
        masks = rng.random((11, labels.max() + 1)) < 0.5
        on = masks[:, labels] if image.ndim == 2 else masks[:, labels][..., None]
        assert np.array_equal(SegmentCompositor(image, fill, labels).compose(masks), np.where(on, image, fill))


# ---------------------------------------------------------- hide_color modes
def _hidden_left(image, hide_color):
    """The perturbed image with segment 0 (left half) hidden and segment 1 shown."""
    model = RecordingModel()
    ImageExplainer(mode="regression", segmentation=HALVES, hide_color=hide_color, random_state=0).explain(
        image, lambda b: model(b)[:, 1], num_samples=40
    )
    seen = model.images()
    per_image = tuple(range(1, seen.ndim))
    right_shown = np.all(seen[:, :, 2:] == image[:, 2:], axis=per_image)
    left_changed = np.any(seen[:, :, :2] != image[:, :2], axis=per_image)
    return seen[np.flatnonzero(right_shown & left_changed)[0]]


TINY = np.array([[[10, 20, 30], [12, 22, 33], [100, 0, 0], [200, 0, 0]],
                 [[14, 24, 35], [16, 26, 37], [100, 0, 0], [200, 0, 0]]], dtype=np.uint8)


def test_mean_hide_color_fills_each_segment_with_its_rounded_mean():
    expected = TINY.copy()
    expected[:, :2] = [13, 23, 34]  # means 13, 23, 33.75 -> 34
    assert np.array_equal(_hidden_left(TINY, "mean"), expected)
    assert np.array_equal(_hidden_left(TINY, None), expected)  # lime's None means the same


def test_constant_hide_colors_fill_exactly():
    expected = TINY.copy()
    expected[:, :2] = 0
    assert np.array_equal(_hidden_left(TINY, 0), expected)
    expected[:, :2] = [1, 2, 3]
    assert np.array_equal(_hidden_left(TINY, (1, 2, 3)), expected)


def test_background_hide_color_shows_the_background_pixels():
    background = np.full_like(TINY, 7)
    background[0, 0] = [1, 2, 3]
    expected = TINY.copy()
    expected[:, :2] = background[:, :2]
    assert np.array_equal(_hidden_left(TINY, background), expected)


def test_blur_hide_color_shows_the_blurred_image():
    from skimage.filters import gaussian

    image = np.zeros((2, 4), dtype=np.float64)
    image[0, 0] = 1.0
    blurred = gaussian(image, sigma=4 * BLUR_SIGMA_FRACTION, preserve_range=True)
    expected = image.copy()
    expected[:, :2] = blurred[:, :2]
    assert np.array_equal(_hidden_left(image, "blur"), expected)
    assert 0 < expected[0, 0] < 1  # really blurred, not the original


# --------------------------------------------------- results and their form
def test_explanations_are_reproducible_with_random_state():
    image, _ = make_shape_image("circle", size=32, random_state=0)
    explainer = ImageExplainer(segmentation=make_segmenter("slic", n_segments=30), random_state=3)
    first = explainer.explain(image, RecordingModel(), num_samples=80)
    assert explainer.explain(image, RecordingModel(), num_samples=80) == first
    assert explainer.explain(image, RecordingModel(), num_samples=80, random_state=4) != first
    unseeded = ImageExplainer(segmentation=make_segmenter("slic", n_segments=30))
    assert unseeded.explain(image, RecordingModel(), num_samples=80) == unseeded.explain(image, RecordingModel(), num_samples=80)


def test_json_round_trip_keeps_image_and_segments_compactly():
    image, _ = make_shape_image("square", size=64, random_state=0)
    exp = ImageExplainer(segmentation=make_segmenter("slic", n_segments=40), random_state=0).explain(image, RecordingModel(), num_samples=40)
    text = exp.to_json()
    back = Explanation.from_json(text)
    assert back == exp
    assert np.array_equal(back.payload["segments"], exp.payload["segments"])
    assert np.array_equal(back.payload["image"], image) and back.payload["image"].dtype == np.uint8
    assert back.as_map() == exp.as_map()
    assert len(text) < len(json.dumps(image.tolist()))  # compressed, not nested lists


def test_predicted_class_is_explained_by_default_and_top_labels_picks_several():
    image = np.full((4, 4), 200, dtype=np.uint8)
    segments = np.repeat([[0, 0, 1, 1]], 4, axis=0)

    def three_classes(batch):
        m = batch.mean(axis=(1, 2)) / 255
        return np.stack([0.1 * np.ones_like(m), 0.2 * m, 1 - 0.1 - 0.2 * m], axis=1)

    explainer = ImageExplainer(segmentation=segments, random_state=0)
    assert explainer.explain(image, three_classes, num_samples=20).labels == (2,)
    assert explainer.explain(image, three_classes, num_samples=20, top_labels=2).labels == (2, 1)


def test_default_batches_are_bounded_in_bytes_and_memory_stays_bounded():
    image = np.random.default_rng(0).integers(0, 256, size=(256, 256, 3), dtype=np.uint8)
    segments = (np.arange(256)[:, None] // 32) * 8 + (np.arange(256)[None, :] // 32)
    sizes = []

    def model(batch):
        sizes.append(len(batch))
        return batch[:, :2, :2, 0].mean(axis=(1, 2))

    tracemalloc.start()
    ImageExplainer(mode="regression", segmentation=segments, random_state=0).explain(image, model, num_samples=5000)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert max(sizes) == BATCH_BYTES // image.nbytes and sum(sizes) == 5000
    # All 5000 perturbed images would take 983 MB; only a few batches may exist at once.
    assert peak < 4 * BATCH_BYTES


# ------------------------------------------------------------ array views
def test_image_and_mask_selects_signed_top_segments():
    image = np.zeros((2, 6), dtype=np.uint8)
    image[:, 2:4] = 100
    image[:, 4:] = 50
    segments = np.array([[0, 0, 1, 1, 2, 2]] * 2)
    # Segment 1 raises the output, segment 2 lowers it, segment 0 does nothing.
    exp = ImageExplainer(mode="regression", segmentation=segments, hide_color=0, random_state=0).explain(
        image, lambda b: b[:, :, 2:4].mean(axis=(1, 2)) - b[:, :, 4:].mean(axis=(1, 2)), num_samples=100
    )
    _, positive = image_and_mask(exp, num_features=1)
    assert positive[0].tolist() == [0, 0, 1, 1, 0, 0]
    _, negative = image_and_mask(exp, positive_only=False, negative_only=True, num_features=1)
    assert negative[0].tolist() == [0, 0, 0, 0, 1, 1] or negative[0].tolist() == [0, 0, 0, 0, -1, -1]
    shown, both = image_and_mask(exp, positive_only=False, num_features=2, hide_rest=True)
    assert both[0].tolist() == [0, 0, 1, 1, -1, -1]
    assert shown[0].tolist() == [0, 0, 100, 100, 50, 50]
    _, strong = image_and_mask(exp, positive_only=False, num_features=2, min_weight=70)
    assert strong[0].tolist() == [0, 0, 1, 1, 0, 0]  # |weight| about 100 and 50


# ----------------------------------------------------------------- errors
def _explain(image=None, predict=None, **kwargs):
    image = np.zeros((2, 4, 3), dtype=np.uint8) if image is None else image
    predict = predict or (lambda b: np.tile([0.3, 0.7], (len(b), 1)))
    return ImageExplainer(random_state=0).explain(image, predict, num_samples=10, **{"segmentation": HALVES, **kwargs})


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"segmentation": np.zeros((2, 4), int)}, "single segment"),
        ({"segmentation": lambda img: np.zeros((4, 2), int)}, r"shape \(4, 2\) for an image of height x width \(2, 4\)"),
        ({"segmentation": "kmeans"}, "unknown segmentation 'kmeans'"),
        ({"image": np.full((2, 4, 3), np.nan)}, "NaN or infinite"),
        ({"image": np.zeros((3, 2, 4, 3))}, "not a batch"),
        ({"predict": lambda b: np.zeros(len(b))}, r"predict_fn returned shape \(10,\).*predict_proba"),
        ({"hide_color": (1, 2)}, "one per channel"),
        ({"hide_color": 300}, "outside the range of the image dtype uint8"),
        ({"hide_color": "gray"}, "unknown hide_color 'gray'"),
        ({"hide_color": np.zeros((3, 3))}, "background has shape"),
    ],
)
def test_errors_say_what_was_wrong(kwargs, message):
    with pytest.raises(ValueError, match=message):
        _explain(**kwargs)


def test_positive_and_negative_only_together_is_an_error():
    with pytest.raises(ValueError, match="cannot both be True"):
        image_and_mask(_explain(), positive_only=True, negative_only=True)


# ---------------------------------------------------------------- renderers
def test_panel_and_html_show_every_label_without_javascript():
    from lime_kit.plot.image import plot_panel, plot_top_segments

    image, _ = make_shape_image("circle", size=32, random_state=0)
    exp = ImageExplainer(segmentation=make_segmenter("slic", n_segments=20), random_state=0).explain(
        image, RecordingModel(), num_samples=40, top_labels=2
    )
    assert len(plot_panel(exp).axes) == 2 * 3 + 2  # two rows of three images, one colour bar per row
    dimmed = plot_top_segments(exp, positive_only=False, dim=0.0).axes[0].images[0].get_array()
    shown = np.isin(exp.payload["segments"], [k for k, _ in top_segments(exp, positive_only=False)])
    assert np.all(np.asarray(dimmed)[~shown] == 0) and np.any(np.asarray(dimmed)[shown] > 0)
    html = exp._repr_html_()
    assert html.count("data:image/png;base64,") == 1 and "<script" not in html
    assert "Why 0" in html and "Why 1" in html


def test_demo_writes_panel_png_and_html(tmp_path):
    from lime_kit.demos import run_demo

    paths = run_demo("image", tmp_path)
    assert sorted(p.suffix for p in paths) == [".html", ".json", ".png"]
    assert paths[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "data:image/png;base64," in next(p for p in paths if p.suffix == ".html").read_text()
