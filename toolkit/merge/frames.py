"""Column helpers of the merge: pandas/numpy work on whole columns, the same result as a loop over values.

Every helper treats ``None``, NaN, NaT and ``pd.NA`` alike (:func:`isna`), keeps the row
order, and does its per-value Python work only once per distinct value.
"""

from __future__ import annotations

from datetime import date, datetime
from itertools import repeat
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd


def isna(value: Any) -> bool:
    """True for None, NaN, NaT and ``pd.NA`` (a list-like is never missing)."""
    if value is None:
        return True
    import pandas as pd

    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # list-likes
        return False


def text(value: Any) -> str:
    """The value as stripped text; "" when missing."""
    return "" if isna(value) else str(value).strip()


def iso(value: Any) -> str | None:
    """A date as ``YYYY-MM-DD`` (None when missing); anything else as ``str``."""
    if isna(value):
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def col(df: "pd.DataFrame", key: str) -> "pd.Series":
    """Column ``key``, or an all-missing column when the table has none."""
    import pandas as pd

    if key in df.columns:
        return df[key]
    return pd.Series([pd.NA] * len(df), index=df.index, dtype=object)


def texts(series: "pd.Series") -> list[str]:
    """:func:`text` of every value (each distinct text stripped once)."""
    import numpy as np

    codes, uniques = factorize(series)
    if all(isinstance(u, str) for u in uniques):
        table = np.asarray([u.strip() for u in uniques] + [""], dtype=object)
        return table[codes].tolist()
    return [text(v) for v in series.tolist()]


def isos(series: "pd.Series") -> list[str | None]:
    """:func:`iso` of every value."""
    import numpy as np
    import pandas as pd

    if pd.api.types.is_datetime64_dtype(series.dtype):
        days = series.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")
        shown = np.datetime_as_string(days, unit="D").astype(object)
        ok = ~np.isnat(days) & (days >= np.datetime64("1000-01-01")) & (days <= np.datetime64("9999-12-31"))
        if ok.all():
            return shown.tolist()
        return [t if good else iso(v) for t, good, v in zip(shown.tolist(), ok.tolist(), series.tolist())]
    return [iso(v) for v in series.tolist()]


def floats(series: "pd.Series") -> list[float | None]:
    """``None if isna(v) else float(v)`` of every value."""
    import numpy as np

    if _numeric(series):
        values = series.to_numpy(dtype=np.float64, na_value=np.nan)
        return [None if v != v else v for v in values.tolist()]
    return [None if isna(v) else float(v) for v in series.tolist()]


def present_floats(series: "pd.Series") -> "tuple[Any, Any]":
    """(present mask, float64 values) of a numeric column; NA and NaN are not present."""
    import numpy as np

    if _numeric(series):
        values = series.to_numpy(dtype=np.float64, na_value=np.nan)
        return ~np.isnan(values), values
    present = np.asarray([not isna(v) for v in series.tolist()], dtype=bool)
    values = np.asarray([float(v) if ok else np.nan for v, ok in zip(series.tolist(), present.tolist())],
                        dtype=np.float64)
    return present, values


def progress_values(tasks: "pd.DataFrame") -> "Any":
    """The 完成进度 values present, in row order, as float64."""
    present, values = present_floats(col(tasks, "progress"))
    return values[present]


def _numeric(series: "pd.Series") -> bool:
    import pandas as pd

    dtype = series.dtype
    return pd.api.types.is_float_dtype(dtype) or (
        pd.api.types.is_integer_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype))


def mask(series: "pd.Series") -> "Any":
    """A boolean series (NA → False) as a numpy array."""
    return series.fillna(False).to_numpy(dtype=bool) if series.hasnans else series.to_numpy(dtype=bool)


def equal(series: "pd.Series", value: Any) -> "Any":
    """``series == value`` as a numpy boolean array (NA → False)."""
    return mask(series == value)


def factorize(series: "pd.Series") -> "tuple[Any, list[Any]]":
    """Codes (NA → len(uniques)) and the distinct values, in order of appearance."""
    import numpy as np
    import pandas as pd

    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    codes = np.asarray(codes, dtype=np.int64)
    uniques = list(uniques.tolist() if hasattr(uniques, "tolist") else uniques)
    codes = np.where(codes < 0, len(uniques), codes)
    return codes, uniques


def factorize_pairs(a: "pd.Series", b: "pd.Series") -> "tuple[Any, list[tuple[Any, Any]]]":
    """Codes of the (a, b) pairs and the distinct pairs (NA as None); the last code is unused."""
    import numpy as np
    import pandas as pd

    ca, ua = factorize(a)
    cb, ub = factorize(b)
    combined = ca * (len(ub) + 1) + cb
    codes, firsts = pd.factorize(combined)
    codes = np.asarray(codes, dtype=np.int64)
    ua_na, ub_na = ua + [None], ub + [None]
    pairs = [(ua_na[int(k) // (len(ub) + 1)], ub_na[int(k) % (len(ub) + 1)]) for k in np.asarray(firsts).tolist()]
    return codes, pairs


def ranks(keys: list[Any]) -> "Any":
    """Rank of each key in sorted order (equal keys share a rank)."""
    import numpy as np

    order = sorted(set(keys))
    rank = {k: i for i, k in enumerate(order)}
    return np.asarray([rank[k] for k in keys], dtype=np.int64)


def int_array(series: "pd.Series", missing: int = 0) -> "Any":
    """``int(v)`` per value (``missing`` for NA) as an int64 array."""
    import numpy as np
    import pandas as pd

    dtype = series.dtype
    if pd.api.types.is_integer_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
        if series.hasnans:
            series = series.fillna(missing)
        return series.to_numpy(dtype=np.int64)
    if pd.api.types.is_float_dtype(dtype):
        values = series.to_numpy(dtype=np.float64, na_value=np.nan)
        nan = np.isnan(values)
        if np.isfinite(values[~nan]).all():
            return np.where(nan, missing, np.trunc(np.where(nan, 0.0, values)).astype(np.int64))
    # anything else: exactly as int() does it (and fails where int() fails)
    return np.asarray([missing if isna(v) else int(v) for v in series.tolist()], dtype=np.int64)


def positions(keys: "Any", wanted: "Any") -> "Any":
    """The position in ``keys`` of each value of ``wanted`` (−1 when absent; of duplicate keys the last),
    one hash lookup per row (a dict: ten times pandas' Index at city scale). Use with :func:`take_at` for
    each column keyed the same way. Keys are values that equal themselves (编号, codes: never NaN)."""
    import numpy as np

    at = dict(zip(keys, range(len(keys))))  # of duplicate keys the last
    wanted = np.asarray(wanted, dtype=object)
    return np.fromiter(map(at.get, wanted.tolist(), repeat(-1)), dtype=np.intp, count=len(wanted))


def take_at(values: "Any", where: "Any") -> "Any":
    """``values[p]`` for each position of ``where`` (:func:`positions`) as an object array; None at −1."""
    import numpy as np

    table = np.append(np.asarray(list(values), dtype=object), np.asarray([None], dtype=object))
    return table[where]


def lookup(keys: "Any", values: "Any", wanted: "Any") -> "Any":
    """``values[keys.index(w)]`` for each ``w`` of ``wanted`` as an object array (None when absent;
    of duplicate keys the last wins)."""
    return take_at(values, positions(keys, wanted))
