"""How the CLI and the studio write a share as a percentage and seconds as a clock: one function each.

``format_percent(0.253)`` -> ``'25.3 %'``; ``format_time(3725)`` -> ``'1:02:05'``. Both write ``missing``
(default ``'–'``) for ``None``, NaN or anything that is not a number, so a table never shows ``nan %``.
"""
from __future__ import annotations

import math
import numbers

MISSING = "–"


def _number(value) -> float | None:
    """``value`` as a finite float, or ``None`` (``None``, NaN, infinity, text, ...)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def format_percent(value, decimals: int = 1, *, unit: str = " %", sign: bool = False,
                   missing: str = MISSING) -> str:
    """A share (``0.25``) as a percentage (``'25.0 %'``) with ``decimals`` digits.

    ``unit``: written after the number (``'%'`` for no space, ``' pts'`` for a change in percentage points);
    ``sign``: ``'+'`` before a positive number (a change); ``missing``: what ``None``/NaN/non-numbers read as.
    """
    number = _number(value)
    if number is None:
        return missing
    return f"{100 * number:{'+' if sign else ''}.{max(0, int(decimals))}f}{unit}"


def format_time(seconds, decimals: int = 0, *, hours: bool = True, minute_digits: int = 1,
                missing: str = MISSING) -> str:
    """Seconds as ``m:ss`` (``h:mm:ss`` from one hour), with ``decimals`` digits of the second.

    With ``decimals`` > 0 the time is rounded to them first (59.96 s at one decimal is ``'1:00.0'``, never
    ``'0:60.0'``); with 0 the second is truncated (a clock shows 0:59 until the minute is full). ``hours=False``
    never rolls minutes into hours (``'75:00.000'``); ``minute_digits`` pads the minutes (2: ``'01:05'``).
    Negative times read as 0; ``None``/NaN read as ``missing``.
    """
    number = _number(seconds)
    if number is None:
        return missing
    decimals = max(0, int(decimals))
    scale = 10 ** decimals
    # whole units of 10**-decimals s (rounded; truncated at 0 decimals), so a minute never shows 60 seconds
    units = int(round(max(0.0, number) * scale)) if decimals > 0 else int(max(0.0, number))
    hour_count, rest = divmod(units, 3600 * scale) if hours else (0, units)
    minutes, secs = divmod(rest, 60 * scale)
    sec_text = f"{secs / scale:0{3 + decimals}.{decimals}f}" if decimals > 0 else f"{secs:02d}"
    if hour_count >= 1:
        return f"{int(hour_count)}:{int(minutes):02d}:{sec_text}"
    return f"{int(minutes):0{max(1, int(minute_digits))}d}:{sec_text}"


def count_noun(count: int, noun: str) -> str:
    """``"1 window"``, ``"2 windows"``: a count and its noun, plural where the count is not 1 (nouns with a plain s)."""
    return f"{count} {noun}{'' if count == 1 else 's'}"
