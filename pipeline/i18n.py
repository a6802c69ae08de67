"""The words Folio adds to an article, in the article's language (English as the fallback)."""
# ruff: noqa: RUF001  (Chinese and Japanese punctuation is full-width: the comma and colon)

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

# A cross-reference word with "#" has the number there ("第#节": "第1节"), not after it.
STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "contents": "Contents",
        "cover": "Cover",
        "title_page": "Title page",
        "colophon": "Colophon",
        "landmarks": "Landmarks",
        "edited_by": "edited by {names}",
        "made_with": "Made with Folio",
        "accessibility_summary": "Text with headings, a table of contents, language marked up "
                                 "and text alternatives for images as the authors wrote them.",
        "notes": "Notes",
        "footnotes": "Footnotes",
        "page_of": "page {page} of {pages}",
        "min_read": "{minutes} min read",
        "by": "by {authors}",
        "and": "and",
        "articles": "Articles",
        "published": "Published",
        "online_at": "Online at {url}",
        "back_to_text": "Back to text",
        "back_to_index": "All articles",
        "read_online": "Read it online",
        "qr_code_for": "QR code for {url}",
        "slide_deck": "Slide deck",
        "slide_closing": "Thank you",
        "slide_reset_timer": "Reset the timer",
        "slide_of": "Slide {number} of {total}",
        "slide_previous": "Previous slide",
        "slide_next": "Next slide",
        "slide_overview": "Overview of all slides",
        "slide_speaker_view": "Speaker view",
        "slide_elapsed": "Elapsed",
        "slide_figure": "Figure",
        "slide_table": "Table",
        "slide_quotation": "Quotation",
        "slide_code": "Code",
        "crossref_fig": "Figure",
        "crossref_tbl": "Table",
        "crossref_eq": "",
        "crossref_sec": "Section",
        "crossref_in": "{ref} in {title}",
        "callout_note": "Note",
        "callout_tip": "Tip",
        "callout_warning": "Warning",
        "callout_important": "Important",
        "callout_caution": "Caution",
        "references": "References",
        "slide_handout": "Slide handout",
    },
    "de": {
        "contents": "Inhalt",
        "cover": "Umschlag",
        "title_page": "Titelseite",
        "colophon": "Impressum",
        "landmarks": "Orientierungspunkte",
        "edited_by": "herausgegeben von {names}",
        "made_with": "Erstellt mit Folio",
        "accessibility_summary": "Text mit Überschriften, Inhaltsverzeichnis, ausgezeichneter "
                                 "Sprache und Textalternativen für Bilder, wie die Autoren sie "
                                 "geschrieben haben.",
        "notes": "Notizen",
        "footnotes": "Fußnoten",
        "page_of": "Seite {page} von {pages}",
        "min_read": "{minutes} Min. Lesezeit",
        "by": "von {authors}",
        "and": "und",
        "articles": "Artikel",
        "published": "Veröffentlicht",
        "online_at": "Online unter {url}",
        "back_to_text": "Zurück zum Text",
        "back_to_index": "Alle Artikel",
        "read_online": "Online lesen",
        "qr_code_for": "QR-Code für {url}",
        "slide_deck": "Foliensatz",
        "slide_closing": "Vielen Dank",
        "slide_reset_timer": "Zeit zurücksetzen",
        "slide_of": "Folie {number} von {total}",
        "slide_previous": "Vorherige Folie",
        "slide_next": "Nächste Folie",
        "slide_overview": "Übersicht aller Folien",
        "slide_speaker_view": "Referentenansicht",
        "slide_elapsed": "Vergangen",
        "slide_figure": "Abbildung",
        "slide_table": "Tabelle",
        "slide_quotation": "Zitat",
        "slide_code": "Code",
        "crossref_fig": "Abbildung",
        "crossref_tbl": "Tabelle",
        "crossref_eq": "",
        "crossref_sec": "Abschnitt",
        "crossref_in": "{ref} in {title}",
        "callout_note": "Hinweis",
        "callout_tip": "Tipp",
        "callout_warning": "Warnung",
        "callout_important": "Wichtig",
        "callout_caution": "Vorsicht",
        "references": "Literatur",
        "slide_handout": "Folienhandout",
    },
    "zh": {
        "contents": "目录",
        "cover": "封面",
        "title_page": "扉页",
        "colophon": "版权页",
        "landmarks": "导览",
        "edited_by": "{names} 编",
        "made_with": "由 Folio 制作",
        "accessibility_summary": "文本带有标题、目录和语言标注，图片附有作者所写的替代文字。",
        "notes": "笔记",
        "footnotes": "脚注",
        "page_of": "第 {page} 页，共 {pages} 页",
        "min_read": "阅读约需 {minutes} 分钟",
        "by": "作者：{authors}",
        "and": "和",
        "articles": "文章",
        "published": "发布日期",
        "online_at": "在线阅读：{url}",
        "back_to_text": "返回正文",
        "back_to_index": "全部文章",
        "read_online": "在线阅读",
        "qr_code_for": "{url} 的二维码",
        "slide_deck": "幻灯片",
        "slide_closing": "谢谢",
        "slide_reset_timer": "重置计时器",
        "slide_of": "第 {number} 张，共 {total} 张",
        "slide_previous": "上一张",
        "slide_next": "下一张",
        "slide_overview": "全部幻灯片概览",
        "slide_speaker_view": "演讲者视图",
        "slide_elapsed": "已用时间",
        "slide_figure": "图",
        "slide_table": "表",
        "slide_quotation": "引文",
        "slide_code": "代码",
        "crossref_fig": "图",
        "crossref_tbl": "表",
        "crossref_eq": "",
        "crossref_sec": "第#节",
        "crossref_in": "{title}中的{ref}",
        "callout_note": "注",
        "callout_tip": "提示",
        "callout_warning": "警告",
        "callout_important": "重要",
        "callout_caution": "注意",
        "references": "参考文献",
        "slide_handout": "幻灯片讲义",
    },
    "ja": {
        "contents": "目次",
        "cover": "表紙",
        "title_page": "扉",
        "colophon": "奥付",
        "landmarks": "ランドマーク",
        "edited_by": "{names} 編",
        "made_with": "Folio で作成",
        "accessibility_summary": "見出し、目次、言語の指定、著者による画像の代替テキストを備えた"
                                 "テキスト。",
        "notes": "メモ",
        "footnotes": "脚注",
        "page_of": "{page} / {pages} ページ",
        "min_read": "約 {minutes} 分で読めます",
        "by": "{authors} 著",
        "and": "と",
        "articles": "記事",
        "published": "公開日",
        "online_at": "オンライン版：{url}",
        "back_to_text": "本文に戻る",
        "back_to_index": "すべての記事",
        "read_online": "オンラインで読む",
        "qr_code_for": "{url} の QR コード",
        "slide_deck": "スライド",
        "slide_closing": "ありがとうございました",
        "slide_reset_timer": "タイマーをリセット",
        "slide_of": "スライド {number} / {total}",
        "slide_previous": "前のスライド",
        "slide_next": "次のスライド",
        "slide_overview": "すべてのスライドの一覧",
        "slide_speaker_view": "発表者ビュー",
        "slide_elapsed": "経過時間",
        "slide_figure": "図",
        "slide_table": "表",
        "slide_quotation": "引用",
        "slide_code": "コード",
        "crossref_fig": "図",
        "crossref_tbl": "表",
        "crossref_eq": "",
        "crossref_sec": "第#節",
        "crossref_in": "{title}の{ref}",
        "callout_note": "注記",
        "callout_tip": "ヒント",
        "callout_warning": "警告",
        "callout_important": "重要",
        "callout_caution": "注意",
        "references": "参考文献",
        "slide_handout": "スライド配布資料",
    },
}

