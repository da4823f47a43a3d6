"""The confidence interval `bench.http_load` reports for the median of its rounds' ratios."""

import pytest
from bench.http_load import median_interval


@pytest.mark.parametrize(
    ("rounds", "ranks"),
    # Ranks of the distribution-free 95 % interval for a median, as tabulated in textbooks of
    # nonparametric statistics.
    [(6, (1, 6)), (10, (2, 9)), (20, (6, 15)), (40, (14, 27))],
)
def test_the_interval_is_the_order_statistics_of_the_tables(rounds, ranks):
    # Largest first, so that the interval must come from the sorted values, not their positions.
    values = [float(rounds - index) for index in range(rounds)]
    assert median_interval(values) == (float(ranks[0]), float(ranks[1]))


def test_too_few_rounds_give_no_interval():
    assert median_interval([0.9, 1.0, 1.1, 0.95, 0.92]) is None
