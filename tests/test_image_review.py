"""Issue 8, images: how pixel scale reaches the segmenters, and the example model the docs train."""

import numpy as np
import pytest

from lime_kit import ImageExplainer
from lime_kit.datasets import SHAPE_NAMES, make_shapes
from lime_kit.image import localization_score, make_segmenter, top_segments
from lime_kit.image.segmentation import as_float_rgb

skimage = pytest.importorskip("skimage")

LIME_QUICKSHIFT = {"kernel_size": 4, "max_dist": 200, "ratio": 0.2}


def small_astronaut(size=128):
    from skimage import data, transform

    resized = transform.resize(data.astronaut(), (size, size), anti_aliasing=True, preserve_range=True)
    return np.round(resized).astype(np.uint8)


@pytest.fixture(scope="module")
def astronaut():
    return small_astronaut()


@pytest.mark.parametrize("contrast", ["full", "dim"])
def test_float_0_255_image_segments_exactly_like_uint8(astronaut, contrast):
    # lime's tutorials pass `image.astype('double')`; a dim photo does not span 0..255, so reading its
    # scale from its own range would stretch the contrast and change the segments.
    image = astronaut if contrast == "full" else (astronaut * 0.6 + 40).astype(np.uint8)
    segmenter = make_segmenter("quickshift")
    expected = segmenter(image)
    for variant in (image.astype("double"), image.astype(np.float32), image.astype(np.int64)):
        assert np.array_equal(segmenter(variant), expected), variant.dtype


def test_quickshift_matches_scikit_image_with_lime_settings_on_uint8(astronaut):
    from skimage.segmentation import quickshift

    reference = quickshift(astronaut, **LIME_QUICKSHIFT)
    ours = make_segmenter("quickshift")(astronaut.astype("double"))
    assert len(np.unique(ours)) == len(np.unique(reference))
    assert np.array_equal(ours, reference)
    # scikit-image itself reads the float 0..255 copy as unit scale and over-segments it.
    assert len(np.unique(quickshift(astronaut.astype("double"), **LIME_QUICKSHIFT))) > 3 * len(np.unique(reference))


def test_explainer_segments_do_not_depend_on_the_pixel_type(astronaut):
    def brightness(batch):
        score = batch.reshape(len(batch), -1).astype(np.float64).mean(axis=1) / 255.0
        return np.stack([1 - score, score], axis=1)

    dim = (astronaut * 0.6 + 40).astype(np.uint8)
    explainer = ImageExplainer(random_state=0)
    as_uint8, as_double = (
        explainer.explain(image, brightness, num_samples=20) for image in (dim, dim.astype("double"))
    )
    assert as_double.payload["segmentation"] == as_uint8.payload["segmentation"]
    assert np.array_equal(as_double.payload["segments"], as_uint8.payload["segments"])
    assert len(as_double.feature_names) == len(as_uint8.feature_names)


def test_unit_scale_and_normalized_floats_keep_their_meaning():
    rng = np.random.default_rng(0)
    unit = rng.uniform(0.1, 0.9, size=(8, 8, 3))
    assert np.array_equal(as_float_rgb(unit), unit)
    # Resampling overshoot just above 1 is still unit scale, not a near-black 0..255 image.
    overshoot = unit * 1.2  # up to 1.08
    assert as_float_rgb(overshoot).max() == pytest.approx(1.0)
    # Normalized network inputs (negative values) are mapped back by their range.
    normalized = 2 * unit - 1
    assert np.allclose(as_float_rgb(normalized), (normalized - normalized.min()) / np.ptp(normalized))
    assert np.allclose(as_float_rgb(unit * 255.0), unit)


def test_example_shape_model_is_accurate_and_its_explanation_points_at_the_shape():
    from lime_kit.demos.image import explain_shape, train_shape_classifier

    model = train_shape_classifier()
    images, labels, _ = make_shapes(150, size=96, random_state=1)
    assert (model.predict(images) == labels).mean() >= 0.95
    explanation, object_mask = explain_shape(model)
    assert explanation.labels[0] == SHAPE_NAMES.index("triangle")
    chosen = [segment for segment, _ in top_segments(explanation, num_features=5)]
    # The triangle covers under 5 % of the image, so a random choice scores about 0.05.
    assert localization_score(explanation.payload["segments"], chosen, object_mask) >= 0.8
