"""Small Word packages written with zipfile, shaped like the real documents they stand for."""

from __future__ import annotations

import zipfile
from pathlib import Path

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
MAIN_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
CORE_TYPE = "application/vnd.openxmlformats-package.core-properties+xml"
STYLES = (f'<w:styles xmlns:w="{W}"><w:style w:type="paragraph" w:styleId="Title">'
          '<w:name w:val="Title"/></w:style><w:style w:type="paragraph" w:styleId="Heading1">'
          '<w:name w:val="heading 1"/></w:style><w:style w:type="paragraph" w:styleId="Subtitle">'
          '<w:name w:val="Subtitle"/></w:style><w:style w:type="paragraph" w:styleId="Heading4">'
          '<w:name w:val="heading 4"/></w:style></w:styles>')


def para(text: str, style: str | None = None) -> str:
    """Return a paragraph of one run, in the paragraph style ``style`` if given."""
    props = f'<w:pPr><w:pStyle w:val="{style}"/></w:pPr>' if style else ""
    return f'<w:p>{props}<w:r><w:t xml:space="preserve">{text}</w:t></w:r></w:p>'


def image_para(rel_id: str, alt: str) -> str:
    """Return a paragraph holding an inline picture whose bytes the relationship names."""
    return (
        '<w:p><w:r><w:drawing><wp:inline xmlns:wp="http://schemas.openxmlformats.org/'
        'drawingml/2006/wordprocessingDrawing"><wp:extent cx="914400" cy="914400"/>'
        f'<wp:docPr id="1" name="Picture 1" descr="{alt}"/>'
        '<a:graphic xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main">'
        '<a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture">'
        '<pic:pic xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture">'
        f'<pic:nvPicPr><pic:cNvPr id="0" name="p"/><pic:cNvPicPr/></pic:nvPicPr>'
        f'<pic:blipFill><a:blip r:embed="{rel_id}"/></pic:blipFill><pic:spPr/></pic:pic>'
        '</a:graphicData></a:graphic></wp:inline></w:drawing></w:r></w:p>')


def write_docx(path: Path, body: str, *, title: str | None = None,
               media: dict[str, bytes] | None = None, core: str = "") -> Path:
    """Write a .docx whose body is ``body`` (WordprocessingML), with a core title and media.

    ``media`` maps a file name under word/media/ to its bytes; each is the relationship
    ``rId<n>`` (from 1, in order), as Word numbers them. ``core`` is more of the core
    properties' XML (prefixes cp and dc).
    """
    media = media or {}
    path.parent.mkdir(parents=True, exist_ok=True)
    types = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats'
             '.org/package/2006/content-types"><Default Extension="rels" ContentType="'
             'application/vnd.openxmlformats-package.relationships+xml"/><Default Extension='
             '"xml" ContentType="application/xml"/>'
             + "".join(f'<Default Extension="{name.rsplit(".", 1)[-1]}" '
                       'ContentType="application/octet-stream"/>'
                       for name in sorted({n.rsplit(".", 1)[-1]: n for n in media}.values()))
             + f'<Override PartName="/word/document.xml" ContentType="{MAIN_TYPE}"/>'
             f'<Override PartName="/docProps/core.xml" ContentType="{CORE_TYPE}"/></Types>')
    rels = (f'<Relationships xmlns="{PACKAGE_RELS}"><Relationship Id="rId1" Type="{R}/'
            'officeDocument" Target="word/document.xml"/><Relationship Id="rId2" Type="'
            'http://schemas.openxmlformats.org/package/2006/relationships/metadata/'
            'core-properties" Target="docProps/core.xml"/></Relationships>')
    doc_rels = (f'<Relationships xmlns="{PACKAGE_RELS}">'
                + "".join(f'<Relationship Id="rId{n}" Type="{R}/image" Target="media/{name}"/>'
                          for n, name in enumerate(media, 1))
                + f'<Relationship Id="rId{len(media) + 1}" Type="{R}/styles" '
                'Target="styles.xml"/></Relationships>')
    core = ('<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/'
            'metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/">'
            + (f"<dc:title>{title}</dc:title>" if title else "") + core + "</cp:coreProperties>")
    document = (f'<w:document xmlns:w="{W}" xmlns:r="{R}"><w:body>{body}</w:body>'
                '</w:document>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", types)
        package.writestr("_rels/.rels", rels)
        package.writestr("word/document.xml", document)
        package.writestr("word/_rels/document.xml.rels", doc_rels)
        package.writestr("word/styles.xml", STYLES)
        package.writestr("docProps/core.xml", core)
        for name, data in media.items():
            package.writestr(f"word/media/{name}", data)
    return path
