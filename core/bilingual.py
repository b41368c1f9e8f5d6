"""Content that exists in English and in Chinese (names, titles, definitions, data sources,
units…), stored as two fields `<field>_en` and `<field>_zh`: the one rule that picks the text a
reader sees. Pages, exports, the API's display fields and the reports all call it."""

from django.utils.html import format_html

from .formatting import is_chinese


def pick(en, zh, language=None):
    """The text in `language` (the active one by default); when that one is empty, the other
    language's text, so that a field filled in one language only is never shown blank."""
    first, second = (zh, en) if is_chinese(language) else (en, zh)
    return first or second or ""


def localized(obj, field, language=None):
    """`obj.<field>_en` or `obj.<field>_zh`, picked by `pick`."""
    return pick(getattr(obj, f"{field}_en", ""), getattr(obj, f"{field}_zh", ""), language)


def localized_html(obj, field, language=None):
    """`localized`, for a page: a text shown in the other language than the reader's (the
    fallback) is marked with its own `lang`, so that screen readers read it in that language
    (WCAG 3.1.2, language of parts)."""
    en, zh = getattr(obj, f"{field}_en", ""), getattr(obj, f"{field}_zh", "")
    text = pick(en, zh, language)
    chinese_reader = is_chinese(language)
    if text and chinese_reader and not zh:
        return format_html('<span lang="en">{}</span>', text)
    if text and not chinese_reader and not en:
        return format_html('<span lang="zh-Hans">{}</span>', text)
    return text
