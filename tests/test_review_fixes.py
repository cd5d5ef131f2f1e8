"""Bad input and surprising behaviour found by a user review, each as the user meets it."""

import warnings

import numpy as np
import pytest

from lime_kit import ImageExplainer, TabularExplainer, TextExplainer


@pytest.fixture(scope="module")
def classifier_setup():
    X = np.random.default_rng(0).normal(size=(200, 3))

    def predict_proba(rows):
        p = 1 / (1 + np.exp(-rows[:, 0]))
        return np.column_stack([1 - p, p])

    return X, predict_proba


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        yield


def test_predict_fn_returning_strings_is_refused_clearly(classifier_setup):
    X, _ = classifier_setup
    explainer = TabularExplainer(X, random_state=0)
    with pytest.raises(ValueError, match="predict_fn must return numbers.*predict_proba"):
        explainer.explain(X[0], lambda rows: np.array(["yes"] * len(rows))[:, None], num_samples=50)


def test_regressor_without_sample_weight_is_refused(classifier_setup):
    X, predict_proba = classifier_setup

    class Unweighted:
        def fit(self, X, y):
            return self

        def predict(self, X):
            return np.zeros(len(X))

    with pytest.raises(ValueError, match="cannot be fitted with sample_weight"):
        TabularExplainer(X, random_state=0).explain(X[0], predict_proba, model_regressor=Unweighted())


@pytest.mark.parametrize("make", [
    lambda: TabularExplainer(np.zeros((5, 2)) + np.arange(5)[:, None], class_names="ab"),
    lambda: TextExplainer(class_names="ab"),
    lambda: ImageExplainer(class_names="ab"),
])
def test_class_names_string_is_not_a_list_of_names(make):
    with pytest.raises(TypeError, match="class_names must be a list of names"):
        make()


def test_top_labels_above_class_count_explains_all_classes(classifier_setup):
    X, predict_proba = classifier_setup
    exp = TabularExplainer(X, random_state=0).explain(X[0], predict_proba, top_labels=5, num_samples=200)
    assert sorted(exp.labels) == [0, 1]


def test_labels_may_be_class_names_in_explain_and_as_list(classifier_setup):
    X, predict_proba = classifier_setup
    explainer = TabularExplainer(X, class_names=["declined", "approved"], random_state=0)
    exp = explainer.explain(X[0], predict_proba, labels=["declined"], num_samples=200)
    assert exp.labels == (0,)
    assert exp.as_list(label="declined") == exp.as_list(0)
    with pytest.raises(ValueError, match=r"label 'approved' was not explained.*class name"):
        exp.as_list(label="approved")
    with pytest.raises(ValueError, match="class names"):
        explainer.explain(X[0], predict_proba, labels=["maybe"], num_samples=200)


def test_messages_print_nan_plainly(classifier_setup):
    X, predict_proba = classifier_setup
    with pytest.raises(ValueError) as error:
        TabularExplainer(X, random_state=0).explain(X[0], predict_proba, labels=[np.float64("nan")], num_samples=50)
    assert "np.float64" not in str(error.value) and "nan" in str(error.value)


def test_two_samples_raise_no_numpy_warning(classifier_setup):
    X, predict_proba = classifier_setup
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        exp = TabularExplainer(X, random_state=0).explain(X[0], predict_proba, num_samples=2)
    assert exp.num_samples == 2


def test_logits_are_accepted_with_a_note_not_an_alarm(classifier_setup):
    X, predict_proba = classifier_setup
    logits = lambda rows: np.log(predict_proba(rows)) * 3
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        exp = TabularExplainer(X, random_state=0).explain(X[0], logits, num_samples=2000)
    # Explaining a score is legitimate: the note says what the weights mean, no UserWarning is raised.
    assert not [w for w in caught if "do not look like probabilities" in str(w.message)]
    assert any("softmax" in n and "do not look like probabilities" in n for n in exp.notes)
    assert not any("softmax" in w for w in exp.warnings)


def test_impossible_num_samples_is_refused_before_allocating(classifier_setup):
    X, predict_proba = classifier_setup
    calls = []
    with pytest.raises(MemoryError, match=r"num_samples=1000000000000 would need about .* GB"):
        TabularExplainer(X, random_state=0).explain(
            X[0], lambda rows: (calls.append(1), predict_proba(rows))[1], num_samples=10**12
        )
    assert not calls


def test_kept_image_batches_are_not_overwritten():
    image = (np.arange(64, dtype=np.uint8).reshape(8, 8) * 3).astype(np.uint8)
    segments = np.repeat(np.arange(4), 16).reshape(8, 8)
    kept = []

    def remembering_model(batch):
        kept.append(batch)
        return batch.reshape(len(batch), -1).mean(axis=1)

    explainer = ImageExplainer(mode="regression", segmentation=segments, hide_color=0, random_state=0)
    explainer.explain(image, remembering_model, num_samples=60, batch_size=20)
    assert len(kept) == 3
    assert not np.shares_memory(kept[0], kept[1])
    assert not np.array_equal(kept[0], kept[1])
    # The faster shared buffer stays available, on request.
    kept.clear()
    explainer.explain(image, remembering_model, num_samples=60, batch_size=20, reuse_batch_buffer=True)
    assert np.shares_memory(kept[0], kept[1])