MONTHS: dict[str, tuple[str, ...]] = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
    "de": ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August",
           "September", "Oktober", "November", "Dezember"),
}

# How a date is written out, per language: "2 November 2023", "2. November 2023".
DATE_FORMATS: dict[str, str] = {"en": "{day} {month} {year}", "de": "{day}. {month} {year}"}


def base_language(lang: str) -> str:
    """Return the table key for a BCP 47 tag ("de-AT" -> "de"), falling back to English."""
    base = lang.split("-")[0].lower()
    return base if base in STRINGS else "en"


def translate(lang: str, key: str, **values: object) -> str:
    """Return Folio's string ``key`` in ``lang`` with ``values`` filled in."""
    return STRINGS[base_language(lang)][key].format(**values)


def format_date(date: dt.date, lang: str) -> str:
    """Write ``date`` out the way readers of ``lang`` expect."""
    locale = _cldr_locale(lang)
    if locale is not None:
        from babel.dates import format_date as cldr_date

        return cldr_date(date, "long", locale=locale)
    base = base_language(lang)
    base = base if base in MONTHS else "en"  # a tag CLDR cannot read ("zh-x-private")
    return DATE_FORMATS[base].format(day=date.day, month=MONTHS[base][date.month - 1],
                                     year=date.year)


def join_names(names: list[str] | tuple[str, ...], lang: str) -> str:
    """Join author names: "A", "A and B", "A, B and C" (in French "A, B et C", and so on)."""
    if len(names) <= 1:
        return "".join(names)
    locale = _cldr_locale(lang)
    if locale is not None:
        from babel.lists import format_list

        return format_list(list(names), locale=locale)
    return f"{', '.join(names[:-1])} {translate(lang, 'and')} {names[-1]}"


