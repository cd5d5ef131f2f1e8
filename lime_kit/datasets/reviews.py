"""Synthetic short review texts with a documented keyword labelling rule.

This module exists so that text explainers can be checked against a corpus
whose labels are a known function of a few words: a review is positive
exactly when it contains more words from ``POSITIVE_WORDS`` than from
``NEGATIVE_WORDS`` (see :func:`review_sentiment`). Everything else in a
review (subjects, aspects, filler sentences, punctuation, case) is neutral.
No negations are generated, so a keyword always keeps its polarity.
"""

import re

import numpy as np

__all__ = [
    "POSITIVE_WORDS",
    "NEGATIVE_WORDS",
    "review_sentiment",
    "make_reviews",
    "load_reviews",
]

_POS_ADJ = ("great", "excellent", "wonderful", "amazing", "fantastic",
            "perfect", "delightful", "superb", "brilliant", "lovely")
_NEG_ADJ = ("terrible", "awful", "boring", "horrible", "disappointing",
            "dreadful", "mediocre", "poor", "bland", "annoying")
_POS_VERB = ("loved", "enjoyed", "adored")
_NEG_VERB = ("hated", "disliked", "despised")

#: Words that count towards a positive label (matched case-insensitively).
POSITIVE_WORDS = _POS_ADJ + _POS_VERB
#: Words that count towards a negative label (matched case-insensitively).
NEGATIVE_WORDS = _NEG_ADJ + _NEG_VERB

_DOMAINS = {
    "product": {
        "subjects": ["this blender", "the headphones", "this phone case",
                     "the desk lamp", "this backpack", "the kettle"],
        "aspects": ["battery", "screen", "packaging", "price", "design",
                    "delivery", "sound", "handle", "build"],
        "filler": ["I bought it last month.", "It arrived on a Tuesday.",
                   "It comes in blue and grey.", "I use it every morning.",
                   "The box had a manual in three languages.",
                   "My sister has the older model."],
    },
    "movie": {
        "subjects": ["this movie", "the sequel", "this documentary",
                     "the new thriller", "this comedy", "the remake"],
        "aspects": ["plot", "acting", "soundtrack", "ending", "dialogue",
                    "pacing", "cast", "script", "camera work"],
        "filler": ["We watched it on Friday night.",
                   "It runs about two hours.", "I saw it at the cinema.",
                   "The director also made a series last year.",
                   "It is based on a novel.", "We had popcorn and soda."],
    },
    "restaurant": {
        "subjects": ["this restaurant", "the new cafe", "this pizza place",
                     "the sushi bar", "this bistro", "the diner downtown"],
        "aspects": ["food", "service", "staff", "dessert", "atmosphere",
                    "menu", "coffee", "portions", "music"],
        "filler": ["We went there on a Saturday.",
                   "We sat near the window.", "I ordered the soup first.",
                   "It is close to the train station.",
                   "They open at noon.", "We booked a table for four."],
    },
}

_OPENERS = ["I tried {subject} recently.", "A few words about {subject}.",
            "Review of {subject}.", "So, {subject}.",
            "We finally tried {subject}.", "About {subject}:"]
_ADJ_TEMPLATES = ["The {aspect} was {w}.", "{Aspect} felt {w} to me.",
                  "Overall it was {w}.", "Honestly, {w} {aspect}.",
                  "Really {w}!", "The {aspect}? {W}.", "Just {w}...",
                  "{W} {aspect}, to be fair."]
_VERB_TEMPLATES = ["I {w} it.", "We {w} the {aspect}.",
                   "My friends {w} the {aspect}!", "Everyone {w} it."]

_TOKEN = re.compile(r"[a-z]+")


def review_sentiment(text):
    """Apply the keyword rule that defines the review labels.

    Lower-case the text, split it into runs of letters, and count tokens in
    ``POSITIVE_WORDS`` (P) and ``NEGATIVE_WORDS`` (N). The label is 1 if
    P > N, 0 if N > P, and -1 (undefined) on a tie; generated reviews never
    tie.

    Parameters
    ----------
    text : str

    Returns
    -------
    int
        1 (positive), 0 (negative) or -1 (tie).

    Examples
    --------
    >>> review_sentiment("GREAT food, but the service was slow.")
    1
    >>> review_sentiment("Boring plot. Loved the music, awful ending!")
    0
    """
    tokens = _TOKEN.findall(text.lower())
    pos = sum(t in POSITIVE_WORDS for t in tokens)
    neg = sum(t in NEGATIVE_WORDS for t in tokens)
    return 1 if pos > neg else 0 if neg > pos else -1


