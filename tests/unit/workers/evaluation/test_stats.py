"""The probe's statistics against published t-table values and a hand-worked Holm correction."""

from __future__ import annotations

import pytest

from workers.evaluation.stats import holm, paired_t, t_quantile, t_two_sided_p


@pytest.mark.parametrize(
    ("t", "df", "p"),
    [(2.306, 8, 0.05), (3.355, 8, 0.01), (2.228, 10, 0.05), (1.96, 10**6, 0.05), (2.0, 10, 0.0734)],
)
def test_two_sided_p_matches_the_t_table(t: float, df: int, p: float) -> None:
    assert t_two_sided_p(t, df) == pytest.approx(p, abs=6e-4)


def test_quantiles_match_the_t_table() -> None:
    assert t_quantile(0.975, 7) == pytest.approx(2.3646, abs=1e-3)
    assert t_quantile(0.975, 30) == pytest.approx(2.0423, abs=1e-3)


def test_paired_t_by_hand() -> None:
    # differences 1, 2, 3: mean 2, sd 1, se 1/sqrt(3), t = 3.464 with 2 df → p = 0.0742.
    result = paired_t([1.0, 2.0, 3.0])
    assert result.n == 3 and result.mean == 2.0
    assert result.p_value == pytest.approx(0.0742, abs=5e-4)
    assert result.ci_low == pytest.approx(2 - 4.3027 / 3**0.5, abs=1e-3)
    assert paired_t([0.0, 0.0]).p_value == 1.0
    assert paired_t([0.03, 0.03, 0.03]).p_value == 0.0
    assert paired_t([0.5]).p_value == 1.0


def test_holm_by_hand() -> None:
    assert holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    assert holm([]) == []
