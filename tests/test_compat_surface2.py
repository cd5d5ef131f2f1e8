"""lime_kit.compat, second part: data_labels, lime's training_data_stats, entropy bins, and a surface check.

The main assertions run without lime; the last tests compare with lime 0.2.0.1 itself where it is
installed, so that a public name or argument lime has and compat lacks is caught.
"""

from __future__ import annotations

import importlib
import inspect
import json
import pkgutil
import warnings

import numpy as np
import pytest

from lime_kit.compat import lime_image, lime_tabular
from lime_kit.compat.discretize import EntropyDiscretizer, StatsDiscretizer


def _lime_reference_image(image, fudged, segments, row):
    """lime's own rule for one sample: hide the pixels of every segment z whose entry is 0."""
    out = image.copy()
    for z in np.flatnonzero(row == 0):
        out[segments == z] = fudged[segments == z]
    return out


# --------------------------------------------------------------------------- data_labels
def _recording_classifier(batches):
    def classifier_fn(batch):
        batches.append(np.array(batch))
        return np.column_stack(
            [batch.mean(axis=tuple(range(1, batch.ndim))), batch.max(axis=tuple(range(1, batch.ndim)))]
        )

    return classifier_fn


def test_data_labels_builds_lime_images_in_batches():
    rng = np.random.default_rng(1)
    image = rng.integers(0, 256, size=(9, 7, 3), dtype=np.uint8)
    fudged = np.full_like(image, 17)
    segments = np.arange(63).reshape(9, 7) // 10  # 7 segments, labels 0..6
    batches = []
    explainer = lime_image.LimeImageExplainer(random_state=3)
    data, labels = explainer.data_labels(
        image, fudged, segments, _recording_classifier(batches), num_samples=23, batch_size=5
    )
    assert data.shape == (23, 7) and data.dtype.kind == "i"
    assert set(np.unique(data)) <= {0, 1} and np.all(data[0] == 1)
    assert [len(b) for b in batches] == [5, 5, 5, 5, 3]  # batch_size images per call
    images = np.concatenate(batches)
    for row, shown in zip(data, images):
        np.testing.assert_array_equal(shown, _lime_reference_image(image, fudged, segments, row))
    assert labels.shape == (23, 2)
    np.testing.assert_allclose(labels[:, 0], images.mean(axis=(1, 2, 3)))
    # Both halves of the segments are hidden in some rows: the draws are not all ones.
    assert 0.3 < data[1:].mean() < 0.7


def test_data_labels_is_deterministic_for_the_explainer_seed():
    image = np.random.default_rng(0).random((6, 6, 3))
    segments = np.repeat(np.arange(6)[None, :], 6, axis=0)
    run = lambda seed: lime_image.LimeImageExplainer(random_state=seed).data_labels(  # noqa: E731
        image, np.zeros_like(image), segments, lambda b: b.sum(axis=(1, 2, 3))[:, None], num_samples=40
    )
    first, again, other = run(5), run(5), run(6)
    np.testing.assert_array_equal(first[0], again[0])
    np.testing.assert_array_equal(first[1], again[1])
    assert not np.array_equal(first[0], other[0])
    state = np.random.RandomState(9)
    before = state.get_state()[1].copy()
    a = lime_image.LimeImageExplainer(random_state=state).data_labels(
        image, image * 0, segments, lambda b: b[:, :1, 0, 0], 30
    )
    b = lime_image.LimeImageExplainer(random_state=np.random.RandomState(9)).data_labels(
        image, image * 0, segments, lambda b: b[:, :1, 0, 0], 30
    )
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(state.get_state()[1], before)  # read, not advanced


def test_data_labels_follows_lime_for_labels_outside_0_to_k():
    # skimage's slic numbers segments from 1: lime then never hides the last label and column 0 hides nothing.
    image = np.arange(2 * 4 * 3, dtype=np.float64).reshape(2, 4, 3)
    segments = np.array([[1, 1, 2, 2], [3, 3, 3, 3]])
    batches = []
    data, _ = lime_image.LimeImageExplainer(random_state=0).data_labels(
        image, -np.ones_like(image), segments, _recording_classifier(batches), num_samples=16
    )
    for row, shown in zip(data, np.concatenate(batches)):
        np.testing.assert_array_equal(shown, _lime_reference_image(image, -np.ones_like(image), segments, row))
    assert np.all(np.concatenate(batches)[:, 1] >= 0)  # label 3 (= K) always shows the image


