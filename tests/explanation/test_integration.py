"""The trapezoidal rule of integrated gradients: exact for straight lines, error falling as 1/steps²."""

import numpy as np
import pytest

from textclf.explanation.integration import trapezoid_weights


@pytest.mark.parametrize("steps", [1, 2, 7, 50])
def test_the_points_span_the_path_and_the_weights_average(steps):
    alphas, weights = trapezoid_weights(steps)
    assert alphas[0] == 0.0 and alphas[-1] == 1.0 and len(alphas) == steps + 1
    assert weights.sum() == pytest.approx(1.0)
    assert weights @ (3 * alphas + 1) == pytest.approx(2.5)  # a straight line: exact


def test_the_error_on_a_curve_falls_as_the_square_of_the_steps():
    errors = [abs(weights @ np.exp(alphas) - (np.e - 1)) for alphas, weights in map(trapezoid_weights, (10, 20))]
    assert errors[1] < errors[0] / 3.5
