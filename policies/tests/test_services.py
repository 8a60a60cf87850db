import datetime as dt

import pytest

from policies.services import policy_term


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (dt.date(2026, 11, 27), dt.date(2027, 11, 26)),
        (dt.date(2026, 1, 1), dt.date(2026, 12, 31)),
        (dt.date(2027, 3, 1), dt.date(2028, 2, 29)),
        (dt.date(2028, 2, 29), dt.date(2029, 2, 28)),
        (dt.date(2027, 2, 28), dt.date(2028, 2, 27)),
    ],
)
def test_a_policy_runs_one_year_to_the_day_before_its_anniversary(start, end):
    assert policy_term(start) == (start, end)
