"""lime's tutorial snippets run on `lime_kit.compat` with only the import line changed.

Each ``test_tutorial_*`` keeps the snippet as lime's tutorial writes it (the
lines between the ``# --- lime tutorial`` markers); only the data are made
here, with a known truth, so that the explanation can be checked against it.
lime itself is not imported: CI installs only the test extra.
"""

import numpy as np
import pytest
import sklearn
import sklearn.ensemble
import sklearn.feature_extraction.text
import sklearn.model_selection
import sklearn.preprocessing
from sklearn.compose import ColumnTransformer
from sklearn.pipeline import make_pipeline

from lime_kit.datasets import NEGATIVE_WORDS, POSITIVE_WORDS, load_reviews

# ----------------------------------------------------------------- tabular

WORKCLASS = ["Private", "Self-emp", "State-gov"]
RELATIONSHIP = ["Husband", "Wife", "Unmarried", "Own-child"]
FEATURE_NAMES = ["Age", "Workclass", "Education-Num", "Relationship", "Hours per week"]


def census_like(n=1500, seed=0):
    """Rows as lime's "Categorical features" tutorial reads them: strings in categorical columns.

    Truth: income > 50K exactly for married people (Husband or Wife) older than 35;
    workclass, education and hours are noise.
    """
    rng = np.random.default_rng(seed)
    age = rng.integers(18, 70, n)
    relationship = rng.choice(RELATIONSHIP, n)
    data = np.column_stack(
        [age, rng.choice(WORKCLASS, n), rng.integers(1, 16, n), relationship, rng.integers(20, 60, n)]
    ).astype(object)
    labels = (np.isin(relationship, ["Husband", "Wife"]) & (age > 35)).astype(int)
    return data, labels


@pytest.fixture(scope="module")
def census():
    data, labels = census_like()
    categorical_features = [1, 3]
    categorical_names = {}
    for feature in categorical_features:
        le = sklearn.preprocessing.LabelEncoder()
        le.fit(data[:, feature])
        data[:, feature] = le.transform(data[:, feature])
        categorical_names[feature] = le.classes_
    data = data.astype(float)
    # lime's tutorial used OneHotEncoder(categorical_features=...), removed from scikit-learn since.
    encoder = ColumnTransformer(
        [("onehot", sklearn.preprocessing.OneHotEncoder(handle_unknown="ignore"), categorical_features)],
        remainder="passthrough",
    )
    train, test, labels_train, labels_test = sklearn.model_selection.train_test_split(
        data, labels, train_size=0.80, random_state=1
    )
    encoder.fit(data)
    gbtree = sklearn.ensemble.GradientBoostingClassifier(n_estimators=60, max_depth=3, random_state=0)
    gbtree.fit(encoder.transform(train), labels_train)
    return train, test, categorical_features, categorical_names, encoder, gbtree


def test_tutorial_tabular_categorical_features(census, monkeypatch):
    from lime_kit.compat import lime_tabular  # was: from lime import lime_tabular

    train, test, categorical_features, categorical_names, encoder, gbtree = census
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj: shown.append(obj))
    test = test.copy()
    test[0] = [52, 0, 9, 0, 40]  # a 52-year-old husband: the truth says > 50K because of age and relationship
    feature_names = FEATURE_NAMES
    class_names = ["<=50K", ">50K"]
    # --- lime tutorial
    predict_fn = lambda x: gbtree.predict_proba(encoder.transform(x)).astype(float)
    explainer = lime_tabular.LimeTabularExplainer(train, feature_names=feature_names, class_names=class_names,
                                                  categorical_features=categorical_features,
                                                  categorical_names=categorical_names, kernel_width=3)
    np.random.seed(1)
    i = 0
    exp = explainer.explain_instance(test[i], predict_fn, num_features=5)
    exp.show_in_notebook(show_all=False)
    # --- end
    top_two = exp.as_map()[1][:2]
    assert {feature for feature, _ in top_two} == {0, 3}, exp.as_list()  # Age and Relationship, the truth
    assert all(weight > 0 for _, weight in top_two)
    names = dict(exp.as_list())
    assert "Relationship=Husband" in names  # named through categorical_names, as lime does
    assert any("Age" in name.split() for name in names)  # a quartile bin, "a < Age <= b"
    assert len(shown) == 1 and "Relationship=Husband" in shown[0].data and "<script" not in shown[0].data


