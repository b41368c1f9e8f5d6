"""Content that exists in English and in Chinese (names, titles, definitions, data sources,
units…), stored as two fields `<field>_en` and `<field>_zh`: the one rule that picks the text a
reader sees. Pages, exports, the API's display fields and the reports all call it."""

from .formatting import is_chinese


def pick(en, zh, language=None):
    """The text in `language` (the active one by default); when that one is empty, the other
    language's text, so that a field filled in one language only is never shown blank."""
    first, second = (zh, en) if is_chinese(language) else (en, zh)
    return first or second or ""


def localized(obj, field, language=None):
    """`obj.<field>_en` or `obj.<field>_zh`, picked by `pick`."""
    return pick(getattr(obj, f"{field}_en", ""), getattr(obj, f"{field}_zh", ""), language)