def _sentiment_sentence(rng, positive, aspects):
    adj = rng.uniform() < 0.75
    words = (_POS_ADJ if adj else _POS_VERB) if positive else (
        _NEG_ADJ if adj else _NEG_VERB)
    template = str(rng.choice(_ADJ_TEMPLATES if adj else _VERB_TEMPLATES))
    w = str(rng.choice(words))
    if rng.uniform() < 0.1:
        w = w.upper()
    aspect = str(rng.choice(aspects))
    return template.format(w=w, W=w[:1].upper() + w[1:], aspect=aspect,
                           Aspect=aspect.capitalize())


def make_reviews(n_samples=600, random_state=0, label_noise=0.0):
    """Generate short product, movie and restaurant reviews.

    Each review picks a domain, then joins: an opener naming a subject
    ("I tried the new cafe recently."), ``k`` sentiment sentences using
    words of the review's polarity, ``m < k`` sentences of the opposite
    polarity, 0-2 neutral filler sentences, all shuffled after the opener.
    ``k`` is 1, 2 or 3 (probabilities 0.4 / 0.4 / 0.2) and ``m`` is 0 with
    probability 0.6, otherwise uniform in 1..k-1 (always 0 when k = 1).
    About 10 % of keywords are upper-cased and about 10 % of reviews are
    fully lower-cased. Hence, with ``label_noise=0``, every label equals
    :func:`review_sentiment` of its text.

    Parameters
    ----------
    n_samples : int, default 600
        Number of reviews; polarities alternate before shuffling, so the
        classes are balanced to within one.
    random_state : int or None, default 0
        Seed for ``numpy.random.default_rng``.
    label_noise : float, default 0.0
        Probability of flipping each returned label after generation.

    Returns
    -------
    texts : list of str
    labels : numpy.ndarray of int, shape (n_samples,)
        1 = positive, 0 = negative.

    Examples
    --------
    >>> texts, labels = make_reviews(10, random_state=0)
    >>> len(texts), labels.shape
    (10, (10,))
    >>> all(review_sentiment(t) == y for t, y in zip(texts, labels))
    True
    """
    rng = np.random.default_rng(random_state)
    n = int(n_samples)
    polarity = rng.permutation(np.arange(n) % 2)
    texts = []
    for positive in polarity:
        domain = _DOMAINS[str(rng.choice(list(_DOMAINS)))]
        opener = str(rng.choice(_OPENERS)).format(
            subject=str(rng.choice(domain["subjects"])))
        opener = opener[:1].upper() + opener[1:]
        k = int(rng.choice([1, 2, 3], p=[0.4, 0.4, 0.2]))
        m = 0 if k == 1 or rng.uniform() < 0.6 else int(rng.integers(1, k))
        body = [_sentiment_sentence(rng, bool(positive), domain["aspects"])
                for _ in range(k)]
        body += [_sentiment_sentence(rng, not positive, domain["aspects"])
                 for _ in range(m)]
        n_fill = int(rng.integers(0, 3))
        body += [str(s) for s in rng.choice(domain["filler"], size=n_fill,
                                            replace=False)]
        text = " ".join([opener] + [body[i] for i in rng.permutation(len(body))])
        if rng.uniform() < 0.1:
            text = text.lower()
        texts.append(text)
    labels = polarity.astype(np.int64)
    if label_noise > 0:
        flip = rng.uniform(size=n) < label_noise
        labels = np.where(flip, 1 - labels, labels)
    return texts, labels


def load_reviews():
    """Load the default review corpus (``n_samples=600, random_state=0``).

    ``datasets/reviews.csv`` holds the same texts and labels.

    Returns
    -------
    texts : list of str
    labels : numpy.ndarray of int

    Examples
    --------
    >>> texts, labels = load_reviews()
    >>> len(texts)
    600
    """
    return make_reviews()
