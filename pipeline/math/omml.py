"""TeX to Office Math (OMML), through pandoc's docx writer, for native equations in PPTX."""

from __future__ import annotations

import io
import subprocess
import zipfile

from lxml import etree

from pipeline.pandoc import pandoc_command

M_NS = "http://schemas.openxmlformats.org/officeDocument/2006/math"
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def omml(texs: list[str]) -> list[etree._Element | None]:
    """Return an ``m:oMathPara`` for each display formula, from one pandoc run for them all."""
    if not texs:
        return []
    # One paragraph per formula, so the n-th paragraph of the document is the n-th formula.
    source = "\n\n".join(f"$${' '.join(tex.split())}$$" for tex in texs)
    done = subprocess.run([*pandoc_command(), "--from=markdown", "--to=docx", "--output=-"],
                          input=source.encode("utf-8"), capture_output=True, check=False)
    if done.returncode != 0:
        return [None] * len(texs)
    with zipfile.ZipFile(io.BytesIO(done.stdout)) as docx:
        document = etree.fromstring(docx.read("word/document.xml"))
    paragraphs = document.findall(f"{{{W_NS}}}body/{{{W_NS}}}p")
    found = [p.find(f"{{{M_NS}}}oMathPara") for p in paragraphs]
    return found if len(found) == len(texs) else [None] * len(texs)
