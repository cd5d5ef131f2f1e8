"""Text and image HTML share the tabular quality figures, warnings, notes and tie marks, and read on dark pages."""

import base64
import io
import re

import numpy as np
import pytest

from lime_kit import Explanation, ImageExplainer, TextExplainer
from lime_kit.plot import explanation_html


@pytest.fixture(scope="module")
def text_explanation():
    return TextExplainer(mode="regression", random_state=0).explain(
        "good food, bad service", lambda docs: [d.count("good") for d in docs], num_samples=100
    )


@pytest.fixture(scope="module")
def image_explanation():
    segments = np.repeat([[0, 0, 1, 1, 2, 2]], 6, axis=0)
    image = np.arange(36, dtype=np.uint8).reshape(6, 6)
    return ImageExplainer(mode="regression", segmentation=segments, random_state=0).explain(
        image, lambda b: b[:, :, :2].mean(axis=(1, 2)), num_samples=60
    )


def _flagged(explanation):
    copy = Explanation.from_dict(explanation.to_dict())
    copy.warnings = ["only <60> samples"]
    copy.heldout_score = {0: 0.456}
    copy.stability = {0: 0.78}
    copy.settled_stability = {0: 0.91}
    copy.notes = ["ranks 1-2 are <tied>"]
    # The first two features could hold either rank: a tie group; every other rank is settled.
    copy.rank_bounds = {
        0: [[i, 1, 2] if rank < 2 else [i, rank + 1, rank + 1] for rank, (i, _) in enumerate(copy.coefficients[0])]
    }
    return copy


@pytest.mark.parametrize("which", ["text_explanation", "image_explanation"])
def test_every_modality_shows_quality_figures_warnings_notes_ties_and_scale(request, which):
    flagged = _flagged(request.getfixturevalue(which))
    first = flagged.as_list()[0][0]
    html = explanation_html(flagged)
    assert "class='lk-warn'" in html and "only &lt;60&gt; samples" in html
    assert "class='lk-notes'" in html and "<li>ranks 1-2 are &lt;tied&gt;</li>" in html
    assert html.count("class='lk-tie' rowspan='2'") == 1 and f"<td>{first}</td><td class='lk-tie' rowspan='2'" in html
    assert "held-out R² <b>0.456</b>" in html and "stability <b>0.78</b>" in html and "effective" in html
    assert "settled stability <b>0.91</b>" in html
    assert "intercept" in html and "units of the prediction" in html
    assert "<h4" not in html  # hosts restyle headings and add anchor links to them


def test_image_panel_is_a_transparent_png_with_grey_text(image_explanation):
    from PIL import Image

    html = explanation_html(image_explanation)
    encoded = re.search(r"data:image/png;base64,([A-Za-z0-9+/=]+)", html).group(1)
    panel = np.asarray(Image.open(io.BytesIO(base64.b64decode(encoded))).convert("RGBA"))
    assert panel[0, 0, 3] == 0  # the page's own background shows around the images
    inked = panel[(panel[..., 3] > 200) & (np.ptp(panel[..., :3], axis=-1) < 8)][:, :3]
    # Title and tick text is mid-grey, so it reads on white and on dark pages; no near-black text.
    grey = inked[(inked.min(axis=1) > 100) & (inked.max(axis=1) < 170)]
    assert len(grey) > 50
