"""The path integral of integrated gradients, as the trapezoidal rule over evenly spaced points."""

from __future__ import annotations

import numpy as np


def trapezoid_weights(steps: int) -> tuple[np.ndarray, np.ndarray]:
    """``steps`` + 1 points from 0 (the baseline) to 1 (the input), and the weights that average a function
    over them: the trapezoidal rule, whose error falls as 1/steps², not the 1/steps of a Riemann sum."""
    alphas = np.linspace(0.0, 1.0, steps + 1)
    weights = np.full(steps + 1, 1.0 / steps)
    weights[[0, -1]] /= 2
    return alphas, weights
