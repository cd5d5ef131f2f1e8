"""lime's public modules beyond the three explainers, under `lime_kit.compat` with lime's paths.

Each test states lime's documented behaviour and checks it against a known
truth (planted features, exact round trips). lime itself is only imported
for the optional side-by-side checks, which skip when it is not installed.
"""

import importlib
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_iris

from lime_kit.compat import discretize, lime_base, lime_tabular, lime_text
from lime_kit.compat.exceptions import LimeError
from lime_kit.compat.explanation import DomainMapper, Explanation, ImageExplanation, id_generator
from lime_kit.compat.submodular_pick import SubmodularPick
from lime_kit.compat.utils.generic_utils import has_arg
from lime_kit.compat.wrappers.scikit_image import BaseWrapper, SegmentationAlgorithm

LIME_SURFACE = {
    "discretize": ["BaseDiscretizer", "StatsDiscretizer", "QuartileDiscretizer", "DecileDiscretizer", "EntropyDiscretizer"],
    "lime_base": ["LimeBase"],
    "submodular_pick": ["SubmodularPick"],
    "utils.generic_utils": ["has_arg"],
    "wrappers.scikit_image": ["BaseWrapper", "SegmentationAlgorithm"],
    "explanation": ["DomainMapper", "Explanation", "id_generator"],
    "exceptions": ["LimeError"],
    "lime_tabular": ["LimeTabularExplainer", "RecurrentTabularExplainer", "TableDomainMapper"],
    "lime_text": ["LimeTextExplainer", "IndexedString", "IndexedCharacters", "TextDomainMapper"],
    "lime_image": ["LimeImageExplainer", "ImageExplanation"],
}


@pytest.mark.parametrize("module", sorted(LIME_SURFACE))
def test_every_lime_public_name_imports_from_compat_under_lime_path(module):
    compat = importlib.import_module(f"lime_kit.compat.{module}")
    missing = [name for name in LIME_SURFACE[module] if not hasattr(compat, name)]
    assert not missing


# ----------------------------------------------------------------- discretize


@pytest.fixture(scope="module")
def iris():
    data = load_iris()
    return data.data, data.target, list(data.feature_names)


@pytest.mark.parametrize("kind", ["QuartileDiscretizer", "DecileDiscretizer", "EntropyDiscretizer"])
def test_undiscretize_draws_values_inside_their_bins(iris, kind):
    X, y, names = iris
    d = getattr(discretize, kind)(X, [], names, labels=y, random_state=0)
    bins = d.discretize(X)
    drawn = d.undiscretize(bins)
    assert np.array_equal(d.discretize(drawn), bins)  # every drawn value lies in the bin it came from
    for j in d.to_discretize:
        low = np.asarray(d.mins[j])[bins[:, j].astype(int)]
        high = np.asarray(d.maxs[j])[bins[:, j].astype(int)]
        assert np.all((drawn[:, j] >= low) & (drawn[:, j] <= high))
    assert not np.array_equal(drawn, X)  # values are drawn, not the training rows given back


def test_quartile_bins_cut_at_percentiles_and_name_like_lime(iris):
    X, _, names = iris
    d = discretize.QuartileDiscretizer(X, [3], names)
    cuts = np.percentile(X[:, 0], [25, 50, 75])
    assert d.to_discretize == [0, 1, 2]
    assert d.names[0][0] == f"{names[0]} <= {cuts[0]:.2f}"
    assert d.names[0][1] == f"{cuts[0]:.2f} < {names[0]} <= {cuts[1]:.2f}"
    assert d.names[0][-1] == f"{names[0]} > {cuts[2]:.2f}"
    assert np.array_equal(d.discretize(X)[:, 0], np.searchsorted(cuts, X[:, 0]))
    assert np.array_equal(d.discretize(X)[:, 3], X[:, 3])  # categorical column untouched
    row = d.discretize(X[0])
    assert row.shape == (4,) and row[0] == np.searchsorted(cuts, X[0, 0])
    bin_rows = d.discretize(X)[:, 0] == 2
    assert d.means[0][2] == pytest.approx(X[bin_rows, 0].mean())
    assert d.mins[0] == [X[:, 0].min(), *cuts] and d.maxs[0] == [*cuts, X[:, 0].max()]


