"""Case 7 of the benchmark: a lecture with 100 formulas, built cold and warm (formula cache)."""

from __future__ import annotations

from pathlib import Path

# Formulas a lecture on optimisation uses; each appears with its own index so none repeat.
TEMPLATES = (
    r"\theta_{{t+{i}}} = \theta_t - \eta \nabla_\theta L(\theta_t)",
    r"L_{{{i}}}(\theta) = \frac{{1}}{{n}} \sum_{{j=1}}^{{n}} (y_j - \theta^T x_j)^{{{i}}}",
    r"\int_0^{{{i}}} e^{{-x}}\, dx",
    r"A_{{{i}}} = \begin{{pmatrix}} a & b \\ c & {i} \end{{pmatrix}}",
    r"f_{{{i}}}(x) = \begin{{cases}} x^2 & \text{{if }} x \ge {i} \\ -x & \text{{otherwise}} "
    r"\end{{cases}}",
)


def write_math_lecture(root: Path, formulas: int = 100) -> Path:
    """Write a one-article project whose lecture holds ``formulas`` formulas; return ``root``."""
    (root / "source").mkdir(parents=True, exist_ok=True)
    (root / "source/folio.yaml").write_text("site_title: Bench\nlang: en\n", "utf-8")
    parts = ["---\ntitle: A Hundred Formulas\nlang: en\n---\n"]
    for i in range(formulas):
        tex = TEMPLATES[i % len(TEMPLATES)].format(i=i)
        if i % 10 == 0:
            parts.append(f"\n# Section {i // 10 + 1}\n")
        # Every other formula is display math, the rest sit inline in a sentence.
        parts.append(f"\n$${tex}$$\n" if i % 2 else f"\nStep {i} uses ${tex}$ as shown.\n")
    (root / "source/lecture.md").write_text("".join(parts), "utf-8")
    return root
