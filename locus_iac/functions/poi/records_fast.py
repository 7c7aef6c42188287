"""Vectorised fast path for parsing location records (100k-1M records).

:func:`columns_to_records` converts whole columns with numpy and returns None as soon as
anything is not plainly valid; the caller then runs the per-record parser of
:mod:`.records`, which finds and reports every problem. So the fast path never decides
that input is wrong: it only accepts input the slow path would accept identically
(numbers or numeric strings for coordinates; epoch numbers or ISO-8601 date-times without
a UTC offset, or with ``Z``, for timestamps).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

_EPOCH = np.datetime64(0, "us")


def _numbers(values: Sequence[object]) -> NDArray[np.float64] | None:
    if not set(map(type, values)) <= {int, float, str}:
        return None  # bools, None, nested values: let the slow path report them
    try:
        array = np.asarray(values, dtype=np.float64)
    except (ValueError, TypeError):
        return None
    return array if bool(np.isfinite(array).all()) else None


def _iso_times(values: Sequence[object]) -> NDArray[np.float64] | None:
    text = np.char.strip(np.asarray(values, dtype=np.str_))
    zulu = np.char.endswith(text, "Z")
    text = np.where(zulu, np.char.rstrip(text, "Z"), text)
    dated = (np.char.str_len(text) >= 10) & (np.char.find(text, "-") == 4)
    offset = (np.char.find(text, "+") >= 0) | (np.char.rfind(text, "-") > 7)
    if not bool(dated.all()) or bool(offset.any()):
        return None
    try:
        moments = np.asarray(text, dtype="datetime64[us]")
    except ValueError:
        return None
    if bool(np.isnat(moments).any()):
        return None
    seconds: NDArray[np.float64] = (moments - _EPOCH).astype(np.float64) / 1e6
    return seconds


def _timestamps(values: Sequence[object]) -> NDArray[np.float64] | None:
    kinds = set(map(type, values))
    if kinds <= {int, float}:
        return _numbers(values)
    if kinds != {str}:
        return None
    numeric = _numbers(values)
    return numeric if numeric is not None else _iso_times(values)


def _ue_ids(values: Sequence[object]) -> NDArray[np.str_] | None:
    if not set(map(type, values)) <= {str, int}:
        return None
    array = np.char.strip(np.asarray([str(v) for v in values], dtype=np.str_))
    return None if bool((array == "").any()) else array


def columns_to_records(
    ue: Sequence[object], ts: Sequence[object], lat: Sequence[object], lon: Sequence[object]
) -> tuple[NDArray[np.str_], NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]] | None:
    """Column arrays when every value is plainly valid, else None (use the slow path)."""
    if not ue:
        return None
    lat_a, lon_a = _numbers(lat), _numbers(lon)
    if lat_a is None or lon_a is None:
        return None
    if bool((np.abs(lat_a) > 90).any()) or bool((np.abs(lon_a) > 180).any()):
        return None
    t = _timestamps(ts)
    ue_a = _ue_ids(ue)
    if t is None or ue_a is None:
        return None
    return ue_a, t, lat_a, lon_a
