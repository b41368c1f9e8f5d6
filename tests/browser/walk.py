"""Walk every page a user reaches from the navigation, and check each one in the browser.

The walk starts at the home page and follows the application's own links (navigation, tables,
sub-navigation), visiting one URL per named route, so that a new page is walked as soon as a
link leads to it; the tests then assert the routes they expect were reached, so the walk can
never shrink silently. Checks run in the page itself:

- axe-core (vendored under static/vendor/axe, loaded from the application like any asset,
  never downloaded) with the WCAG 2.0/2.1/2.2 A and AA rules and axe's best practices; serious
  and critical violations are reported;
- duplicate ids (axe 4.10 dropped its own rule; labels and ARIA references depend on them);
- in Chinese, visible text left in English (a text node equal to an English msgid of our
  catalogues that has a different Chinese msgstr) and layout overflow (the document wider than
  the window, or a table header squeezed to one character per line). Text inside an element
  marked translate="no" is recorded data shown as it was written (an audit event's target as
  named when the event happened), not interface text.
"""

import re
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

import polib
from django.conf import settings
from django.templatetags.static import static
from django.urls import Resolver404, resolve

# Routes the walk does not open: downloads and exports (files, not pages), actions, and the
# two third-party interfaces (Django's admin site and Swagger UI), which are not our markup.
SKIP_ROUTES = {
    "logout",
    "set_language",
    "healthz",
    "api-schema",
    "api-docs",
    "compacts:export",
    "indicators:template",
    "indicators:evidence",
    "oversight:export",
    "oversight:statistics-export",
    "oversight:evidence",
    "reports:file",
    "reports:public-file",
    "api-token-revoke",
}
SKIP_NAMESPACES = {"admin"}

AXE_RULE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
FAILING_IMPACTS = ["serious", "critical"]

# Text that is the same in both languages, or data rather than interface: codes, symbols,
# proper names that the catalogue happens to contain (a msgid like "OIOS" never differs).
ALLOWED_ENGLISH = {"UNOPS", "UNDP", "OIOS", "API", "ID", "URL", "CSV", "PDF", "Excel", "Word"}


def route_of(url):
    """The URL's route name ("indicators:value"), or None for a URL outside the application."""
    parts = urlsplit(url)
    try:
        match = resolve(parts.path)
    except Resolver404:
        return None
    return match.view_name


def walk(page, start="/", extra=()):
    """Visit, from `start`, one URL per route reachable through links; yield (url, route).

    `extra` URLs (error pages, pages reached only by a form) are visited after the links.
    """
    seen_routes = set()
    queue = [start]
    seen_urls = set()
    while queue:
        url = queue.pop(0)
        route = route_of(url)
        if url in seen_urls or route is None or route in seen_routes:
            continue
        seen_urls.add(url)
        if route in SKIP_ROUTES or route.split(":")[0] in SKIP_NAMESPACES:
            continue
        seen_routes.add(route)
        response = page.goto(url)
        assert response is not None and response.status == 200, (url, response and response.status)
        yield url, route
        for href in page.locator("a[href]").evaluate_all(
            "els => els.map(e => e.getAttribute('href'))"
        ):
            if href.startswith("/") and not href.startswith("//"):
                queue.append(href.split("#")[0])
    for url in extra:
        page.goto(url)
        yield url, route_of(url) or url