# ISO 639's codes for no particular language: Babel would take "und" for American English.
NO_LANGUAGE = frozenset({"", "und", "mul", "mis", "zxx"})


@functools.cache
def _cldr_locale(lang: str) -> Any | None:
    """Return Babel's locale for a language Folio has no words of its own for, if CLDR has it.

    Folio's own tables of months (English, German) are used where they exist: they cost no
    import. For every other language (Chinese and Japanese too, whose words Folio has), dates
    and lists of names follow the Unicode CLDR, as Babel keeps it
    ("2 novembre 2023", "2023年11月2日", "Ana y Bo"); a tag CLDR does not know keeps English.
    """
    base = lang.split("-")[0].lower()
    if base in MONTHS or base in NO_LANGUAGE:
        return None
    from babel import Locale, UnknownLocaleError

    try:
        return Locale.parse(lang.replace("_", "-"), sep="-")
    except (ValueError, UnknownLocaleError):
        return None


# Languages written right to left (ISO 639 codes) and the scripts that run that way (ISO 15924):
# a script subtag, when the tag has one, decides ("az-Arab" is right to left, "ku-Latn" is not).
RTL_LANGUAGES = frozenset({"ar", "arc", "ckb", "dv", "fa", "he", "iw", "ks", "ku", "ps", "sd",
                           "syr", "ug", "ur", "yi"})
RTL_SCRIPTS = frozenset({"adlm", "arab", "hebr", "mand", "nkoo", "rohg", "samr", "syrc", "thaa"})


def text_direction(lang: str) -> str:
    """Return "rtl" when ``lang`` (a BCP 47 tag) is written right to left, else "ltr"."""
    base, *rest = lang.lower().split("-")
    script = next((part for part in rest if len(part) == 4 and part.isalpha()), None)
    if script is not None:
        return "rtl" if script in RTL_SCRIPTS else "ltr"
    return "rtl" if base in RTL_LANGUAGES else "ltr"


def words_language(lang: str) -> str:
    """Return the language Folio's own words for ``lang`` are in: ``lang``, or English."""
    return lang if lang.split("-")[0].lower() in STRINGS else "en"


def date_language(lang: str) -> str:
    """Return the language ``format_date`` writes dates for ``lang`` in: ``lang``, or English."""
    return lang if _cldr_locale(lang) is not None else words_language(lang)


def date_attributes(lang: str) -> str:
    """Return the attributes that mark a date written for ``lang`` as English, if it is."""
    return _foreign_attributes(lang, date_language(lang))


def words_attributes(lang: str) -> str:
    """Return the lang and dir attributes that mark Folio's words for ``lang`` as English.

    Empty when Folio speaks ``lang``. Otherwise its English fallback is foreign text in the
    article: a screen reader should say it in English, and on a right-to-left page "5 March
    2024" must keep its own direction, or the bidi algorithm shows "March 2024 5" (WeasyPrint
    follows dir="ltr" but neither dir="auto" nor unicode-bidi: plaintext).
    """
    return _foreign_attributes(lang, words_language(lang))


def _foreign_attributes(lang: str, written_in: str) -> str:
    """Return lang and dir attributes for text ``written_in`` another language than ``lang``."""
    if written_in == lang:
        return ""
    return f' lang="{written_in}" dir="{text_direction(written_in)}"'
