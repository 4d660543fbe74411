"""Reading the shared table pattern (fugong.core.tables) off a rendered page: the sort each header offers,
the total line and the links of the numbered pager."""

import re
from urllib.parse import parse_qsl


def _query(href: str) -> dict[str, str]:
    return dict(parse_qsl(href.replace("&amp;", "&").lstrip("?"), keep_blank_values=True))


def header_sorts(html: str) -> dict[str, str]:
    """Per sortable header, keyed by its sort key: its aria-sort ("" when not the active sort)."""
    found = {}
    for th in re.findall(r"<th scope=\"col\"[^>]*>.*?</th>", html, re.S):
        link = re.search(r'href="(\?[^"]*)"', th)
        if link:
            aria = re.search(r'aria-sort="(\w+)"', th)
            found[_query(link.group(1))["sort"].lstrip("-")] = aria.group(1) if aria else ""
    return found


def pager(html: str) -> str:
    """The pager's markup (total line and page links)."""
    return html.split('data-testid="table-pager"', 1)[1].split("</nav>", 1)[0]


def total_line(html: str) -> str:
    return re.search(r'data-testid="table-total">([^<]*)<', html).group(1).strip()


def page_links(html: str) -> dict[str, dict[str, str]]:
    """The numbered page links, by their text (a number, 上一页 or 下一页), as query dicts."""
    return {
        re.sub(r"<[^>]+>", "", text).strip(): _query(href)
        for href, text in re.findall(r'<a[^>]*href="(\?[^"]*)"[^>]*>(.*?)</a>', pager(html), re.S)
    }
