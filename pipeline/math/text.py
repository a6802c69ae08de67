"""MathML to linear Unicode text (``L(θ) = 1/n ∑ (yᵢ − θᵀxᵢ)²``), for slide bullets and notes."""
# ruff: noqa: RUF001, RUF002  (the tables below are Unicode look-alikes on purpose)

from __future__ import annotations

from lxml import etree

SUPERSCRIPTS = dict(zip("0123456789+-−=()niTt", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁻⁼⁽⁾ⁿⁱᵀᵗ", strict=True))
SUBSCRIPTS = dict(zip("0123456789+-−=()aeijklmnoprstuvx", "₀₁₂₃₄₅₆₇₈₉₊₋₋₌₍₎ₐₑᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ",
                      strict=True))
# Operators read with a space either side, as TeX sets relations and binary operators.
SPACED = set("=<>≤≥≠≈≡→←⇒⇔∈∉⊂⊆+−±×·∝∼")


def mathml_to_text(fragment: str) -> str:
    """Return one MathML island (``<math>…</math>``) as a line of Unicode text."""
    try:
        root = etree.fromstring(fragment.encode("utf-8"), etree.XMLParser(recover=True))
    except etree.XMLSyntaxError:
        return ""
    if root is None:
        return ""
    return " ".join(_linear(root).split())


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _linear(element: etree._Element) -> str:
    name = _local(element)
    kids = [k for k in element if _local(k) not in {"annotation", "annotation-xml", ""}]
    parts = [_linear(k) for k in kids]
    if name in {"mi", "mn", "mtext", "ms"}:
        return element.text or ""
    if name == "mo":
        # Function application and invisible times are for speech, not for the eye.
        text = (element.text or "").strip().strip("\u2061\u2062\u2063\u2064")
        return f" {text} " if text in SPACED else text
    if name == "mspace":
        return " "
    if name == "mfrac" and len(parts) == 2:
        return f"{_grouped(parts[0])}/{_grouped(parts[1])}"
    if name == "msqrt":
        return f"√{_grouped(''.join(parts))}"
    if name == "mroot" and len(parts) == 2:
        return f"{_script(parts[1], SUPERSCRIPTS, '^')}√{_grouped(parts[0])}"
    if name in {"msub", "munder"} and len(parts) == 2:
        return _under_over(kids[0], parts[0], parts[1], None, name == "munder")
    if name in {"msup", "mover"} and len(parts) == 2:
        return _under_over(kids[0], parts[0], None, parts[1], name == "mover")
    if name in {"msubsup", "munderover"} and len(parts) == 3:
        return _under_over(kids[0], parts[0], parts[1], parts[2], name == "munderover")
    if name == "mtable":
        return "; ".join(parts)
    if name == "mtr":
        return ", ".join(p.strip() for p in parts)
    return "".join(parts)


def _under_over(base_element: etree._Element, base: str, under: str | None, over: str | None,
                stacked: bool) -> str:
    # An accent over a single letter (x̂, θ̄, v⃗) is a combining character after it.
    accents = {"^": "\u0302", "ˆ": "\u0302", "~": "\u0303", "˜": "\u0303", "¯": "\u0304",
               "‾": "\u0305", "→": "\u20d7", "⃗": "\u20d7", ".": "\u0307", "˙": "\u0307",
               "¨": "\u0308", "ˇ": "\u030c"}
    if stacked and under is None and over and over.strip() in accents and len(base) == 1:
        return base + accents[over.strip()]
    if stacked and over and over.strip() in {"⏞", "︷"}:
        return base
    if stacked and under and under.strip() in {"⏟", "︸"}:
        return base
    text = base if len(base) == 1 or _local(base_element) in {"mi", "mn", "mo"} \
        else _grouped(base)
    if under is not None:
        text += _script(under, SUBSCRIPTS, "_")
    if over is not None:
        text += _script(over, SUPERSCRIPTS, "^")
    return text


def _script(text: str, table: dict[str, str], marker: str) -> str:
    """Return a script in Unicode sub- or superscript letters, else ``_(…)`` / ``^(…)``."""
    text = text.strip()
    if text and all(c in table for c in text.replace(" ", "")):
        return "".join(table[c] for c in text.replace(" ", ""))
    return f"{marker}{_grouped(text)}"


def _grouped(text: str) -> str:
    text = text.strip()
    if len(text) <= 1 or text.isalnum() or (text[0] in "([{" and text[-1] in ")]}"):
        return text
    return f"({text})"
