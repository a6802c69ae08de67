"""Word documents as people write them: Apache POI's test-data, collected from bug reports."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
import yaml
from lxml import html as lxml_html

from pipeline.importers import Options, import_sources
from pipeline.project import load_project
from pipeline.source import split_front_matter
from tests.validators import vnu_errors
from tests.wordml import image_para, para, write_docx

FIGURE = Path(__file__).parent.joinpath("fixtures", "figure.png").read_bytes()


@pytest.fixture
def project(make_project):
    """Return an empty project."""
    return make_project()


def front(path: Path) -> dict:
    """Return the front matter of an article file."""
    return yaml.safe_load(split_front_matter(path.read_text(encoding="utf-8"), path)[0])


def test_documents_of_one_title_or_no_ascii_title_take_their_file_names(project, folio,
                                                                          tmp_path):
    # POI's OPCCompliance_*.docx all carry the core title "MyTitle"; headerPic.docx and
    # stress004.docx have a Russian and a Persian title, which made the same slug "article".
    same = [write_docx(tmp_path / f"{name}.docx", para("Text."), title="MyTitle")
            for name in ("first", "Second_Copy")]
    russian = write_docx(tmp_path / "headerPic.docx", para("Текст."), title="Русский вариант")
    persian = write_docx(tmp_path / "stress004.docx", para("متن."), title="کلیدهای تدبر")
    report = import_sources(load_project(project), [str(p) for p in (*same, russian, persian)],
                            Options())
    assert report.errors == []
    source = project / "source"
    assert sorted(p.name for p in source.glob("*.md")) == [
        "headerpic.md", "mytitle.md", "second-copy.md", "stress004.md"]
    assert front(source / "second-copy.md")["title"] == "MyTitle"
    assert front(source / "second-copy.md")["slug"] == "second-copy"
    assert front(source / "headerpic.md")["title"] == "Русский вариант"
    result = folio(project, "build", "-f", "html", "-j", "1")
    assert result.exit_code == 0, result.output
    assert (project / "build" / "html" / "second-copy.html").is_file()


def emf() -> bytes:
    """Return the start of an Enhanced Metafile: its header record, " EMF" at offset 40."""
    return (b"\x01\x00\x00\x00\x6c\x00\x00\x00" + bytes(32) + b" EMF" + b"\x00\x00\x01\x00"
            + bytes(64))


def test_a_windows_metafile_picture_is_left_out_with_one_warning(project, folio, tmp_path,
                                                                 caplog):
    # POI's VariousPictures.docx holds santa.wmf and wrench.emf beside a PNG and a JPEG (and
    # 10 more of its files hold EMF or WMF drawings): they were written as .png files that
    # every format then refused, one warning per format.
    path = write_docx(tmp_path / "pictures.docx",
                      para("Various pictures") + image_para("rId1", "wrench.emf")
                      + image_para("rId2", "tomcat.png"),
                      title="Pictures", media={"image1.emf": emf(), "image2.png": FIGURE})
    report = import_sources(load_project(project), [str(path)], Options())
    assert report.errors == []
    [written] = report.written
    assert written.images == 1 and "images that could not be read" in written.dropped
    assert [p.name for p in (project / "source" / "images" / "pictures").iterdir()] == [
        "image2.png"]
    assert any("image 'image1.emf' left out: it is a Windows metafile (EMF)" in r.getMessage()
               and str(path) in r.getMessage() for r in caplog.records)
    result = folio(project, "build", "-f", "html", "-j", "1")
    assert result.exit_code == 0 and "warning" not in result.output.lower(), result.output


def test_encrypted_damaged_and_foreign_packages_each_say_what_they_are(project, folio,
                                                                        tmp_path):
    # POI's bug53475-password-is-pass.docx (an encrypted package inside an OLE2 file),
    # truncated62886.docx and the clusterfuzz cases (cut-off zips), and stress025.docx (an
    # Office theme called .docx) were all "cannot tell what kind of document this is".
    ole2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    encrypted = tmp_path / "password.docx"
    encrypted.write_bytes(ole2 + "EncryptionInfo".encode("utf-16-le") + bytes(64))
    old = tmp_path / "old.docx"
    old.write_bytes(ole2 + "WordDocument".encode("utf-16-le") + bytes(64))
    whole = write_docx(tmp_path / "whole.docx", para("Kept."), title="Whole").read_bytes()
    cut = tmp_path / "truncated.docx"
    cut.write_bytes(whole[: len(whole) // 2])
    theme = tmp_path / "theme.docx"
    with zipfile.ZipFile(theme, "w") as package:
        package.writestr("theme/theme/theme1.xml", "<a:theme/>")
    result = folio(project, "import", *map(str, (encrypted, old, cut, theme)),
                   str(tmp_path / "whole.docx"))
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert errors == [
        f"Error: {encrypted}: an encrypted (password-protected) Office document; save a copy "
        "without a password, then import that",
        f"Error: {old}: an older binary Office file (Word 97-2003 .doc?); save it as .docx",
        f"Error: {cut}: a damaged or cut-off zip package (File is not a zip file); open it "
        "and save it again",
        f"Error: {theme}: a zip package holding no Word, OpenDocument or EPUB document"]
    assert (project / "source" / "whole.md").is_file()


def lang_run(text: str, lang: str | None = None, bidi: str | None = None) -> str:
    """Return a paragraph of one run marked in ``lang`` (and ``bidi``), as Word marks them."""
    attrs = "".join(f' w:{name}="{value}"' for name, value in (("val", lang), ("bidi", bidi))
                    if value)
    props = f"<w:rPr><w:lang{attrs}/></w:rPr>" if attrs else ""
    return f'<w:p><w:r>{props}<w:t xml:space="preserve">{text}</w:t></w:r></w:p>'


def test_the_language_word_marks_the_text_in_becomes_the_articles(project, folio, tmp_path):
    # POI's Bug51170.docx: Portuguese statutes written on an English Word (en-US default,
    # every run pt-PT); stress011.docx: an Arabic UN text whose Arabic runs are marked bidi
    # ar-SA. Both came in as lang: en, and the Arabic one was laid out left to right.
    portuguese = write_docx(tmp_path / "estatutos.docx", lang_run(
        "Estatutos da associação denominada conselho nacional", "pt-PT")
        + lang_run("Article 1", "en-US"), title="Estatutos")
    arabic = write_docx(tmp_path / "crc.docx", lang_run("اتفاقية حقوق الطفل", "en-US", "ar-SA")
                        + lang_run("CRC/C/GC/20", "en-US", "ar-SA"), title="CRC")
    english = write_docx(tmp_path / "plain.docx", lang_run("Just English words", "en-GB"),
                         title="Plain")
    report = import_sources(load_project(project), [str(portuguese), str(arabic),
                                                    str(english)], Options())
    assert report.errors == []
    source = project / "source"
    assert front(source / "estatutos.md")["lang"] == "pt-PT"
    assert front(source / "crc.md")["lang"] == "ar-SA"
    assert front(source / "plain.md")["lang"] == "en"  # the project's own: no region forced
    result = folio(project, "build", "-f", "html", "-j", "1")
    assert result.exit_code == 0 and "right-to-left" not in result.output, result.output
    page = lxml_html.parse(str(project / "build" / "html" / "crc.html")).getroot()
    assert page.get("lang") == "ar-SA" and page.get("dir") == "rtl"


def test_persian_and_urdu_marked_arabic_by_word_keep_their_language(project, tmp_path):
    # POI's Persian test document: every right-to-left run marked bidi ar-SA, Word's default
    # for right-to-left text, and the article came in as Arabic. Its letters say Persian.
    persian = write_docx(tmp_path / "fa.docx", lang_run(
        "این یک سند فارسی است که با ورد نوشته شده و پیش از چاپ بازخوانی می‌شود", "en-US",
        "ar-SA"), title="Persian")
    urdu = write_docx(tmp_path / "ur.docx", lang_run(
        "یہ ایک اردو دستاویز ہے جو ورڈ میں لکھی گئی ہے", "en-US", "ar-SA"), title="Urdu")
    report = import_sources(load_project(project), [str(persian), str(urdu)], Options())
    assert report.errors == []
    assert front(project / "source" / "persian.md")["lang"] == "fa"
    assert front(project / "source" / "urdu.md")["lang"] == "ur"


def test_a_title_of_punctuation_only_is_no_title(project, tmp_path):
    # pandoc's test/docx/track_changes_scrubbed_metadata.docx: its properties' title is ".".
    path = write_docx(tmp_path / "scrubbed.docx", para("Here is a test document."), title=".")
    assert import_sources(load_project(project), [str(path)], Options()).errors == []
    assert front(project / "source" / "scrubbed.md")["title"] == "scrubbed"


def test_office_escaped_characters_in_the_properties_are_read(project, tmp_path):
    # POI's stress011.docx: "Distr.: General_x000d_ Date: 6 December 2016_x000d_ ...".
    path = write_docx(tmp_path / "un.docx", para("Text."), title="Report_x0020_20",
                      core="<dc:description>Distr.: General_x000d_Date: 6 December 2016"
                           "</dc:description>")
    assert import_sources(load_project(project), [str(path)], Options()).errors == []
    meta = front(project / "source" / "report-20.md")
    assert meta["title"] == "Report 20"
    assert meta["description"] == "Distr.: General Date: 6 December 2016"


def test_the_title_paragraph_word_shows_wins_over_a_stale_core_title(project, tmp_path):
    # POI's bug65738.docx: a Title paragraph "Sample Word Document Title" and a Subtitle,
    # under the core title "Sample Word Document" of the template it was made from; pandoc
    # takes those paragraphs out of the body, so the shown title was nowhere.
    path = write_docx(tmp_path / "report.docx", para("Annual Report 2024", "Title")
                      + para("What the year brought", "Subtitle") + para("Body text."),
                      title="Normal.dot")
    assert import_sources(load_project(project), [str(path)], Options()).errors == []
    meta = front(project / "source" / "annual-report-2024.md")
    assert (meta["title"], meta["subtitle"]) == ("Annual Report 2024", "What the year brought")


def cell(content: str) -> str:
    """Return a table cell holding ``content`` (paragraphs), as Word writes one."""
    return f"<w:tc><w:tcPr><w:tcW w:w='2000' w:type='dxa'/></w:tcPr>{content}</w:tc>"


def table(*rows: list[str]) -> str:
    """Return a table of ``rows`` of cell contents, the first a header row."""
    grid = "".join("<w:gridCol w:w='2000'/>" for _ in rows[0])
    head = "<w:trPr><w:tblHeader/></w:trPr>"
    return (f"<w:tbl><w:tblPr><w:tblW w:w='0' w:type='auto'/></w:tblPr><w:tblGrid>{grid}"
            "</w:tblGrid>" + "".join(f"<w:tr>{head if n == 0 else ''}"
                                     + "".join(map(cell, row)) + "</w:tr>"
                                     for n, row in enumerate(rows)) + "</w:tbl>")


def test_layout_tables_empty_or_with_heading_styled_labels(project, folio, tmp_path):
    # POI's form_footnotes.docx: a visa form whose header cells hold Heading 4 labels (an
    # <h6> inside <th> the Nu checker refuses, and "level 4 under level 1" warnings); bug
    # 65649 (the Russian contract) and drawing.docx draw rules with tables of empty cells.
    body = (para("Intro", "Heading1") + para("Fill in the form.")
            + table([para("VISA APPLICATION FORM", "Heading4"), para("Photo", "Heading4")],
                    [para("Surname"), para("")])
            + table([para(""), para("")], [para(""), para("")]) + para("The end."))
    path = write_docx(tmp_path / "visa.docx", body, title="Visa")
    report = import_sources(load_project(project), [str(path)], Options())
    assert report.errors == [] and report.written[0].dropped == "empty tables"
    result = folio(project, "build", "-f", "html", "-j", "1")
    assert result.exit_code == 0 and "warning" not in result.output, result.output
    page = project / "build" / "html" / "visa.html"
    assert vnu_errors(page) == []
    tree = lxml_html.parse(str(page)).getroot()
    [grid] = tree.xpath("//article//table")
    assert not grid.xpath(".//h1|.//h2|.//h3|.//h4|.//h5|.//h6")
    assert [" ".join(c.text_content().split()) for c in grid.xpath(".//th|.//td")] == [
        "VISA APPLICATION FORM", "Photo", "Surname", ""]
    assert grid.xpath(".//th//strong/text()") == ["VISA APPLICATION FORM", "Photo"]


def test_ruby_keeps_its_characters_and_reading_and_a_chart_is_counted(project, tmp_path):
    # POI's 61470.docx is 東京 with its reading とうきょう, and stress019.docx has two such
    # words in its sentences: pandoc dropped the characters with the reading. 61745.docx and
    # bar-chart-template.docx are charts, which came in as nothing, without a word said.
    ruby = ("<w:p><w:r><w:t>首都は</w:t></w:r><w:r><w:ruby><w:rubyPr><w:lid w:val='ja-JP'/>"
            "</w:rubyPr><w:rt><w:r><w:t>とうきょう</w:t></w:r></w:rt><w:rubyBase><w:r>"
            "<w:t>東京</w:t></w:r></w:rubyBase></w:ruby></w:r><w:r><w:t>です。</w:t></w:r></w:p>")
    chart = ("<w:p><w:r><w:drawing><c:chart xmlns:c='http://schemas.openxmlformats.org/"
             "drawingml/2006/chart' r:id='rId9'/></w:drawing></w:r></w:p>")
    path = write_docx(tmp_path / "tokyo.docx", ruby + chart, title="Tokyo")
    plain = write_docx(tmp_path / "kyoto.docx", ruby, title="Kyoto")
    report = import_sources(load_project(project), [str(path), str(plain)], Options())
    assert report.errors == []
    assert [written.dropped for written in report.written] == ["charts", ""]
    body = (project / "source" / "tokyo.md").read_text(encoding="utf-8")
    assert "首都は東京\uff08とうきょう\uff09です。" in body
