"""fixest-style formulas: ``"y ~ x1 + x2 | county + year"`` and ``"y ~ w | fe | d ~ z1 + z2"``.

The part before the first ``|`` is a Wilkinson formula evaluated by formulaic. Absorbed fixed
effects follow ``|`` as column names joined by ``+``; ``a^b`` absorbs the interaction. An
instrumental-variables part ``endog ~ instruments`` comes last.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from countyeconomy.errors import FormulaError

__all__ = ["ParsedFormula", "formula_columns", "parse_formula"]

_ANSI = re.compile(r"\x1b\[[0-9;]*m|⧛|⧚")
_NAME = re.compile(r"^[A-Za-z_\u4e00-\u9fff][\w.\u4e00-\u9fff]*$")


@dataclass(frozen=True)
class ParsedFormula:
    """The parts of a model formula.

    Attributes
    ----------
    text
        The formula as written.
    outcome
        Left-hand side expression.
    rhs
        Exogenous right-hand side (formulaic syntax); ``"1"`` when only a constant.
    fixed_effects
        One tuple of column names per absorbed term (``("province", "year")`` for
        ``province^year``).
    endogenous, instruments
        The IV part, or ``None``.
    """

    text: str
    outcome: str
    rhs: str
    fixed_effects: tuple[tuple[str, ...], ...]
    endogenous: str | None = None
    instruments: str | None = None


def _fail(text: str, pos: int, why: str) -> FormulaError:
    marker = " " * pos + "^"
    return FormulaError(f"cannot parse formula at position {pos}: {why}\n  {text}\n  {marker}")


def _split_top(text: str, sep: str) -> list[tuple[int, str]]:
    """Split on ``sep`` outside parentheses; returns (start offset, piece) pairs."""
    pieces: list[tuple[int, str]] = []
    depth = 0
    start = 0
    for i, ch in enumerate(text):
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
            if depth < 0:
                raise _fail(text, i, f"unmatched {ch!r}")
        elif ch == sep and depth == 0:
            pieces.append((start, text[start:i]))
            start = i + 1
    if depth != 0:
        raise _fail(text, len(text), "a parenthesis is not closed")
    pieces.append((start, text[start:]))
    return pieces


def _check_formulaic(text: str, offset: int, part: str) -> None:
    from formulaic import Formula
    from formulaic.errors import FormulaicError

    try:
        Formula(part)
    except FormulaicError as exc:
        msg = _ANSI.sub("", str(exc)).strip().splitlines()[0]
        raise _fail(text, offset, f"{msg} (in {part.strip()!r})") from None


def _parse_two_sided(text: str, offset: int, part: str, what: str) -> tuple[str, str]:
    sides = _split_top(part, "~")
    if len(sides) != 2:
        pos = offset + (sides[2][0] - 1 if len(sides) > 2 else len(part.rstrip()))
        raise _fail(text, pos, f"the {what} needs exactly one '~' (outcome ~ regressors)")
    lhs, rhs = sides[0][1].strip(), sides[1][1].strip()
    if not lhs:
        raise _fail(text, offset, f"the {what} has nothing left of '~'")
    if not rhs:
        raise _fail(text, offset + sides[1][0], f"the {what} has nothing right of '~'")
    _check_formulaic(text, offset, f"{lhs} ~ {rhs}")
    return lhs, rhs


def _parse_fixed_effects(text: str, offset: int, part: str) -> tuple[tuple[str, ...], ...]:
    terms: list[tuple[str, ...]] = []
    if part.strip() in ("0", ""):
        if not part.strip():
            raise _fail(text, offset, "empty fixed-effects part after '|'")
        return ()
    for start, term in _split_top(part, "+"):
        names = tuple(n.strip() for n in term.split("^"))
        for name in names:
            if not _NAME.match(name):
                pos = offset + start + max(term.find(name), 0)
                raise _fail(
                    text,
                    pos,
                    f"fixed effects must be column names joined by '+' (interactions with '^'), "
                    f"got {term.strip()!r}",
                )
        terms.append(names)
    return tuple(terms)


def parse_formula(text: str) -> ParsedFormula:
    """Parse a fixest-style formula; errors mark the position of the problem.

    Examples
    --------
    >>> from countyeconomy.estimators._formula import parse_formula
    >>> f = parse_formula("lemp ~ post + lpop | county + province^year")
    >>> f.fixed_effects
    (('county',), ('province', 'year'))
    """
    if not isinstance(text, str) or not text.strip():
        raise FormulaError(f"formula must be a non-empty string, got {text!r}.")
    parts = _split_top(text, "|")
    if len(parts) > 3:
        raise _fail(text, parts[3][0] - 1, "at most three parts: 'y ~ x | fixed effects | d ~ z'")
    offset, main = parts[0]
    outcome, rhs = _parse_two_sided(text, offset, main, "model")
    fes: tuple[tuple[str, ...], ...] = ()
    endog = instr = None
    rest = parts[1:]
    if rest and "~" in rest[-1][1]:
        iv_off, iv_part = rest.pop()
        endog, instr = _parse_two_sided(text, iv_off, iv_part, "instrumental-variables part")
    if len(rest) > 1:
        raise _fail(text, rest[1][0] - 1, "the third part must be 'endogenous ~ instruments'")
    if rest:
        fes = _parse_fixed_effects(text, rest[0][0], rest[0][1])
    return ParsedFormula(text, outcome, rhs, fes, endog, instr)


def formula_columns(expr: str) -> set[str]:
    """Column names an expression needs (formulaic's value variables)."""
    from formulaic import Formula

    formula = Formula(expr)
    return {str(v) for v in formula.required_variables if "value" in {r.value for r in v.roles}}
