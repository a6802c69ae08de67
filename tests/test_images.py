"""Images and media: checked once by their bytes, refused ones left out everywhere, SVG cleaned."""

from __future__ import annotations

import base64
import io
import re
import struct
import subprocess
import zipfile
import zlib
from pathlib import Path

import pytest
from lxml import etree, html
from PIL import Image
from pptx import Presentation
from pypdf import PdfReader

from pipeline import images
from pipeline.images import MAX_PIXELS, Unusable, clean_svg, inspect
from tests.conftest import article, pdf_figure_alts, require_tool
from tests.test_epub import epubcheck_problems
from tests.test_html import vnu_errors

SVG = "http://www.w3.org/2000/svg"
XHTML = {"x": "http://www.w3.org/1999/xhtml"}
OPF = {"opf": "http://www.idpf.org/2007/opf"}
PASSWD = Path("/etc/passwd")
# An SVG that would carry /etc/passwd into whatever outputs expand its entity.
ENTITY_SVG = (b'<?xml version="1.0"?>\n<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
              b'<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20">'
              b"<text y=\"15\">&x;</text></svg>")
HOSTILE_SVG = (
    b'<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
    b'"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n'
    b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
    b'width="60" height="30" onload="alert(1)">'
    b"<script>alert(2)</script>"
    b"<style>@import url(http://evil.example/a.css); .a { fill: url(#g) } "
    b".b { fill: url(http://evil.example/p.svg#x) }</style>"
    b'<defs><linearGradient id="g"><stop offset="0" stop-color="red"/></linearGradient></defs>'
    b'<foreignObject width="10" height="10"><div xmlns="http://www.w3.org/1999/xhtml">'
    b"SMUGGLED</div></foreignObject>"
    b'<image xlink:href="file:///etc/hostname" width="5" height="5"/>'
    b'<image href="data:image/png;base64,iVBORw0KGgo=" width="5" height="5"/>'
    b'<use xlink:href="#r"/>'
    b'<a href="javascript:alert(3)"><rect id="r" class="a" width="60" height="30" '
    b'onclick="alert(4)" filter="url(https://evil.example/f.svg#f)" '
    b'style="stroke: url(file:///etc/passwd)"/></a>'
    b'<set attributeName="href" to="javascript:alert(5)"/>'
    b"</svg>")