def test_data_labels_casts_the_fudged_image_like_lime_and_checks_shapes():
    image = np.full((4, 4), 200, dtype=np.uint8)
    segments = np.repeat([[0, 0, 1, 1]], 4, axis=0)
    batches = []
    explainer = lime_image.LimeImageExplainer(random_state=0)
    explainer.data_labels(image, np.full((4, 4), 10.7), segments, _recording_classifier(batches), num_samples=8)
    shown = np.concatenate(batches)
    assert shown.dtype == np.uint8 and set(np.unique(shown)) <= {10, 200}
    with pytest.raises(ValueError, match="fudged_image has shape"):
        explainer.data_labels(image, np.zeros((4, 5)), segments, lambda b: b, 4)
    with pytest.raises(ValueError, match="one label per pixel"):
        explainer.data_labels(image, image, segments[:3], lambda b: b, 4)


# --------------------------------------------------------------------------- lime's training_data_stats
def _lime_style_stats(X, categorical):
    """lime's training_data_stats for X, built the way lime documents them (quartile bins)."""
    stats = {key: {} for key in ("means", "stds", "mins", "maxs", "bins", "feature_values", "feature_frequencies")}
    for j in range(X.shape[1]):
        column = X[:, j]
        if j in categorical:
            values, counts = np.unique(column, return_counts=True)
        else:
            cuts = np.unique(np.percentile(column, [25, 50, 75]))
            bins = np.searchsorted(cuts, column)
            stats["bins"][j] = cuts.tolist()
            stats["means"][j] = [column[bins == b].mean() for b in range(len(cuts) + 1)]
            stats["stds"][j] = [column[bins == b].std() + 1e-11 for b in range(len(cuts) + 1)]
            stats["mins"][j] = [column.min(), *cuts]
            stats["maxs"][j] = [*cuts, column.max()]
            values, counts = np.unique(bins, return_counts=True)
        stats["feature_values"][j] = values.tolist()
        stats["feature_frequencies"][j] = counts.tolist()
    return stats


@pytest.fixture(scope="module")
def planted():
    rng = np.random.default_rng(0)
    X = np.column_stack([rng.normal(size=3000), rng.integers(0, 3, 3000).astype(float), rng.normal(5, 3, 3000)])

    def predict_fn(rows):  # column 0 and category 2 push class 1; column 2 does nothing
        z = 2 * rows[:, 0] + 1.5 * (rows[:, 1] == 2)
        p = 1 / (1 + np.exp(-z))
        return np.column_stack([1 - p, p])

    return X, predict_fn


