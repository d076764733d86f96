"""One percentage formatter and one time formatter for the CLI and the studio (core_model.formatting).

Each case names the formatter it replaces and pins that formatter's current output."""
import math

import numpy as np
import pytest

from core_model.formatting import format_percent, format_time


@pytest.mark.parametrize("value, kwargs, text", [
    # app/training/what_changed.py _pct: one decimal, '–' when missing or NaN
    (0.25, {}, "25.0 %"), (0.7, {}, "70.0 %"), (None, {}, "–"), (math.nan, {}, "–"), (1.0, {}, "100.0 %"),
    # app/training/finetune_dialog.py _pct: no decimal, '–' for anything not a number
    (0.834, {"decimals": 0}, "83 %"), (None, {"decimals": 0}, "–"), ("n/a", {"decimals": 0}, "–"),
    (1, {"decimals": 0}, "100 %"),
    # app/review/agreement_panel.py _pct: one decimal, em dash for NaN
    (0.5, {"missing": "—"}, "50.0 %"), (math.nan, {"missing": "—"}, "—"),
    # core_model/review/queue.py _pct: no decimal
    (0.5, {"decimals": 0}, "50 %"), (0.995, {"decimals": 0}, "100 %"), (np.float32(0.61), {"decimals": 0}, "61 %"),
    # inline labels_panel / timeline_items / inspector: no space before the sign
    (0.42, {"decimals": 0, "unit": "%"}, "42%"),
    # app/training/what_changed.py _delta: a change in percentage points, with its sign
    (0.45, {"sign": True, "unit": " pts"}, "+45.0 pts"), (-0.031, {"sign": True, "unit": " pts"}, "-3.1 pts"),
    (0.0, {"sign": True, "unit": " pts"}, "+0.0 pts"),
    # numpy scalars are numbers; infinity is no share
    (np.float64(0.125), {}, "12.5 %"), (math.inf, {}, "–"),
])
def test_format_percent(value, kwargs, text):
    assert format_percent(value, **kwargs) == text


@pytest.mark.parametrize("seconds, kwargs, text", [
    # app/timeline/timeline_data.py format_time: m:ss, h:mm:ss from one hour, decimals of the second
    (59.96, {"decimals": 1}, "1:00.0"), (3725, {}, "1:02:05"), (0, {}, "0:00"), (65.7, {}, "1:05"),
    (-3, {}, "0:00"), (12.345, {"decimals": 3}, "0:12.345"), (3600.04, {"decimals": 1}, "1:00:00.0"),
    # app/training/what_changed.py _time: mm:ss.sss, minutes never rolled into hours
    (2.0, {"decimals": 3, "minute_digits": 2, "hours": False}, "00:02.000"),
    (4500.5, {"decimals": 3, "minute_digits": 2, "hours": False}, "75:00.500"),
    (59.9996, {"decimals": 3, "minute_digits": 2, "hours": False}, "01:00.000"),  # was '00:60.000'
    # app/labeling/person_list.py _clock: m:ss.s without hours
    (65.25, {"decimals": 1, "hours": False}, "1:05.2"), (3725.0, {"decimals": 1, "hours": False}, "62:05.0"),
    (119.97, {"decimals": 1, "hours": False}, "2:00.0"),  # was '1:60.0'
    # missing
    (None, {}, "–"), (math.nan, {"missing": "?"}, "?"),
])
def test_format_time(seconds, kwargs, text):
    assert format_time(seconds, **kwargs) == text


@pytest.mark.parametrize("seconds, text", [(None, "estimating…"), (9.2, "~9 s left"), (75, "~1:15 left"),
                                           (59.6, "~1:00 left"), (3725.4, "~1:02:05 left")])
def test_eta_text_is_built_on_format_time(seconds, text):
    """app/common/eta.py format_eta keeps its wording; its clock part is format_time of the rounded seconds."""
    def eta(s):
        if s is None:
            return "estimating…"
        s = int(round(s))
        return f"~{s} s left" if s < 60 else f"~{format_time(s)} left"

    assert eta(seconds) == text


def test_a_count_and_its_noun_are_plural_except_for_one():
    from core_model.formatting import count_noun

    assert [count_noun(n, "window") for n in (0, 1, 2)] == ["0 windows", "1 window", "2 windows"]
