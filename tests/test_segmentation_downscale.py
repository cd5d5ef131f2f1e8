"""Large images are segmented on a downscaled copy; the label map comes back at full size, clean."""

import numpy as np
import pytest

from lime_kit import ImageExplainer
from lime_kit.compat.lime_image import LimeImageExplainer
from lime_kit.datasets import make_shape_image
from lime_kit.image.segmentation import (
    DEFAULT_SEGMENTATION,
    DEFAULT_SEGMENTATION_MAX_SIDE,
    make_segmenter,
    relabel_segments,
    segment_image,
    upscale_labels,
)

pytestmark = pytest.mark.filterwarnings("ignore:lime_kit. this explanation may be unreliable")

SLIC = make_segmenter("slic")


@pytest.fixture(scope="module")
def large_image():
    image, _ = make_shape_image("triangle", size=300, random_state=3)
    return image[:, :240]  # not square: both sides must scale by one factor


def brightness_of_top_left(batch):
    return batch[:, :50, :50].mean(axis=(1, 2, 3))


def test_downscaled_map_has_full_shape_and_every_label_0_to_k_minus_1(large_image):
    segments, description = segment_image(large_image, SLIC, max_side=100)
    assert segments.shape == large_image.shape[:2]
    k = int(segments.max()) + 1
    assert k >= 10
    assert np.array_equal(np.unique(segments), np.arange(k))
    assert description == f"{SLIC!r} on a 100x80 copy, labels upscaled (nearest)"


def test_downscaled_map_is_coarser_than_the_full_resolution_map_but_not_empty(large_image):
    full, _ = segment_image(large_image, SLIC, max_side=None)
    small, _ = segment_image(large_image, SLIC, max_side=100)
    # Nearest upscaling by 3 makes every segment border fall on the copy's pixel grid.
    rows_changing = np.flatnonzero(np.any(np.diff(small, axis=0) != 0, axis=1)) + 1
    assert set(rows_changing % 3) == {0}
    assert not np.array_equal(full, small)


def test_upscaling_keeps_every_label_at_any_factor():
    labels = np.arange(12).reshape(3, 4)
    for shape in [(3, 4), (7, 10), (8, 13), (31, 5)]:
        upscaled = upscale_labels(labels, shape)
        assert upscaled.shape == shape
        assert set(np.unique(upscaled)) == set(range(12))


def test_none_gives_the_full_resolution_segmentation(large_image):
    segments, description = segment_image(large_image, SLIC, max_side=None)
    assert np.array_equal(segments, relabel_segments(SLIC(large_image), large_image.shape[:2]))
    assert description == repr(SLIC)


def test_an_image_within_the_max_side_is_not_resized():
    image, _ = make_shape_image("circle", size=96, random_state=0)
    at_max, description = segment_image(image, SLIC, max_side=96)
    assert np.array_equal(at_max, segment_image(image, SLIC, max_side=None)[0])
    assert "copy" not in description


def test_a_precomputed_map_is_never_resampled(large_image):
    rng = np.random.default_rng(0)
    labels = rng.integers(5, 9, size=large_image.shape[:2])  # pixel-level detail a resampling would lose
    segments, description = segment_image(large_image, labels, max_side=16)
    assert np.array_equal(segments, labels - 5)
    assert description == "precomputed"


def test_user_callables_get_the_full_image(large_image):
    seen = []

    def halves(image):
        seen.append(image.shape)
        return np.arange(image.shape[1])[None, :].repeat(image.shape[0], axis=0) >= image.shape[1] // 2

    segments, _ = segment_image(large_image, halves, max_side=64)
    assert seen == [large_image.shape]
    assert segments.shape == large_image.shape[:2]


def test_downscaled_segmentation_is_deterministic(large_image):
    first, _ = segment_image(large_image, "slic", max_side=100)
    second, _ = segment_image(large_image.copy(), "slic", max_side=100)
    assert np.array_equal(first, second)


def test_explainer_downscales_by_default_and_records_it(large_image):
    explainer = ImageExplainer(mode="regression", hide_color=0, random_state=0)
    exp = explainer.explain(large_image, brightness_of_top_left, num_samples=50)
    assert explainer.segmentation_max_side == DEFAULT_SEGMENTATION_MAX_SIDE == 256
    assert exp.payload["segmentation"].endswith("on a 256x205 copy, labels upscaled (nearest)")
    assert exp.payload["segments"].shape == large_image.shape[:2]


def test_explain_override_none_segments_at_full_resolution(large_image):
    explainer = ImageExplainer(mode="regression", segmentation=SLIC, segmentation_max_side=100, random_state=0)
    downscaled = explainer.explain(large_image, brightness_of_top_left, num_samples=50)
    full = explainer.explain(large_image, brightness_of_top_left, num_samples=50, segmentation_max_side=None)
    assert "100x80 copy" in downscaled.payload["segmentation"]
    assert full.payload["segmentation"] == repr(SLIC)
    assert np.array_equal(full.payload["segments"], segment_image(large_image, SLIC)[0])


@pytest.mark.parametrize("bad", [0, 7, 3.5, "256", True])
def test_a_bad_max_side_says_what_to_pass(bad):
    with pytest.raises(ValueError, match="segmentation_max_side must be None .* or an integer of at least 8"):
        ImageExplainer(segmentation_max_side=bad)


def test_default_segmenter_is_smoothed_slic_as_documented():
    explainer = ImageExplainer()
    assert explainer.segmentation is DEFAULT_SEGMENTATION
    assert (DEFAULT_SEGMENTATION.name, DEFAULT_SEGMENTATION.kwargs["sigma"]) == ("slic", 1.0)
    assert 'segmentation : str, callable or ndarray, default=make_segmenter("slic", sigma=1.0)' in ImageExplainer.__doc__


def test_lime_api_keeps_quickshift_at_full_resolution():
    image, _ = make_shape_image("square", size=264, random_state=1)
    image = image[100:160]  # a strip: longer side 264, above the default 256, yet quick to segment
    explanation = LimeImageExplainer(random_state=0).explain_instance(
        image, lambda batch: np.stack([batch.mean(axis=(1, 2, 3)), 255 - batch.mean(axis=(1, 2, 3))], axis=1),
        top_labels=1, num_samples=20,
    )
    assert explanation.segments.shape == (60, 264)
    assert explanation.explanation.payload["segmentation"].startswith("quickshift(")
    assert "copy" not in explanation.explanation.payload["segmentation"]