def test_default_explains_label_1_even_when_class_0_is_predicted(census):
    from lime_kit.compat import lime_tabular

    train, test, categorical_features, categorical_names, encoder, gbtree = census
    predict_fn = lambda x: gbtree.predict_proba(encoder.transform(x))
    explainer = lime_tabular.LimeTabularExplainer(train, feature_names=FEATURE_NAMES,
                                                  categorical_features=categorical_features,
                                                  categorical_names=categorical_names, random_state=0)
    young = np.array([22, 0, 9, 3, 40.0])  # own child, 22: clearly <=50K
    assert predict_fn(young[None])[0].argmax() == 0
    exp = explainer.explain_instance(young, predict_fn, num_samples=1000)
    assert exp.available_labels() == [1] and list(exp.local_exp) == [1] and list(exp.intercept) == [1]
    assert exp.explanation.labels == (1,)
    assert exp.as_list() == exp.as_list(label=1)
    with pytest.raises(KeyError, match="labels=\\(0,\\)"):
        exp.as_list(label=0)


def test_top_labels_lists_most_probable_first_and_scores_it(census):
    from lime_kit.compat import lime_tabular

    train, test, categorical_features, categorical_names, encoder, gbtree = census
    predict_fn = lambda x: gbtree.predict_proba(encoder.transform(x))
    explainer = lime_tabular.LimeTabularExplainer(train, categorical_features=categorical_features, random_state=0)
    young = np.array([22, 0, 9, 3, 40.0])
    exp = explainer.explain_instance(young, predict_fn, top_labels=5, num_samples=1000)  # more than the 2 classes
    assert exp.top_labels == [0, 1] and exp.available_labels() == [0, 1]
    assert sorted(exp.as_map()) == [0, 1]
    assert exp.score == exp.explanation.score[0]
    assert exp.local_pred.shape == (1,) and exp.local_pred[0] == exp.explanation.local_pred[0]
    assert exp.predict_proba.argmax() == 0
    assert exp.class_names == ["0", "1"]
    # lime's default feature names are the column numbers, and unnamed codes print as integers
    descriptions = exp.explanation.feature_descriptions
    assert descriptions[1] == "1=0" and descriptions[3] == "3=3"


def test_random_state_reproduces_and_leaves_a_randomstate_untouched(census):
    from lime_kit.compat import lime_tabular

    train, test, categorical_features, categorical_names, encoder, gbtree = census
    predict_fn = lambda x: gbtree.predict_proba(encoder.transform(x))
    state = np.random.RandomState(42)
    before = state.get_state()[1].copy()
    first = lime_tabular.LimeTabularExplainer(train, random_state=state)
    assert np.array_equal(state.get_state()[1], before)
    second = lime_tabular.LimeTabularExplainer(train, random_state=np.random.RandomState(42))
    a = first.explain_instance(test[1], predict_fn, num_samples=500)
    b = second.explain_instance(test[1], predict_fn, num_samples=500)
    assert a.as_list() == b.as_list() == first.explain_instance(test[1], predict_fn, num_samples=500).as_list()
    with pytest.raises(TypeError, match="RandomState"):
        lime_tabular.LimeTabularExplainer(train, random_state="seed")


def test_regression_uses_lime_layout_with_label_1_and_its_negation():
    from lime_kit.compat import lime_tabular

    X = np.random.default_rng(0).normal(size=(400, 3))
    explainer = lime_tabular.LimeTabularExplainer(X, mode="regression", discretize_continuous=False, random_state=0)
    exp = explainer.explain_instance(X[0], lambda rows: 3 * rows[:, 0] - rows[:, 2], num_features=2, num_samples=500)
    assert [name for name, _ in exp.as_list()] == ["0", "2"]
    assert exp.as_list(label=0) == exp.as_list()  # the label is ignored in regression, as in lime
    assert exp.local_exp[0] == [(i, -w) for i, w in exp.local_exp[1]]
    assert exp.intercept[0] == exp.intercept[1]
    assert exp.min_value <= exp.predicted_value <= exp.max_value
    assert exp.as_list()[0][1] == pytest.approx(3 * X[:, 0].std(), rel=0.02)  # weights on standardized values
    with pytest.raises(NotImplementedError):
        exp.available_labels()


