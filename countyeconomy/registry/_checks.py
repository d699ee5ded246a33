"""Validation of county codes and years, with errors that say what is valid."""

from __future__ import annotations

from countyeconomy.errors import RegistryError
from countyeconomy.registry._areacodes import FIRST_YEAR, LAST_YEAR

__all__ = ["check_code", "check_year", "normalise_code"]


def normalise_code(code: object) -> str | None:
    """Six-character string form of ``code`` (``330112`` or ``"330112"``), or ``None`` if invalid."""
    if isinstance(code, bool):
        return None
    if isinstance(code, int):
        text = str(code)
    elif isinstance(code, str):
        text = code.strip()
    else:
        try:
            as_float = float(code)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return None
        if not as_float.is_integer():
            return None
        text = str(int(as_float))
    return text if len(text) == 6 and text.isdigit() else None


def check_code(code: object) -> str:
    """Return ``code`` as a six-digit string or raise :class:`RegistryError`."""
    text = normalise_code(code)
    if text is None:
        raise RegistryError(
            f"county code {code!r} is not a six-digit administrative-division code; "
            "valid codes look like '330112' (临安区) or 330112."
        )
    return text


def check_year(year: object, *, name: str = "year") -> int:
    """Return ``year`` as an int within the code history or raise :class:`RegistryError`."""
    if isinstance(year, bool) or not isinstance(year, int):
        try:
            ok = float(year).is_integer()  # type: ignore[arg-type]
        except (TypeError, ValueError):
            ok = False
        if not ok:
            raise RegistryError(
                f"{name}={year!r} is not a whole year; valid years are {FIRST_YEAR}-{LAST_YEAR}."
            )
        year = int(float(year))  # type: ignore[arg-type]
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise RegistryError(
            f"{name}={year} is outside the code history; valid years are {FIRST_YEAR}-{LAST_YEAR}."
        )
    return year
