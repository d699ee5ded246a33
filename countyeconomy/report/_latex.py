"""LaTeX for a :class:`~countyeconomy.report.Table`: booktabs, caption, threeparttable notes."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from countyeconomy.report._paper import Table

__all__ = ["escape_latex", "render_latex"]

_SPECIAL = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "\u00b2": r"\textsuperscript{2}",
    "\u2212": "-",
    "\u2264": r"$\leq$",
    "\u2265": r"$\geq$",
    "\u00b1": r"$\pm$",
    "\u200b": "",
}
_PATTERN = re.compile("|".join(re.escape(k) for k in _SPECIAL))
_CJK = re.compile("[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]")


def escape_latex(text: object) -> str:
    r"""``text`` with every LaTeX special character escaped.

    >>> escape_latex("province^year FE, 5% & _x #1 $")
    'province\\textasciicircum{}year FE, 5\\% \\& \\_x \\#1 \\$'
    """
    return _PATTERN.sub(lambda m: _SPECIAL[m.group(0)], str(text))


def render_latex(table: Table, *, caption: str, label: str, standalone: bool) -> str:
    """The ``table`` environment (or a whole document) for ``table``."""
    cols = [str(c) for c in table.body.columns]
    ncol = len(cols)
    lines = [
        "\\begin{table}[htbp]",
        "\\centering",
        "\\begin{threeparttable}",
        f"\\caption{{{escape_latex(caption)}}}",
    ]
    if label:
        lines.append(f"\\label{{{_label_key(label)}}}")
    lines += [
        f"\\begin{{tabular}}{{l{'c' * ncol}}}",
        "\\toprule",
        " & " + " & ".join(escape_latex(c) for c in cols) + " \\\\",
        "\\midrule",
    ]
    previous = "body"
    for text, cells, part in table.rows():
        if part == "footer" and previous != "footer":
            lines.append("\\midrule")
        previous = part
        if part == "section":
            lines.append(
                f"\\multicolumn{{{ncol + 1}}}{{l}}{{\\textit{{{escape_latex(text)}}}}} \\\\"
            )
            continue
        lines.append(
            escape_latex(text) + " & " + " & ".join(escape_latex(c) for c in cells) + " \\\\"
        )
    lines += ["\\bottomrule", "\\end{tabular}"]
    if table.notes:
        lines += ["\\begin{tablenotes}[flushleft]", "\\footnotesize"]
        lines += [f"\\item {escape_latex(n)}" for n in table.notes]
        lines.append("\\end{tablenotes}")
    lines += ["\\end{threeparttable}", "\\end{table}"]
    body = "\n".join(lines)
    if not standalone:
        return body
    cjk = bool(_CJK.search(body))
    preamble = [
        "\\documentclass{ctexart}" if cjk else "\\documentclass{article}",
        *([] if cjk else ["\\usepackage[utf8]{inputenc}", "\\usepackage[T1]{fontenc}"]),
        "\\usepackage{booktabs}",
        "\\usepackage{threeparttable}",
        "\\begin{document}",
    ]
    return "\n".join([*preamble, body, "\\end{document}", ""])


def _label_key(label: str) -> str:
    """A ``\\label`` key: characters other than letters, digits and ``:-.`` become ``-``."""
    return re.sub(r"[^A-Za-z0-9:.\-]", "-", label)