def test_lime_arguments_lime_kit_cannot_honour_raise():
    from lime_kit.compat import lime_image, lime_tabular

    X = np.random.default_rng(0).normal(size=(50, 2))
    with pytest.raises(ValueError, match="lime's format"):
        lime_tabular.LimeTabularExplainer(X, training_data_stats={"means": {}, "mins": {}, "maxs": {}})
    with pytest.raises(ValueError, match="discretizer"):
        lime_tabular.LimeTabularExplainer(X, discretizer=object())
    with pytest.raises(ValueError, match="cosine"):
        lime_image.LimeImageExplainer().explain_instance(np.zeros((8, 8, 3)), lambda b: b, distance_metric="l2")


# -------------------------------------------------------------------- text


def test_tutorial_text_tfidf_pipeline(tmp_path):
    from lime_kit.compat.lime_text import LimeTextExplainer  # was: from lime.lime_text import LimeTextExplainer

    texts, labels = load_reviews()
    class_names = ["negative", "positive"]
    # --- lime tutorial
    vectorizer = sklearn.feature_extraction.text.TfidfVectorizer(lowercase=False)
    train_vectors = vectorizer.fit_transform(texts[100:])
    rf = sklearn.ensemble.RandomForestClassifier(n_estimators=50, random_state=0)
    rf.fit(train_vectors, labels[100:])
    c = make_pipeline(vectorizer, rf)
    explainer = LimeTextExplainer(class_names=class_names)
    idx = 6
    exp = explainer.explain_instance(texts[idx], c.predict_proba, num_features=6)
    exp.as_list()
    fig = exp.as_pyplot_figure()
    exp.save_to_file(tmp_path / "oi.html")
    # --- end
    keywords = {word.lower() for word in POSITIVE_WORDS + NEGATIVE_WORDS}
    top_word, top_weight = exp.as_list()[0]
    assert top_word.lower() in keywords, exp.as_list()
    assert (top_weight > 0) == (top_word.lower() in {w.lower() for w in POSITIVE_WORDS})
    assert exp.available_labels() == [1]
    ticks = [tick.get_text() for tick in fig.axes[0].get_yticklabels()]
    assert ticks[-1] == top_word and len(ticks) == 6
    page = (tmp_path / "oi.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and top_word in page and "<script" not in page
    import matplotlib.pyplot as plt

    assert plt.fignum_exists(fig.number)  # a pyplot figure, as lime returns
    plt.close(fig)


def test_text_split_expression_bow_and_positions_follow_lime():
    from lime_kit.compat.lime_text import LimeTextExplainer

    doc = "great food,great view;bad bill"

    def classifier_fn(docs):
        p = np.array([0.2 + 0.6 * ("great" in d) - 0.15 * ("bad" in d) for d in docs])
        return np.column_stack([1 - p, p])

    exp = LimeTextExplainer(split_expression=r"[ ,;]+", random_state=0).explain_instance(doc, classifier_fn, num_features=2)
    assert exp.as_list(positions=True)[0][0] == "great_0-11"
    assert exp.as_list()[1][0] == "bad"
    by_position = LimeTextExplainer(bow=False, random_state=0).explain_instance(doc, classifier_fn, num_features=3)
    assert sorted(name for name, _ in by_position.as_list()) == ["bad", "great", "great"]


# ------------------------------------------------------------------- image


def square_image(size=128, tile=16, seed=0):
    """An image in [-1, 1] (as the tutorial's network inputs): random colour tiles and a red square; its mask."""
    rng = np.random.default_rng(seed)
    colors = rng.uniform(-1, 1, size=(size // tile, size // tile, 3))
    image = np.repeat(np.repeat(colors, tile, axis=0), tile, axis=1)
    image = np.clip(image + rng.normal(0, 0.05, image.shape), -1, 1)
    square = np.zeros((size, size), dtype=bool)
    square[size // 4 : size // 4 + size // 3, size // 2 : size // 2 + size // 3] = True
    image[square] = [0.9, -0.9, -0.9]
    return image, square


def square_classifier(square):
    """Three classes ("background", "red square", "other"); the square's class follows its redness."""

    def predict_fn(images):
        redness = (images[:, square, 0] - images[:, square, 1]).mean(axis=1)
        logits = np.column_stack([np.ones(len(images)), 3.0 * redness, np.zeros(len(images))])
        e = np.exp(logits - logits.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    return predict_fn


def test_tutorial_image_get_image_and_mask_with_mark_boundaries():
    from skimage.segmentation import mark_boundaries

    from lime_kit.compat import lime_image  # was: from lime import lime_image

    image, square = square_image()
    predict_fn = square_classifier(square)
    # --- lime tutorial
    explainer = lime_image.LimeImageExplainer()
    explanation = explainer.explain_instance(image.astype("double"), predict_fn, top_labels=5, hide_color=0,
                                             num_samples=1000)
    temp, mask = explanation.get_image_and_mask(explanation.top_labels[0], positive_only=True, num_features=5,
                                                hide_rest=True)
    boundaries = mark_boundaries(temp / 2 + 0.5, mask)
    # --- end
    assert explanation.top_labels == [1, 0, 2]  # three classes: top_labels=5 means all of them, most probable first
    assert boundaries.shape == image.shape
    chosen = mask == 1
    assert (chosen & square).sum() / square.sum() > 0.95  # the mask covers the square
    segments = explanation.segments
    weights = dict(explanation.local_exp[1])
    top_segment, top_weight = explanation.local_exp[1][0]
    assert (square[segments == top_segment]).mean() > 0.5  # the strongest superpixel is mostly the square
    off_square = [k for k in weights if not square[segments == k].any()]
    assert all(abs(weights[k]) < 0.05 * top_weight for k in off_square)  # nothing else matters to the model
    assert np.all(temp[~chosen] == 0) and np.array_equal(temp[chosen], image[chosen])
    assert explanation.segments.shape == image.shape[:2]
    assert set(explanation.local_exp) == {0, 1, 2}


def test_image_both_signs_tint_like_lime_and_grayscale_becomes_rgb():
    from lime_kit.compat import lime_image

    image, square = square_image(size=32, tile=8)
    gray = image.mean(axis=2)
    seen = []

    def predict_fn(images):
        seen.append(images.shape)
        brightness = images[:, square].mean(axis=(1, 2))
        p = 1 / (1 + np.exp(-4 * brightness))
        return np.column_stack([1 - p, p])

    segments = lambda img: (np.arange(32)[:, None] // 8) * 4 + np.arange(32)[None, :] // 8
    explainer = lime_image.LimeImageExplainer(random_state=0)
    exp = explainer.explain_instance(gray, predict_fn, top_labels=None, num_samples=200, segmentation_fn=segments)
    assert exp.available_labels() == [1] and exp.top_labels is None
    assert exp.image.shape == (32, 32, 3) and all(shape[1:] == (32, 32, 3) for shape in seen)
    assert max(shape[0] for shape in seen) == 10  # lime's batch_size
    temp, mask = exp.get_image_and_mask(1, positive_only=False, num_features=16)
    assert set(np.unique(mask)) <= {-1, 0, 1} and (mask == 1).any()
    assert np.all(temp[mask == 1, 1] == exp.image.max())
    with pytest.raises(KeyError):
        exp.get_image_and_mask(0)


def test_segmentation_algorithm_wrapper_is_a_segmentation_fn():
    from lime_kit.compat import lime_image
    from lime_kit.compat.wrappers.scikit_image import SegmentationAlgorithm  # was: from lime.wrappers.scikit_image

    image, square = square_image(size=32, tile=8)
    segmenter = SegmentationAlgorithm("slic", n_segments=16, compactness=10)
    explainer = lime_image.LimeImageExplainer(random_state=0)
    exp = explainer.explain_instance(image, square_classifier(square), top_labels=1, num_samples=100,
                                     segmentation_fn=segmenter)
    assert np.array_equal(exp.segments, np.unique(segmenter(image), return_inverse=True)[1].reshape(32, 32))