def test_lime_stats_explain_like_the_training_data(planted):
    X, predict_fn = planted
    stats = _lime_style_stats(X, [1])
    from_stats = lime_tabular.LimeTabularExplainer(
        None, categorical_features=[1], training_data_stats=stats, random_state=0
    )
    from_data = lime_tabular.LimeTabularExplainer(X, categorical_features=[1], random_state=0)
    row = np.array([0.8, 2.0, 4.0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = dict(from_stats.explain_instance(row, predict_fn, num_samples=4000).as_list())
        b = dict(from_data.explain_instance(row, predict_fn, num_samples=4000).as_list())
    assert list(a) == list(b)  # the same bins, named alike
    assert list(a)[0].startswith("0 > ") and list(a)[1] == "1=2"  # the planted effects lead
    for name in a:
        assert abs(a[name] - b[name]) < 0.01
    assert abs(a[list(a)[2]]) < 0.02  # column 2 does nothing
    assert from_stats.discretizer.names[0] == from_data.discretizer.names[0]
    assert isinstance(from_stats.discretizer, StatsDiscretizer)


def test_lime_stats_read_back_from_json_work(planted):
    X, predict_fn = planted
    stats = json.loads(json.dumps(_lime_style_stats(X, [1])))  # keys become strings
    explainer = lime_tabular.LimeTabularExplainer(
        X[:5], categorical_features=[1], training_data_stats=stats, random_state=0
    )
    features = explainer.explainer.training_data_stats["features"]
    assert features[0]["cuts"] == pytest.approx(np.percentile(X[:, 0], [25, 50, 75]))
    # The column's mean and spread are recovered from the bins (total variance).
    assert features[2]["mean"] == pytest.approx(X[:, 2].mean(), rel=1e-9)
    assert features[2]["std"] == pytest.approx(X[:, 2].std(), rel=1e-6)
    assert features[1]["values"] == [0.0, 1.0, 2.0]
    assert explainer.feature_values[1] == [0.0, 1.0, 2.0]
    np.testing.assert_allclose(explainer.feature_frequencies[0], [0.25, 0.25, 0.25, 0.25])


def test_lime_stats_without_binning_take_continuous_columns_from_training_data(planted):
    X, _ = planted
    stats = _lime_style_stats(X, [1])
    stats["feature_values"][1], stats["feature_frequencies"][1] = [0.0, 1.0, 2.0], [1, 1, 8]
    explainer = lime_tabular.LimeTabularExplainer(
        X, categorical_features=[1], discretize_continuous=False, training_data_stats=stats, random_state=0
    )
    features = explainer.explainer.training_data_stats["features"]
    assert features[1]["frequencies"] == pytest.approx([0.1, 0.1, 0.8])  # lime's counts, not the data's
    assert features[0]["mean"] == pytest.approx(X[:, 0].mean())
    with pytest.raises(ValueError, match="reads the mean and standard deviation of the continuous columns"):
        lime_tabular.LimeTabularExplainer(
            None, categorical_features=[1], discretize_continuous=False, training_data_stats=stats
        )


def test_lime_stats_errors_say_what_is_missing(planted):
    X, _ = planted
    stats = _lime_style_stats(X, [1])
    incomplete = {k: v for k, v in stats.items() if k not in ("stds", "feature_frequencies")}
    with pytest.raises(ValueError, match=r"missing \['stds', 'feature_frequencies'\]"):
        lime_tabular.LimeTabularExplainer(X, categorical_features=[1], training_data_stats=incomplete)
    with pytest.raises(ValueError, match="has no 'bins'"):
        lime_tabular.LimeTabularExplainer(
            X, categorical_features=[1], training_data_stats={k: v for k, v in stats.items() if k != "bins"}
        )
    short = json.loads(json.dumps(stats))
    short["means"]["0"] = short["means"]["0"][:2]
    with pytest.raises(ValueError, match=r"\['means'\] for column 0 \('0'\) has 2 values but .* make 4 bins"):
        lime_tabular.LimeTabularExplainer(X, categorical_features=[1], training_data_stats=short)
    no_column = json.loads(json.dumps(stats))
    del no_column["bins"]["2"]
    with pytest.raises(ValueError, match=r"\['bins'\] has no entry for column 2"):
        lime_tabular.LimeTabularExplainer(X, categorical_features=[1], training_data_stats=no_column)
    with pytest.raises(ValueError, match="missing"):
        lime_tabular.LimeTabularExplainer.validate_training_data_stats({"means": {}})


# --------------------------------------------------------------------------- entropy like lime
def test_entropy_string_cuts_unsplit_columns_at_the_median_like_the_object():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(400, 2))
    one_class = np.zeros(400, dtype=int)  # nothing to split: lime cuts every column at its median
    explainer = lime_tabular.LimeTabularExplainer(X, training_labels=one_class, discretizer="entropy", random_state=0)
    cuts = [f["cuts"] for f in explainer.explainer.training_data_stats["features"]]
    assert cuts == [[pytest.approx(np.median(X[:, 0]))], [pytest.approx(np.median(X[:, 1]))]]
    labels = (X[:, 0] > 0.4).astype(int)
    by_string = lime_tabular.LimeTabularExplainer(X, training_labels=labels, discretizer="entropy", random_state=0)
    by_object = EntropyDiscretizer(X, [], ["0", "1"], labels=labels)
    string_cuts = [f["cuts"] for f in by_string.explainer.training_data_stats["features"]]
    assert string_cuts[0] == pytest.approx([0.4], abs=0.05)
    for j in range(2):
        assert string_cuts[j] == pytest.approx(np.asarray(by_object.maxs[j][:-1]))
    with pytest.raises(ValueError, match="needs the training labels"):
        lime_tabular.LimeTabularExplainer(X, discretizer="entropy")


# --------------------------------------------------------------------------- other attributes
def test_tabular_attributes_read_as_lime_sets_them(planted):
    X, _ = planted
    explainer = lime_tabular.LimeTabularExplainer(X, categorical_features=[1], sample_around_instance=True)
    assert explainer.categorical_features == [0, 1, 2]  # every column, once binned
    assert explainer.sample_around_instance is True and explainer.training_data_stats is None
    assert explainer.feature_values[0] == [0, 1, 2, 3]
    np.testing.assert_array_equal(explainer.scaler.mean_, 0.0)  # all categorical: identity
    plain = lime_tabular.LimeTabularExplainer(X, categorical_features=[1], discretize_continuous=False)
    assert plain.categorical_features == [1] and list(plain.feature_values) == [1]
    np.testing.assert_allclose(plain.scaler.scale_, [X[:, 0].std(), 1.0, X[:, 2].std()])
    assert lime_tabular.LimeTabularExplainer.convert_and_round([0.125, 3]) == ["0.12", "3.00"]


def test_text_and_image_explainers_have_lime_attributes():
    from lime_kit.compat import lime_text

    text = lime_text.LimeTextExplainer(bow=False, char_level=True)
    assert (text.bow, text.char_level, text.mask_string, text.vocabulary) == (False, True, None, None)
    assert text.base.kernel_fn(np.array([0.0]))[0] == 1.0
    image = lime_image.LimeImageExplainer(kernel_width=0.5)
    assert image.base.kernel_fn(np.array([0.5]))[0] == pytest.approx(np.sqrt(np.exp(-1.0)))


# --------------------------------------------------------------------------- surface against lime itself
def _public_surface(package, prefix):
    """{module: {name: object}} of the names a package defines itself (not what it imports from elsewhere)."""
    modules = {}
    for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        if ".tests" in info.name:
            continue
        module = importlib.import_module(info.name)
        modules[info.name[len(package.__name__) :]] = {
            name: obj
            for name, obj in vars(module).items()
            if not name.startswith("_")
            and not inspect.ismodule(obj)
            and (getattr(obj, "__module__", "") or "").startswith(prefix)
        }
    return modules


def _parameter_gaps(lime_fn, ours_fn) -> list[str]:
    """What lime's signature has that ours lacks: a parameter, its position or its default."""
    theirs = list(inspect.signature(lime_fn).parameters.values())
    mine = inspect.signature(ours_fn).parameters
    mine_list = list(mine.values())
    gaps = []
    for position, p in enumerate(theirs):
        q = mine.get(p.name)
        if q is None:
            if not any(m.kind is inspect.Parameter.VAR_KEYWORD for m in mine_list) or p.kind is not p.KEYWORD_ONLY:
                gaps.append(f"no parameter {p.name}")
            continue
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and mine_list.index(q) != position:
            gaps.append(f"{p.name} at position {mine_list.index(q)}, lime {position}")
        if p.default is not p.empty and q.default != p.default:
            gaps.append(f"{p.name} default {q.default!r}, lime {p.default!r}")
        if p.kind != q.kind and not (p.kind is p.POSITIONAL_OR_KEYWORD and q.kind is q.POSITIONAL_OR_KEYWORD):
            gaps.append(f"{p.name} is {q.kind.description}, lime {p.kind.description}")
    return gaps


def test_compat_has_every_public_name_method_and_argument_of_lime():
    lime = pytest.importorskip("lime")
    import lime_kit.compat as compat

    ours = _public_surface(compat, "lime_kit")
    gaps = []
    for module, names in _public_surface(lime, "lime").items():
        if module not in ours:
            gaps.append(f"module lime{module}")
            continue
        mirror = importlib.import_module("lime_kit.compat" + module)
        for name, obj in names.items():
            if not hasattr(mirror, name):
                gaps.append(f"lime{module}.{name}")
                continue
            counterpart = getattr(mirror, name)
            if not inspect.isclass(obj):
                if callable(obj):
                    gaps += [f"lime{module}.{name}: {g}" for g in _parameter_gaps(obj, counterpart)]
                continue
            for member in dir(obj):
                if member.startswith("_") and member != "__init__":
                    continue
                owner = next(k for k in obj.__mro__ if member in vars(k))
                if not owner.__module__.startswith("lime"):
                    continue  # inherited from object or Exception
                if not hasattr(counterpart, member):
                    gaps.append(f"lime{module}.{name}.{member}")
                    continue
                theirs, mine = inspect.getattr_static(obj, member), inspect.getattr_static(counterpart, member)
                if callable(getattr(obj, member)) and not (
                    member == "__init__" and getattr(obj, member) is object.__init__
                ):
                    if isinstance(theirs, staticmethod) != isinstance(mine, staticmethod):
                        gaps.append(f"lime{module}.{name}.{member}: staticmethod in one only")
                    gaps += [
                        f"lime{module}.{name}.{member}: {g}"
                        for g in _parameter_gaps(getattr(obj, member), getattr(counterpart, member))
                    ]
    assert gaps == []


def test_compat_explainers_have_every_attribute_lime_sets():
    pytest.importorskip("lime")
    from lime import lime_image as lime_lime_image
    from lime import lime_tabular as lime_lime_tabular
    from lime import lime_text as lime_lime_text

    from lime_kit.compat import lime_text

    X = np.random.default_rng(0).normal(size=(60, 3))
    sequences = np.random.default_rng(1).normal(size=(30, 2, 3))
    pairs = [
        (
            lime_lime_tabular.LimeTabularExplainer(X, categorical_features=[2]),
            lime_tabular.LimeTabularExplainer(X, categorical_features=[2]),
        ),
        (
            lime_lime_tabular.LimeTabularExplainer(X, discretize_continuous=False),
            lime_tabular.LimeTabularExplainer(X, discretize_continuous=False),
        ),
        (
            lime_lime_tabular.RecurrentTabularExplainer(sequences, feature_names=list("abc")),
            lime_tabular.RecurrentTabularExplainer(sequences, feature_names=list("abc")),
        ),
        (lime_lime_text.LimeTextExplainer(), lime_text.LimeTextExplainer()),
        (lime_lime_image.LimeImageExplainer(), lime_image.LimeImageExplainer()),
    ]
    missing = [
        f"{type(theirs).__name__}.{name}"
        for theirs, mine in pairs
        for name in vars(theirs)
        if not name.startswith("_") and not hasattr(mine, name)
    ]
    assert missing == []