def test_decile_and_entropy_bins(iris):
    X, y, names = iris
    assert len(discretize.DecileDiscretizer(X, [], names).names[2]) == 10
    entropy = discretize.EntropyDiscretizer(X, [], names, labels=y)
    # petal length separates setosa at 2.45 exactly (the midpoint of the gap 1.9 .. 3.0)
    assert any("2.45" in name for name in entropy.names[2])
    with pytest.raises(ValueError, match="labels"):
        discretize.EntropyDiscretizer(X, [], names)


def test_undiscretize_is_reproducible_with_a_seed(iris):
    X, _, names = iris
    bins = discretize.QuartileDiscretizer(X, [], names).discretize(X)
    first = discretize.QuartileDiscretizer(X, [], names, random_state=3).undiscretize(bins)
    again = discretize.QuartileDiscretizer(X, [], names, random_state=3).undiscretize(bins)
    other = discretize.QuartileDiscretizer(X, [], names, random_state=4).undiscretize(bins)
    assert np.array_equal(first, again) and not np.array_equal(first, other)


def test_stats_discretizer_reads_bins_and_stats():
    data = np.array([[0.0, 5.0], [1.0, 6.0], [2.0, 7.0], [3.0, 8.0]])
    stats = {"bins": {0: [1.5]}, "means": {0: [0.5, 2.5]}, "stds": {0: [0.5, 0.5]}, "mins": {0: [0.0, 1.5]}, "maxs": {0: [1.5, 3.0]}}
    d = discretize.StatsDiscretizer(data, [], ["a", "b"], data_stats=stats)
    assert d.to_discretize == [0] and d.names[0] == ["a <= 1.50", "a > 1.50"]
    assert np.array_equal(d.discretize(data)[:, 1], data[:, 1])


def test_custom_discretizer_must_return_one_array_per_column(iris):
    X, _, names = iris

    class TooFew(discretize.BaseDiscretizer):
        def bins(self, data, labels):
            return [np.array([1.0])]

    with pytest.raises(ValueError, match="one array per column"):
        TooFew(X, [], names)
    with pytest.raises(NotImplementedError, match="bins"):
        discretize.BaseDiscretizer(X, [], names)


def test_lime_side_by_side_discretizers_agree(iris):
    lime_discretize = pytest.importorskip("lime.discretize")
    X, y, names = iris
    for kind in ("QuartileDiscretizer", "DecileDiscretizer", "EntropyDiscretizer"):
        ours = getattr(discretize, kind)(X, [1], names, labels=y)
        theirs = getattr(lime_discretize, kind)(X, [1], names, labels=y)
        assert ours.names == theirs.names
        assert np.array_equal(ours.discretize(X), theirs.discretize(X))
        for j in ours.means:
            assert np.allclose(ours.means[j], theirs.means[j]) and np.allclose(ours.mins[j], theirs.mins[j])


def step_model(threshold):
    def predict_proba(rows):
        p = np.where(rows[:, 2] > threshold, 0.9, 0.1)
        return np.column_stack([1 - p, p])

    return predict_proba


