"""Numbers for people: 6.74 billion, 13.5 GB (12.6 GiB), 8.09 × 10²² FLOPs.

GB here is 10⁹ bytes and GiB is 2³⁰ bytes (7.4% more); tools and vendors use both under the name
"GB" (a "24 GB" GPU holds 24 GiB), so both are shown and the two never get confused.
"""

from __future__ import annotations

import math

# A value within rounding of the next unit is shown in it: 999,885,952 is "1B", not "1e+03M".
_ROUNDS_UP = 1 - 5e-4


def commas(n: int | float) -> str:
    """124439808 → 124,439,808 (floats that are whole numbers print as ints)."""
    if isinstance(n, float) and n.is_integer():
        n = int(n)
    return f"{n:,}"


def words(n: int | float) -> str:
    """6738415616 → 6.74 billion; 109386 → 109,386 (small counts stay exact)."""
    n = float(n)
    for size, name in ((1e12, "trillion"), (1e9, "billion"), (1e6, "million")):
        if abs(n) >= size * _ROUNDS_UP:
            return f"{n / size:.3g} {name}"
    return commas(int(n)) if n.is_integer() else f"{n:g}"


def short(n: int | float) -> str:
    """6738415616 → 6.74B, 124439808 → 124M, 2e12 → 2T."""
    n = float(n)
    for size, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")):
        if abs(n) >= size * _ROUNDS_UP:
            return f"{n / size:.3g}{suffix}"
    return f"{n:g}"


def gb(n_bytes: int | float) -> str:
    """Bytes in GB (10⁹) with GiB (2³⁰) alongside; small sizes in MB or bytes."""
    b = float(n_bytes)
    if b >= 1e9:
        return f"{b / 1e9:,.2f} GB ({b / 2**30:,.2f} GiB)"
    if b >= 1e6:
        return f"{b / 1e6:,.2f} MB ({b / 2**20:,.2f} MiB)"
    if b >= 1e3:
        return f"{commas(b)} bytes ({b / 2**10:,.2f} KiB)"
    return f"{commas(b)} bytes"


def size(n_bytes: int | float) -> str:
    """A headline size with three significant figures: 6.5 GB, 13.5 GB, 108 GB, 1,340 GB, 21 MB."""
    b = float(n_bytes)
    if b >= 1e12:
        return f"{float(f'{b / 1e12:.3g}'):g} TB ({b / 1e9:,.0f} GB)"
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("KB", 1e3)):
        if b >= scale:
            x = b / scale
            if x >= 100:
                return f"{x:,.0f} {unit}"
            return f"{float(f'{x:.3g}'):g} {unit}"
    return f"{b:,.0f} bytes"


def sci(x: int | float) -> str:
    """8.0861e22 → 8.09 × 10^22 (plain numbers below a million)."""
    x = float(x)
    if x == 0:
        return "0"
    if abs(x) < 1e6:
        return commas(x) if x.is_integer() else f"{x:g}"
    exp = int(math.floor(math.log10(abs(x))))
    mant = x / 10**exp
    if round(mant, 2) >= 10:
        mant, exp = mant / 10, exp + 1
    return f"{mant:.3g} × 10^{exp}"
