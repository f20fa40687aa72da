"""The one rounding rule for ratings: half up (4.5 -> 5, 3.5 -> 4, 4.49 -> 4).

Used wherever a rating is put on the discrete scale: ``pred_hist``, ``pred_top_share`` and
``mae_by_true`` in the metrics, and the ``exact_match`` reward. (Python's ``round`` and numpy's
``rint`` round halves to even, 4.5 -> 4 but 3.5 -> 4; neither is used for ratings.)"""

from __future__ import annotations

import numpy as np


def round_rating(value):
    """``value`` (a number or an array) rounded half up; a float or a float64 array."""
    rounded = np.floor(np.asarray(value, dtype=np.float64) + 0.5)
    return float(rounded) if rounded.ndim == 0 else rounded