@pytest.mark.filterwarnings("ignore:lime_kit. this explanation may be unreliable")  # the 3 noise features tie, rightly
def test_explainer_uses_a_user_discretizer_subclass_bins(iris):
    X, _, names = iris

    class AtThreshold(discretize.BaseDiscretizer):  # one cut per column, at 4.0 for petal length
        def bins(self, data, labels):
            return [np.array([4.0]) if j == 2 else np.array([np.median(data[:, j])]) for j in self.to_discretize]

    mine = AtThreshold(X, [], names)
    explainer = lime_tabular.LimeTabularExplainer(X, feature_names=names, discretizer=mine, random_state=0)
    assert explainer.discretizer is mine
    exp = explainer.explain_instance(X[100], step_model(4.0), num_features=2, num_samples=1000)
    name, weight = exp.as_list()[0]
    assert name == f"{names[2]} > 4.00" and weight > 0.5  # the model's step, exactly at the user's cut


def test_explainer_takes_compat_discretizer_objects_and_exposes_its_own(iris):
    X, _, names = iris
    deciles = discretize.DecileDiscretizer(X, [], names)
    exp = lime_tabular.LimeTabularExplainer(X, feature_names=names, discretizer=deciles, random_state=0).explain_instance(
        X[0], step_model(4.0), num_features=1, num_samples=500
    )
    assert exp.as_list()[0][0] in deciles.names[2]
    default = lime_tabular.LimeTabularExplainer(X, feature_names=names, random_state=0)
    assert isinstance(default.discretizer, discretize.QuartileDiscretizer)
    assert lime_tabular.LimeTabularExplainer(X, discretize_continuous=False).discretizer is None


# ----------------------------------------------------------------- lime_text


def test_indexed_string_removes_words_with_regex_splitter():
    s = lime_text.IndexedString("Good food, good service; bad food.")
    assert s.raw_string() == "Good food, good service; bad food."
    assert [s.word(i) for i in range(s.num_words())] == ["Good", "food", "good", "service", "bad"]
    food = 1
    assert s.string_position(food).tolist() == [5, 29]
    assert s.inverse_removing([food]) == "Good , good service; bad ."
    assert s.inverse_removing([]) == s.raw_string()
    custom = lime_text.IndexedString("a-b c-d", split_expression=r"-")
    assert [custom.word(i) for i in range(custom.num_words())] == ["a", "b c", "d"]
    assert custom.inverse_removing([1]) == "a--d"


def test_indexed_string_removes_words_with_callable_splitter():
    s = lime_text.IndexedString("great plot | weak ending", split_expression=lambda t: t.split(" | "))
    assert s.num_words() == 2 and s.word(1) == "weak ending"
    assert s.inverse_removing([0]) == " | weak ending"
    with pytest.raises(ValueError, match="does not occur"):
        lime_text.IndexedString("abc", split_expression=lambda t: ["x"])


def test_indexed_string_without_bow_masks_each_occurrence():
    s = lime_text.IndexedString("the cat and the hat", bow=False, mask_string="___")
    assert s.num_words() == 5 and s.word(3) == "the"
    assert s.string_position(3).tolist() == [12]
    assert s.inverse_removing([0, 4]) == "___ cat and the ___"


def test_indexed_characters_and_domain_mapper():
    chars = lime_text.IndexedCharacters("abca")
    assert chars.num_words() == 3 and chars.string_position(0).tolist() == [0, 3]
    assert chars.inverse_removing([0]) == "bc"
    assert lime_text.IndexedCharacters("abca", bow=False).inverse_removing([3]) == "abc" + chr(0)
    mapper = lime_text.TextDomainMapper(lime_text.IndexedString("no no yes"))
    assert mapper.map_exp_ids([(0, -1.0)], positions=True) == [("no_0-3", -1.0)]
    assert "<span" in mapper.visualize_instance_html([(1, 0.5)], 1, "d", "exp")


