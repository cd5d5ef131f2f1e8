"""An 8x8 image whose class is how bright its left stripe (segment 0 of four) is: the anchor is segment 0."""

import numpy as np


def left_stripe():
    """The image, its four column-pair segments and a model that reads only the left two columns."""
    image = np.zeros((8, 8), dtype=np.uint8)
    image[:, :2] = 255
    segments = np.repeat([[0, 0, 1, 1, 2, 2, 3, 3]], 8, axis=0)

    def predict(batch):
        left = batch[:, :, :2].reshape(len(batch), -1).mean(axis=1) / 255
        return np.stack([1 - left, left], axis=1)

    return image, segments, predict