def axe_violations(page):
    """axe-core's serious and critical violations on the page, as readable lines."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(url=static("vendor/axe/axe.min.js"))
    results = page.evaluate(
        """async ([tags, impacts]) => {
            const r = await axe.run(document, {
                runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
            return r.violations.filter(v => impacts.includes(v.impact)).map(v =>
                `${v.impact} ${v.id}: ${v.help} — ` +
                v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '));
        }""",
        [AXE_RULE_TAGS, FAILING_IMPACTS],
    )
    return results


def duplicate_ids(page):
    return page.evaluate(
        """() => {
            const counts = {};
            for (const el of document.querySelectorAll('[id]'))
                counts[el.id] = (counts[el.id] || 0) + 1;
            return Object.keys(counts).filter(id => counts[id] > 1);
        }"""
    )


@cache
def english_msgids():
    """msgid → msgstr of every catalogue entry whose Chinese differs from its English."""
    found = {}
    paths = list(Path(settings.BASE_DIR).glob("*/locale/zh_Hans/LC_MESSAGES/django.po"))
    paths.append(Path(settings.BASE_DIR) / "locale/zh_Hans/LC_MESSAGES/django.po")
    for path in paths:
        for entry in polib.pofile(str(path)):
            texts = [entry.msgid, entry.msgid_plural] if entry.msgid_plural else [entry.msgid]
            translated = entry.msgstr or next(iter(entry.msgstr_plural.values()), "")
            for text in texts:
                text = " ".join(text.split())
                if text and translated and translated != text and text not in ALLOWED_ENGLISH:
                    found[text] = translated
    return found


@cache
def _english_patterns():
    """Catalogue msgids with placeholders ("%(n)s days overdue") as full-match patterns."""
    placeholder = re.compile(r"%\(\w+\)[sdif]|%[sdif]|\{\w*\}")
    patterns = []
    for text in english_msgids():
        if not placeholder.search(text):
            continue
        pieces = placeholder.split(text)
        # only patterns with some English words; a bare "%(a)s – %(b)s" says nothing
        if sum(len(re.findall(r"[A-Za-z]{3,}", p)) for p in pieces) == 0:
            continue
        patterns.append(re.compile(".+?".join(re.escape(p) for p in pieces)))
    return patterns


def untranslated_text(page):
    """Visible text nodes on the page that are English strings of our catalogues."""
    nodes = page.evaluate(
        """() => {
            const out = [];
            const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
            for (let n = walker.nextNode(); n; n = walker.nextNode()) {
                const text = n.textContent.replace(/\\s+/g, ' ').trim();
                const el = n.parentElement;
                if (!text || !el || el.closest('script, style, template, code, [translate=no]'))
                    continue;
                if (!el.checkVisibility()) continue;
                out.push(text);
            }
            const attributes = ['placeholder', 'aria-label', 'title'];
            for (const el of document.querySelectorAll('[placeholder], [aria-label], [title]'))
                for (const a of attributes)
                    if (el.getAttribute(a))
                        out.push(el.getAttribute(a).replace(/\\s+/g, ' ').trim());
            return out;
        }"""
    )
    english = english_msgids()
    patterns = _english_patterns()
    found = []
    for text in nodes:
        bare = text.strip(" :·()—,.")
        worded = re.search(r"[A-Za-z]{3,}", text)
        if (
            text in english
            or bare in english
            or (worded and any(p.fullmatch(text) for p in patterns))
        ):
            found.append(text)
    return sorted(set(found))


def overflow(page):
    """What runs off the page at this window width, or is squeezed to one character a line."""
    return page.evaluate(
        """() => {
            const problems = [];
            const doc = document.documentElement;
            const width = doc.clientWidth + 1;
            const name = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
                (typeof el.className === 'string' && el.className
                    ? '.' + el.className.split(' ').join('.') : '');
            if (doc.scrollWidth > width) {
                // the outermost elements that reach past the window's right edge
                const wide = [...document.querySelectorAll('body *')].filter(el => {
                    const r = el.getBoundingClientRect();
                    const parent = el.parentElement.getBoundingClientRect();
                    return r.width > 0 && r.right > width && parent.right <= width;
                });
                problems.push(`document ${doc.scrollWidth}px wide in a ${doc.clientWidth}px ` +
                    'window: ' + wide.slice(0, 3).map(name).join(', '));
            }
            // A header of two or more characters in a column narrower than two characters,
            // broken over lines: the table that wraps one character per line.
            for (const th of document.querySelectorAll('th')) {
                const text = th.innerText.trim();
                if (!th.checkVisibility() || text.length < 2) continue;
                const style = getComputedStyle(th);
                const size = parseFloat(style.fontSize);
                const box = th.getBoundingClientRect();
                const inner = box.width - parseFloat(style.paddingLeft) -
                    parseFloat(style.paddingRight);
                if (inner < size * 1.6 && box.height >= size * 2.4)
                    problems.push(`column "${text}" squeezed to ${Math.round(box.width)}px`);
            }
            return problems;
        }"""
    )