def test_lime_side_by_side_indexed_string_agrees():
    lime_text_module = pytest.importorskip("lime.lime_text")
    rng = np.random.default_rng(0)
    for text in ["Hello, world!! hello  ", "x-y_z 12 x", "über café über"]:
        for split in (r"\W+", r"[ ,]+", str.split):
            for bow in (True, False):
                ours = lime_text.IndexedString(text, split, bow)
                theirs = lime_text_module.IndexedString(text, split, bow)
                assert ours.as_list == theirs.as_list and ours.inverse_vocab == theirs.inverse_vocab
                remove = rng.choice(ours.num_words(), size=ours.num_words() // 2, replace=False).tolist()
                assert ours.inverse_removing(remove) == theirs.inverse_removing(remove)


# ----------------------------------------------------------------- has_arg and the scikit-image wrapper


def test_has_arg_counts_only_named_keyword_parameters():
    def fn(a, /, b, *args, c=1, **kwargs): ...

    class Segmenter:
        def __call__(self, image, n_segments=10): ...

    assert has_arg(fn, "b") and has_arg(fn, "c")
    assert not has_arg(fn, "a") and not has_arg(fn, "args") and not has_arg(fn, "kwargs") and not has_arg(fn, "zz")
    assert has_arg(Segmenter(), "n_segments")


def test_segmentation_algorithm_drops_unknown_params_and_set_params_refuses_them():
    seg = SegmentationAlgorithm("slic", n_segments=4, compactness=5.0, kernel_size=3)
    assert seg.target_params == {"n_segments": 4, "compactness": 5.0}  # kernel_size is quickshift's
    with pytest.raises(ValueError, match="kernel_size is not a valid parameter"):
        seg.set_params(kernel_size=3)
    seg.set_params(n_segments=2)
    assert seg.target_params == {"n_segments": 2}
    assert seg.kwargs == {"n_segments": 2, "compactness": 10.0}  # lime's set_params replaces; defaults fill in
    assert seg(np.zeros((16, 16, 3))).shape == (16, 16)
    assert seg.filter_params(lambda image, n_segments=1: None, override={"x": 1}) == {"n_segments": 2, "x": 1}
    with pytest.raises(ValueError, match="algo_type"):
        SegmentationAlgorithm("kmeans")


def test_base_wrapper_parameter_checks():
    def target(image, sigma=1.0): ...

    wrapper = BaseWrapper(target, sigma=2.0)
    with pytest.raises(TypeError, match="dict or a list"):
        wrapper._check_params("sigma")
    with pytest.raises(TypeError, match="not callable"):
        BaseWrapper().set_params(sigma=1.0)
    wrapper.set_params(sigma=3.0)
    assert wrapper.target_params == {"sigma": 3.0}


# ----------------------------------------------------------------- lime_base


@pytest.fixture(scope="module")
def neighbourhood():
    """Binary samples where features 0, 1, 2 matter (weights 0.5, -0.3, 0.2) and 3..7 do not."""
    rng = np.random.default_rng(1)
    Z = rng.integers(0, 2, size=(3000, 8)).astype(float)
    Z[0] = 1
    y = 0.3 + Z @ [0.5, -0.3, 0.2, 0, 0, 0, 0, 0] + rng.normal(0, 0.02, len(Z))
    distances = np.sqrt(((Z - Z[0]) ** 2).sum(axis=1))
    return Z, np.column_stack([1 - y, y]), distances


def kernel(d):
    return np.sqrt(np.exp(-(d**2) / 4.0))


@pytest.mark.parametrize("method", ["forward_selection", "highest_weights", "lasso_path", "auto"])
def test_lime_base_selection_methods_find_the_planted_features(neighbourhood, method):
    Z, Y, distances = neighbourhood
    intercept, exp, score, local_pred = lime_base.LimeBase(kernel).explain_instance_with_data(
        Z, Y, distances, label=1, num_features=3, feature_selection=method
    )
    assert sorted(i for i, _ in exp) == [0, 1, 2]
    assert [i for i, _ in exp] == [0, 1, 2]  # sorted by |weight|
    assert dict(exp)[0] == pytest.approx(0.5, abs=0.02) and dict(exp)[1] == pytest.approx(-0.3, abs=0.02)
    assert score > 0.95 and local_pred.shape == (1,)
    assert local_pred[0] == pytest.approx(intercept + sum(w for _, w in exp), abs=1e-9)  # row 0 is all ones


def test_lime_base_none_keeps_every_feature_and_feature_selection_returns_indices(neighbourhood):
    Z, Y, distances = neighbourhood
    base = lime_base.LimeBase(kernel)
    _, exp, _, _ = base.explain_instance_with_data(Z, Y, distances, 1, num_features=2, feature_selection="none")
    assert len(exp) == 8
    weights = kernel(distances)
    assert base.feature_selection(Z, Y[:, 1], weights, 2, "forward_selection").tolist() == [0, 1]
    assert base.forward_selection(Z, Y[:, 1], weights, 3).tolist() == [0, 1, 2]
    with pytest.raises(ValueError, match="feature_selection"):
        base.feature_selection(Z, Y[:, 1], weights, 2, "best")
    alphas, coefs = base.generate_lars_path(Z - Z.mean(0), Y[:, 1] - Y[:, 1].mean())
    assert coefs.shape == (8, len(alphas)) and np.all(np.diff(alphas) <= 0)


def test_lime_side_by_side_lime_base_agrees(neighbourhood):
    lime_lime_base = pytest.importorskip("lime.lime_base")
    Z, Y, distances = neighbourhood
    for method in ("none", "forward_selection", "highest_weights", "lasso_path"):
        ours = lime_base.LimeBase(kernel).explain_instance_with_data(Z, Y, distances, 1, 3, method)
        theirs = lime_lime_base.LimeBase(kernel).explain_instance_with_data(Z, Y, distances, 1, 3, method)
        assert [i for i, _ in ours[1]] == [int(i) for i, _ in theirs[1]]
        assert np.allclose([w for _, w in ours[1]], [w for _, w in theirs[1]], atol=1e-6)
        assert ours[2] == pytest.approx(theirs[2]) and ours[3] == pytest.approx(theirs[3])


# ----------------------------------------------------------------- explanation


class Letters(DomainMapper):
    def map_exp_ids(self, exp, **kwargs):
        return [("abcdef"[i], w) for i, w in exp]


def test_explanation_built_by_hand_names_features_through_its_domain_mapper():
    exp = Explanation(Letters(), class_names=["no", "yes"], random_state=0)
    exp.local_exp = {1: [(2, 0.5), (0, -0.25)]}
    exp.intercept = {1: 0.1}
    exp.score, exp.local_pred = 0.8, np.array([0.35])
    exp.predict_proba = np.array([0.4, 0.6])
    assert exp.as_list(1) == [("c", 0.5), ("a", -0.25)]
    assert exp.available_labels() == [1]
    page = exp.as_html()
    assert "c" in page and "<html" in page.lower()
    figure = exp.as_pyplot_figure(1)
    assert [t.get_text() for t in figure.axes[0].get_yticklabels()] == ["a", "c"]
    with pytest.raises(LimeError, match="mode"):
        Explanation(Letters(), mode="ranking")
    regression = Explanation(Letters(), mode="regression")
    assert regression.class_names == ["negative", "positive"] and regression.dummy_label == 1


def test_image_explanation_built_by_hand_masks_its_segments():
    image = np.zeros((4, 4, 3))
    segments = np.repeat([[0, 0, 1, 1]], 4, axis=0)
    exp = ImageExplanation(image, segments)
    exp.local_exp = {3: [(1, 0.7), (0, -0.2)]}
    _, mask = exp.get_image_and_mask(3, num_features=1)
    assert mask[0].tolist() == [0, 0, 1, 1]
    with pytest.raises(ValueError, match="one label per pixel"):
        ImageExplanation(image, segments[:2])


def test_id_generator_is_reproducible():
    assert id_generator(10, np.random.RandomState(1)) == id_generator(10, np.random.RandomState(1))
    assert id_generator(10, 1) != id_generator(10, 2) and len(id_generator(7, 0)) == 7


# ----------------------------------------------------------------- submodular pick


def two_topic_corpus(n=24, seed=0):
    rng = np.random.default_rng(seed)
    sport = ["goal", "match", "team", "score", "coach"]
    cooking = ["recipe", "oven", "flour", "taste", "bake"]
    filler = ["the", "a", "today", "we", "saw", "very"]
    docs, labels = [], []
    for i in range(n):
        topic = sport if i % 2 == 0 else cooking
        words = list(rng.choice(topic, 3)) + list(rng.choice(filler, 4))
        rng.shuffle(words)
        docs.append(" ".join(words))
        labels.append(i % 2)
    return docs, np.array(labels), sport, cooking


def test_submodular_pick_on_text_is_reproducible_and_covers_both_topics():
    docs, _, sport, cooking = two_topic_corpus()

    def classifier_fn(texts):
        score = np.array([sum(w in sport for w in t.split()) - sum(w in cooking for w in t.split()) for t in texts])
        p = 1 / (1 + np.exp(-2.0 * score))
        return np.column_stack([1 - p, p])

    explainer = lime_text.LimeTextExplainer(class_names=["cooking", "sport"], random_state=0)

    def pick(**kwargs):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            return SubmodularPick(
                explainer, docs, classifier_fn, sample_size=8, num_exps_desired=2, num_features=3, num_samples=300, **kwargs
            )

    first, again = pick(), pick()
    assert first.V == again.V
    assert [e.as_list(e.available_labels()[0]) for e in first.sp_explanations] == [
        e.as_list(e.available_labels()[0]) for e in again.sp_explanations
    ]
    assert len(first.explanations) == 8 and len(first.V) == 2 and len(set(first.V)) == 2
    assert first.sp_explanations == [first.explanations[i] for i in first.V]
    picked_words = {w for e in first.sp_explanations for w, _ in e.as_list(e.available_labels()[0])}
    assert picked_words & set(sport) and picked_words & set(cooking)  # one pick per topic covers both
    full = pick(method="full")
    assert len(full.explanations) == len(docs)
    with pytest.raises(ValueError, match="'sample' or 'full'"):
        pick(method="some")


# ----------------------------------------------------------------- recurrent explainer


def test_recurrent_explainer_finds_the_planted_feature_and_timestep():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 5, 3))  # 5 timesteps, 3 features
    seen_shapes = []

    def classifier_fn(batch):
        seen_shapes.append(batch.shape[1:])
        p = 1 / (1 + np.exp(-4 * batch[:, 3, 1]))  # feature "b" at the second-to-last timestep
        return np.column_stack([1 - p, p])

    explainer = lime_tabular.RecurrentTabularExplainer(
        X, feature_names=["a", "b", "c"], discretize_continuous=False, random_state=0
    )
    assert explainer.feature_names[:2] == ["a_t-4", "a_t-3"] and len(explainer.feature_names) == 15
    exp = explainer.explain_instance(X[0], classifier_fn, num_features=1, num_samples=2000)
    assert exp.as_list()[0][0] == "b_t-1"
    assert set(seen_shapes) == {(5, 3)}
    with pytest.raises(ValueError, match="timesteps, features"):
        explainer.explain_instance(X[0].T, classifier_fn)
    with pytest.raises(ValueError, match="3-D"):
        lime_tabular.RecurrentTabularExplainer(X[:, 0])


def test_table_domain_mapper_prefers_discretized_names():
    mapper = lime_tabular.TableDomainMapper(["x", "y"], ["1", "2"], np.array([1.0, 2.0]), [], ["x <= 1.00", "y > 0.00"])
    assert mapper.map_exp_ids([(1, 0.5)]) == [("y > 0.00", 0.5)]
    assert "<table" in mapper.visualize_instance_html([(1, 0.5)], 1, "d", "e", show_all=True)