def png(seed: int, size: tuple[int, int] = (120, 80)) -> bytes:
    """Return a real PNG whose content is unique to ``seed`` (results are kept per content)."""
    buffer = io.BytesIO()
    Image.new("RGB", size, (seed % 256, seed // 256 % 256, 200)).save(buffer, "PNG")
    return buffer.getvalue()


def jpeg(seed: int) -> bytes:
    """Return a real JPEG unique to ``seed``."""
    buffer = io.BytesIO()
    Image.new("RGB", (90, 60), (200, seed % 256, seed // 256 % 256)).save(buffer, "JPEG")
    return buffer.getvalue()


def noise_jpeg() -> bytes:
    """Return a JPEG of a stripe pattern: most of its bytes are pixel data, after the header."""
    buffer = io.BytesIO()
    image = Image.new("RGB", (200, 200))
    image.putdata([((x * 37) % 256, (y * 91) % 256, (x * y) % 256)
                   for y in range(200) for x in range(200)])
    image.save(buffer, "JPEG")
    return buffer.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """Return a small PNG file whose header claims ``width`` x ``height`` pixels (a bomb)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\0" * 1000)) + chunk(b"IEND", b""))


def all_output_bytes(build: Path) -> bytes:
    """Return every output file's bytes, the members of EPUB and PPTX zips unpacked."""
    parts = []
    for path in sorted(build.rglob("*")):
        if not path.is_file() or ".folio" in path.parts:
            continue
        data = path.read_bytes()
        if path.suffix in {".epub", ".pptx"}:
            with zipfile.ZipFile(path) as archive:
                parts += [archive.read(name) for name in archive.namelist()]
        elif path.suffix == ".pdf":
            parts += [data] + [page.extract_text().encode() for page in PdfReader(path).pages]
        else:
            parts.append(data)
    return b"\n".join(parts)


def epub_chapter(path: Path) -> etree._Element:
    """Return the parsed first chapter of the ebook at ``path``."""
    with zipfile.ZipFile(path) as archive:
        name = next(n for n in archive.namelist() if "chapter-" in n)
        return etree.fromstring(archive.read(name))


def epub_manifest(path: Path) -> dict[str, str]:
    """Return the ebook's manifest: href -> media type."""
    with zipfile.ZipFile(path) as archive:
        opf = etree.fromstring(archive.read(next(n for n in archive.namelist()
                                                 if n.endswith(".opf"))))
    return {item.get("href"): item.get("media-type")
            for item in opf.iterfind(".//opf:manifest/opf:item", OPF)}


def pptx_text(path: Path) -> str:
    """Return all text of the deck's slides."""
    return "\n".join(shape.text_frame.text for slide in Presentation(str(path)).slides
                     for shape in slide.shapes if shape.has_text_frame)


def pdf_text(path: Path) -> str:
    """Return the text of every page of the PDF at ``path``."""
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


# What a file is, by its bytes


def test_raster_images_are_typed_by_their_bytes_not_their_name():
    found = inspect(jpeg(1), ".png")
    assert (found.kind, found.media_type, found.width, found.height) == (
        "image", "image/jpeg", 90, 60)
    assert inspect(png(1), ".jpg").media_type == "image/png"


@pytest.mark.parametrize(("data", "reason"), [
    (b"", "is an empty file"),
    (bytes(range(256)) * 8, "is not an image"),
    (png(2)[:120], "is a damaged PNG image"),
    (jpeg(2)[:300], "is a damaged image"),  # cut inside its header
    (noise_jpeg()[: len(noise_jpeg()) // 2], "is a damaged JPEG image"),
    (png_claiming(10_000, 10_000), "is too large (10000 x 10000 pixels, over"),
    # Beyond Pillow's own bomb error too:
    (png_claiming(40_000, 40_000), "is too large (1600 megapixels, over the limit of 50 "
                                   "megapixels)"),
    (b"<svg xmlns='http://www.w3.org/2000/svg'><g></svg>", "is a malformed SVG"),
    (ENTITY_SVG, "is an SVG that declares XML entities"),
    (b"<?xml version='1.0'?><svg><rect/></svg>", "is not an SVG image"),
])
def test_unusable_files_are_refused_with_a_reason(data, reason):
    with pytest.raises(Unusable) as refused:
        inspect(data, ".png")
    assert refused.value.reason.startswith(reason)


def test_a_truncated_jpeg_is_refused_after_weasyprint_relaxed_pillow():
    import weasyprint  # noqa: F401 - it sets ImageFile.LOAD_TRUNCATED_IMAGES on import
    from PIL import ImageFile

    assert ImageFile.LOAD_TRUNCATED_IMAGES
    with pytest.raises(Unusable, match="is a damaged JPEG image"):
        inspect(noise_jpeg()[:5000], ".jpg")
    assert ImageFile.LOAD_TRUNCATED_IMAGES  # WeasyPrint's setting is left as it was


def test_the_pixel_limit_is_fifty_megapixels():
    assert MAX_PIXELS == 50_000_000
    with pytest.raises(Unusable):
        inspect(png_claiming(7072, 7072), ".png")  # 50.01 megapixels


@pytest.mark.parametrize(("data", "suffix", "kind", "media_type"), [
    (b"%PDF-1.7\n%%EOF\n", ".pdf", "pdf", "application/pdf"),
    (b"\0\0\0\x18ftypisom\0\0\0\0isomavc1" + b"\0" * 40, ".mp4", "video", "video/mp4"),
    (b"\0\0\0\x18ftypM4A \0\0\0\0" + b"\0" * 40, ".m4a", "audio", "audio/mp4"),
    (b"\x1aE\xdf\xa3\x9fB\x86\x81\x01B\xf7\x81\x01B\x82\x84webm" + b"\0" * 40, ".webm",
     "video", "video/webm"),
    (b"ID3\x03\0\0\0\0\0\x0f" + b"\0" * 40, ".mp3", "audio", "audio/mpeg"),
    (b"\xff\xfb\x90\x64" + b"\0" * 40, ".mp3", "audio", "audio/mpeg"),
    (b"OggS\0\x02" + b"\0" * 22 + b"\x01vorbis" + b"\0" * 40, ".ogg", "audio", "audio/ogg"),
    (b"RIFF\x24\0\0\0WAVEfmt " + b"\0" * 40, ".wav", "audio", "audio/wav"),
])
def test_pdf_video_and_audio_files_are_recognised(data, suffix, kind, media_type):
    found = inspect(data, suffix)
    assert (found.kind, found.media_type, found.is_picture) == (kind, media_type, False)


def test_real_images_on_this_machine_are_accepted():
    """Icons and pictures other people made: every PNG, JPEG, GIF and SVG found is usable."""
    roots = [Path("/usr/share/icons"), Path("/usr/share/pixmaps"),
             Path(Image.__file__).parent.parent]
    files = [path for root in roots if root.is_dir() for pattern in
             ("*.png", "*.jpg", "*.jpeg", "*.gif", "*.svg") for path in root.rglob(pattern)]
    files = [path for path in files if path.is_file() and path.stat().st_size][:400]
    if len(files) < 5:
        pytest.skip("too few images on this machine")
    refused = {}
    for path in files:
        try:
            inspect(path.read_bytes(), path.suffix)
        except Unusable as exc:
            refused[str(path)] = exc.reason
    # An SVG with entity declarations (Adobe Illustrator's) is the only kind refused on purpose.
    assert {p: r for p, r in refused.items() if "XML entities" not in r} == {}


def test_results_are_kept_per_content(monkeypatch, tmp_path):
    calls = []
    real = images.inspect
    monkeypatch.setattr(images, "inspect", lambda data, suffix="": calls.append(1)
                        or real(data, suffix))
    data = png(3)
    for name in ("a.png", "b.png", "c.png"):
        (tmp_path / name).write_bytes(data)
        images.check(tmp_path / name)
    assert len(calls) == 1


# SVG


def test_svg_is_cleaned_of_code_and_outside_references():
    cleaned = clean_svg(HOSTILE_SVG)
    root = etree.fromstring(cleaned)
    text = cleaned.decode()
    for gone in ("<script", "alert", "foreignObject", "SMUGGLED", "evil.example", "file://",
                 "@import", "javascript:", "DOCTYPE", "<set"):
        assert gone not in text, gone
    kept = [element.get("{http://www.w3.org/1999/xlink}href") or element.get("href")
            for element in root.iter(f"{{{SVG}}}use", f"{{{SVG}}}image")]
    # A reference inside the file and an inline raster image stay; the outside one is gone.
    assert kept == [None, "data:image/png;base64,iVBORw0KGgo=", "#r"]
    assert "url(#g)" in text


def test_an_entity_svg_never_reaches_any_output(make_project, folio):
    root = make_project({"source/a.md": article("Entities", "Text.\n\n![Chart](chart.svg)\n"),
                         "source/chart.svg": ENTITY_SVG,
                         "source/raw.md": article(
                             "Raw", 'Before <img src="chart.svg" alt="Raw chart"> after.\n')})
    result = folio(root, "build", "-j", "1")
    assert result.exit_code == 0, result.output
    assert re.findall(r"warning: \S*/(source/a\.md:\d+: image 'chart\.svg' .*)",
                      result.stderr) == ["source/a.md:7: image 'chart.svg' is an SVG that "
                                         "declares XML entities, which Folio never expands; "
                                         "left out"]
    outputs = all_output_bytes(root / "build")
    assert b"ENTITY" not in outputs and b"file:///etc/passwd" not in outputs
    if PASSWD.is_file():
        first_line = PASSWD.read_text().splitlines()[0].encode()
        assert first_line not in outputs
    page = html.parse(str(root / "build" / "html" / "entities.html")).getroot()
    assert page.xpath("//article//img") == []
    assert page.xpath("//span[@class='image-missing']/text()") == ["Chart"]
    assert not (root / "build" / "html" / "chart.svg").exists()


def test_a_clean_svg_is_copied_cleaned_into_every_format(make_project, folio):
    root = make_project({"source/a.md": article("Drawing", "![A drawing](d.svg)\n"),
                         "source/d.svg": HOSTILE_SVG})
    result = folio(root, "build", "-j", "1")
    assert result.exit_code == 0, result.output
    outputs = all_output_bytes(root / "build")
    for gone in (b"alert(", b"SMUGGLED", b"evil.example", b"/etc/hostname"):
        assert gone not in outputs, gone
    copied = root / "build" / "html" / "d.svg"
    assert etree.fromstring(copied.read_bytes()).tag == f"{{{SVG}}}svg"
    ebook = root / "build" / "epub" / "drawing.epub"
    assert "image/svg+xml" in epub_manifest(ebook).values()
    assert epubcheck_problems(ebook) == []


# Refused images in every format


@pytest.fixture
def broken_project(make_project):
    """An article showing good images and four kinds of broken ones."""
    body = """\
        Opening paragraph.

        ![A good figure](img/good.png)

        ![A photo named png](img/photo.png)

        ![Random bytes](img/random.png)

        ![Cut short](img/truncated.png)

        ![Nothing at all](img/empty.png)

        ![A bomb](img/bomb.png)

        Closing paragraph.
        """
    return make_project({
        "source/broken.md": article("Broken images", body),
        "source/img/good.png": png(10), "source/img/photo.png": jpeg(10),
        "source/img/random.png": bytes(range(255, 0, -1)) * 20,
        "source/img/truncated.png": png(11, (300, 300))[:200],
        "source/img/empty.png": b"",
        "source/img/bomb.png": png_claiming(20_000, 20_000),
    })


BROKEN = {"img/random.png": "Random bytes", "img/truncated.png": "Cut short",
          "img/empty.png": "Nothing at all", "img/bomb.png": "A bomb"}


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_broken_image_is_one_warning_and_left_out_of_every_format(broken_project, folio,
                                                                    jobs):
    root = broken_project
    result = folio(root, "build", "-j", jobs)
    assert result.exit_code == 0, result.output
    warned = re.findall(r"warning: \S*/source/broken\.md:(\d+): image '([^']+)' ([^;]+); left out",
                        result.stderr)
    assert sorted((src, int(line)) for line, src, _ in warned) == [
        ("img/bomb.png", 17), ("img/empty.png", 15), ("img/random.png", 11),
        ("img/truncated.png", 13)]
    reasons = {src: reason for _, src, reason in warned}
    assert reasons["img/empty.png"] == "is an empty file"
    assert reasons["img/bomb.png"] == ("is too large (400 megapixels, over the limit of 50 "
                                       "megapixels)")
    assert "has no alt text" not in result.stderr
    build = root / "build"

    page = html.parse(str(build / "html" / "broken-images.html")).getroot()
    assert page.xpath("//article//img/@src") == ["img/good.png", "img/photo.png"]
    assert page.xpath("//span[@class='image-missing']/text()") == list(BROKEN.values())
    assert sorted(p.name for p in (build / "html" / "img").iterdir()) == ["good.png",
                                                                           "photo.png"]

    handout = pdf_text(build / "pdf" / "broken-images.pdf")
    assert all(alt in handout for alt in BROKEN.values())

    ebook = build / "epub" / "broken-images.epub"
    chapter = epub_chapter(ebook)
    assert len(chapter.findall(".//x:img", XHTML)) == 2
    assert [s.text for s in chapter.iterfind(".//x:span[@class='image-missing']", XHTML)] == \
        list(BROKEN.values())
    manifest = epub_manifest(ebook)
    # The JPEG named .png is declared, and named, as what its bytes are.
    assert sorted(t for h, t in manifest.items() if h.startswith("images/")
                  and "cover" not in h) == ["image/jpeg", "image/png"]
    if jobs == "1":  # once is enough for the JVM
        assert epubcheck_problems(ebook) == []

    deck = html.parse(str(build / "slides" / "broken-images.html")).getroot()
    sources = deck.xpath("//img/@src")
    assert len(sources) == 2 and all(s.startswith("data:image/") for s in sources)
    assert any(s.startswith("data:image/jpeg;") for s in sources)
    deck_pdf = pdf_text(build / "slides" / "broken-images.pdf")
    assert "Random bytes" in deck_pdf
    presentation = Presentation(str(build / "slides" / "broken-images.pptx"))
    pictures = [shape for slide in presentation.slides for shape in slide.shapes
                if shape.shape_type == 13]
    assert len(pictures) == 2
    assert all(alt in pptx_text(build / "slides" / "broken-images.pptx")
               for alt in BROKEN.values())


def test_each_image_is_checked_once_a_build(broken_project, folio, monkeypatch):
    calls: list[bytes] = []
    real = images.inspect
    monkeypatch.setattr(images, "_memo", {})
    monkeypatch.setattr(images, "inspect", lambda data, suffix="": calls.append(data)
                        or real(data, suffix))
    result = folio(broken_project, "build", "-j", "1")
    assert result.exit_code == 0, result.output
    assert len(calls) == len(set(calls)) == 6


def test_an_unusable_cover_gives_way_to_a_generated_one(make_project, folio):
    root = make_project({"source/a.md": article("Covered", cover="cover.jpg"),
                         "source/cover.jpg": b"not a jpeg at all"})
    result = folio(root, "build", "-f", "epub", "-j", "1")
    assert result.exit_code == 0, result.output
    assert "cover 'cover.jpg' is not an image" in result.stderr
    with zipfile.ZipFile(root / "build" / "epub" / "covered.epub") as archive:
        cover = archive.read("EPUB/images/cover.jpg")
    assert Image.open(io.BytesIO(cover)).size == (1200, 1800)


# Media used as figures


@pytest.fixture
def media_project(make_project):
    """An article showing a video, a PDF and an audio file as figures."""
    body = """\
        Before the media.

        ![A talk](media/talk.mp4)

        ![The slides](media/deck.pdf)

        ![An interview](media/interview.mp3)

        After the media.
        """
    return make_project({
        "source/media.md": article("Media", body),
        "source/media/talk.mp4": b"\0\0\0\x18ftypisom\0\0\0\0isomavc1" + b"\0" * 64,
        "source/media/deck.pdf": b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
        "source/media/interview.mp3": b"ID3\x03\0\0\0\0\0\x0f" + b"\0" * 64,
    })


def test_media_files_are_players_on_the_page_and_named_elsewhere(media_project, folio):
    root = media_project
    result = folio(root, "build", "-j", "1")
    assert result.exit_code == 0, result.output
    assert "warning" not in result.stderr
    build = root / "build"
    page = html.parse(str(build / "html" / "media.html")).getroot()
    assert page.xpath("//video[@controls]/@src") == ["media/talk.mp4"]
    assert page.xpath("//audio[@controls]/@src") == ["media/interview.mp3"]
    assert page.xpath("//a[@class='media-file']/@href") == ["media/deck.pdf"]
    assert page.xpath("//embed") == []
    for name in ("talk.mp4", "deck.pdf", "interview.mp3"):
        assert (build / "html" / "media" / name).is_file()

    labels = ["Video: talk.mp4", "PDF: deck.pdf", "Audio: interview.mp3"]
    handout = pdf_text(build / "pdf" / "media.pdf")
    assert all(label in handout for label in labels) and "A talk" in handout

    ebook = build / "epub" / "media.epub"
    chapter = epub_chapter(ebook)
    for tag in ("video", "audio", "embed", "img"):
        assert chapter.findall(f".//x:{tag}", XHTML) == []
    assert [s.text for s in chapter.iterfind(".//x:span[@class='media-file']", XHTML)] == labels
    assert epubcheck_problems(ebook) == []

    deck_text = pptx_text(build / "slides" / "media.pptx")
    assert all(label in deck_text for label in labels)
    assert "Video: talk.mp4" in pdf_text(build / "slides" / "media.pdf")
    deck = (build / "slides" / "media.html").read_text()
    assert "media/talk.mp4" not in deck.replace("Video: media/talk.mp4", "")


# Alternative text


def test_an_image_without_alt_text_gets_an_empty_alt_in_every_html_output(make_project, folio):
    body = "A decorative ![](dot.png) dot.\n\n![](dot.png)\n\nText.\n"
    root = make_project({"source/a.md": article("Decorative", body),
                         "source/dot.png": png(20)})
    result = folio(root, "build", "-f", "html,epub,slides", "-j", "1")
    assert result.exit_code == 0, result.output
    build = root / "build"
    page = html.parse(str(build / "html" / "decorative.html")).getroot()
    assert page.xpath("//article//img/@alt") == ["", ""]
    assert vnu_errors(build / "html" / "decorative.html") == []
    chapter = epub_chapter(build / "epub" / "decorative.epub")
    assert [img.get("alt") for img in chapter.iterfind(".//x:img", XHTML)] == ["", ""]
    deck = html.parse(str(build / "slides" / "decorative.html")).getroot()
    assert deck.xpath("//img[not(@alt)]") == []


def test_an_alt_attribute_is_the_alt_text_of_every_output(make_project, folio):
    # The Carpentries' lessons describe their figures as ![](fig.png){alt='...'}: pandoc's
    # HTML writer uses the attribute, so the handout, ebook and deck must read it too.
    alt = "Labeled parts of a Python function definition"
    body = f"![](fig.png){{alt='{alt}'}}\n\nText.\n"
    root = make_project({"source/a.md": article("Described", body),
                         "source/fig.png": png(21)})
    result = folio(root, "build", "-j", "1")
    assert result.exit_code == 0, result.output
    assert "alt text" not in result.output
    build = root / "build"
    page = html.parse(str(build / "html" / "described.html")).getroot()
    assert page.xpath("//article//img/@alt") == [alt]
    chapter = epub_chapter(build / "epub" / "described.epub")
    assert [img.get("alt") for img in chapter.iterfind(".//x:img", XHTML)] == [alt]
    assert alt in pdf_figure_alts(PdfReader(build / "pdf" / "described.pdf"))
    pictures = [shape for slide in Presentation(str(build / "slides" / "described.pptx")).slides
                for shape in slide.shapes if shape.shape_type == 13]  # a picture
    assert [p._element.nvPicPr.cNvPr.get("descr") for p in pictures] == [alt]


def test_an_svg_figure_is_a_picture_on_its_pptx_slide(make_project, folio):
    # The Carpentries' lessons draw their figures with matplotlib as SVG sized in pt: the PPTX
    # slide had only the caption ("PowerPoint cannot show"), though every other output shows it.
    require_tool("fc-match", "to pick the installed fonts resvg draws text with")
    svg = ('<svg xmlns="http://www.w3.org/2000/svg" width="120pt" height="60pt" '
           'viewBox="0 0 120 60"><rect width="120" height="60" fill="#fff"/>'
           '<text x="4" y="50" font-size="48">Fig</text></svg>')
    body = "![The average inflammation](plot.svg)\n\nText.\n"
    root = make_project({"source/a.md": article("Plotted", body), "source/plot.svg": svg})
    result = folio(root, "build", "-f", "slides", "-j", "1")
    assert result.exit_code == 0 and "PowerPoint" not in result.output, result.output
    [picture] = [shape for slide in Presentation(str(root / "build/slides/plotted.pptx")).slides
                 for shape in slide.shapes if shape.shape_type == 13]  # a picture
    assert picture.image.content_type == "image/png"
    assert picture._element.nvPicPr.cNvPr.get("descr") == "The average inflammation"
    drawn = Image.open(io.BytesIO(picture.image.blob)).convert("L")
    assert drawn.size[0] == 2 * drawn.size[1] and drawn.getextrema()[0] < 64  # the word is drawn


# Wide content on paper


def test_a_wide_table_and_long_words_fit_the_handout(make_project, folio):
    pdftotext = require_tool("pdftotext", "to read word positions in the handout")
    columns = 12
    url = "https://example.org/" + "/".join(["segment"] * 12) + "/index.html"
    header = "| " + " | ".join(f"Heading{c}" for c in range(columns)) + " |"
    rule = "|" + "|".join("---" for _ in range(columns)) + "|"
    rows = ["| " + " | ".join(url if c == 3 else f"r{r}c{c}" for c in range(columns)) + " |"
            for r in range(3)]
    long_word = "Donaudampfschifffahrtsgesellschaftskapitän" * 4
    body = "\n".join([
        f"A paragraph with {long_word} and {url}{'x' * 80} in it.", "", header, rule, *rows, "",
        "```", "value = '" + "y" * 150 + "'  # ENDOFCODE", "```", "",
        "| one | two |", "|---|---|", f"| {'z' * 180} | LASTCELL |", ""])
    root = make_project({"source/wide.md": article("Wide", body)})
    result = folio(root, "build", "-f", "pdf", "-j", "1")
    assert result.exit_code == 0, result.output
    handout = root / "build" / "pdf" / "wide.pdf"
    text = pdf_text(handout)
    for cell in [f"r{r}c{c}" for r in range(3) for c in range(columns) if c != 3]:
        assert cell in text
    assert "LASTCELL" in text and "ENDOFCODE" in text
    # Every word lies on the paper: WeasyPrint would clip one past the right edge.
    boxes = subprocess.run([pdftotext, "-bbox", str(handout), "-"], capture_output=True,
                           text=True, check=True).stdout
    pages = etree.fromstring(boxes.encode(), etree.HTMLParser())
    for page in pages.iter("page"):
        width = float(page.get("width"))
        outside = [word.text for word in page.iter("word") if float(word.get("xmax")) > width]
        assert outside == []


def test_an_address_folio_may_not_read_is_one_warning_a_build(make_project, folio):
    body = "![A badge](https://example.org/badge.svg)\n\nText.\n"
    root = make_project({"source/a.md": article("Badge", body)})
    result = folio(root, "build", "-j", "2")
    assert result.exit_code == 0, result.output
    assert result.stderr.count("not fetching network resource "
                               "'https://example.org/badge.svg'") == 1
    # At the line the address is written on: a README's badges are many.
    line = (root / "source" / "a.md").read_text().splitlines().index(body.splitlines()[0]) + 1
    assert f"a.md:{line}: not fetching network resource" in result.stderr
    # The handout never asks WeasyPrint for it: its alt text stands in.
    assert "A badge" in pdf_text(root / "build" / "pdf" / "badge.pdf")


# Large pictures


def photo(width: int, height: int, orientation: int = 1) -> bytes:
    """Return a JPEG of a smooth gradient (small in bytes), with an EXIF orientation."""
    image = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    exif = Image.Exif()
    exif[0x0112] = orientation
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80, exif=exif.tobytes())
    return out.getvalue()


def test_a_camera_photo_is_downsized_upright_in_every_output_but_the_page(make_project, folio):
    # A phone's 12-megapixel photo went whole into the handout, the deck, the slide handout,
    # the ebook and the PowerPoint file: 12 MB each, and half a gigabyte to decode each time.
    # This one is 4000 x 3000 stored, and stands upright (EXIF orientation 6: a quarter turn).
    big, small = photo(4000, 3000, orientation=6), png(40)
    body = "![A tall photo](tall.jpg)\n\n![A small picture](small.png)\n\nText.\n"
    root = make_project({"source/a.md": article("Photos", body, slug="a"),
                         "source/tall.jpg": big, "source/small.png": small})
    result = folio(root, "build", "-j", "1")
    assert result.exit_code == 0, result.output
    build = root / "build"
    # The web page keeps the author's file, to be downloaded as it is.
    assert (build / "html" / "tall.jpg").read_bytes() == big

    def upright_and_fitted(data: bytes) -> None:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
        assert height > width and height <= 2400 and width * height <= 4_000_000, (width, height)

    with zipfile.ZipFile(build / "epub" / "a.epub") as book:
        names = [name for name in book.namelist() if name.startswith("EPUB/images/")]
        upright_and_fitted(book.read(next(name for name in names if "tall" in name)))
        assert book.read(next(name for name in names if "small" in name)) == small
    assert epubcheck_problems(build / "epub" / "a.epub") == []
    for pdf in ("pdf/a.pdf", "slides/a.pdf", "pdf/a-slides-handout.pdf"):
        pictures = [image for page in PdfReader(build / pdf).pages for image in page.images]
        assert pictures, pdf
        for picture in pictures:
            assert max(picture.image.size) <= 2400, (pdf, picture.image.size)
    pictures = [shape.image.blob for slide in Presentation(str(build / "slides/a.pptx")).slides
                for shape in slide.shapes if shape.shape_type == 13]
    upright_and_fitted(next(blob for blob in pictures if blob != small))
    deck = (build / "slides" / "a.html").read_text(encoding="utf-8")
    uris = re.findall(r'src="data:image/jpeg;base64,([^"]+)"', deck)
    assert uris
    upright_and_fitted(base64.b64decode(uris[0]))


def test_raw_html_pictures_are_the_articles_images(make_project, folio):
    # The Rust book draws its figures with raw <img>: the handout showed them, but the page's
    # were never copied beside it (a broken picture) and the ebook showed only the alt text.
    figure = (Path(__file__).parent / "fixtures" / "figure.png").read_bytes()
    body = """\
        Text.

        <img alt="Two tables: s1 and its heap data" src="img/trpl04-01.png" class="center" />

        <img alt="A lost drawing" src="img/gone.svg" />
        """
    root = make_project({"source/own.md": article("Own", body),
                         "source/img/trpl04-01.png": figure})
    result = folio(root, "build", "-f", "html,epub,pdf", "-j", "1")
    assert result.exit_code == 0, result.output
    # The missing one is one warning naming its line, and its alt text stands in for it.
    warnings = [line for line in result.stderr.splitlines() if "gone.svg" in line]
    assert len(warnings) == 1 and warnings[0].endswith(
        "source/own.md:9: image 'img/gone.svg' does not exist; left out"), warnings
    build = root / "build"
    page = html.parse(str(build / "html" / "own.html")).getroot()
    src = page.xpath("//article//img/@src")
    assert len(src) == 1 and (build / "html" / src[0]).read_bytes() == figure
    assert page.xpath("//span[@class='image-missing']/text()") == ["A lost drawing"]
    with zipfile.ZipFile(build / "epub" / "own.epub") as epub:
        assert [name for name in epub.namelist() if name.endswith("trpl04-01.png")]
    assert epubcheck_problems(build / "epub" / "own.epub") == []
    assert pdf_figure_alts(PdfReader(build / "pdf" / "own.pdf")) == [
        "Two tables: s1 and its heap data"]


def test_many_undescribed_images_are_one_warning_with_their_lines(make_project, folio):
    # A notebook's plots: 309 warnings in a row for the Python Data Science Handbook.
    few = "".join(f"Plot {n}:\n\n![](p{n}.png)\n\n" for n in range(2))
    many = "".join(f"Plot {n}:\n\n![](p{n}.png)\n\n" for n in range(5))
    files = {f"source/p{n}.png": png(n) for n in range(5)}
    root = make_project({"source/few.md": article("Few", few),
                         "source/many.md": article("Many", many), **files})
    result = folio(root, "build", "-f", "pdf")  # the handout says it
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if "alt text" in line]
    assert [line.split("/source/")[-1] for line in warnings if "many.md" in line] == [
        "many.md:7: 5 images have no alt text, the first 'p0.png' (lines 7, 11, 15, 19, 23); "
        "describe them for readers who cannot see them"]
    assert len([line for line in warnings if "few.md" in line]) == 2
