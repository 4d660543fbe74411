"""One table pattern for the officers' lists: sortable headers, numbered pages with the total.

A view names its columns (a whitelist of sort keys, each mapped to ORM fields), hands over a queryset
that is already scoped (``visible_to``) and filtered, and renders ``_table_head.html`` and
``_table_pager.html``. The sort lives in the URL as ``?sort=key`` or ``?sort=-key`` next to the search
and the filters; an unknown key falls back to the table's default instead of failing. Links are built
with ``{% querystring %}``, so every filter in the URL is kept.
"""

from dataclasses import dataclass, field

from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Value, When

SORT_PARAM = "sort"
PAGE_PARAM = "page"


@dataclass(frozen=True)
class Column:
    """A header. ``order`` lists the ORM fields it sorts by (ascending); empty means not sortable."""

    label: str
    key: str = ""
    order: tuple[str, ...] = ()
    css: str = ""

    @property
    def sortable(self) -> bool:
        return bool(self.key and self.order)


@dataclass
class Header:
    label: str
    sortable: bool
    param: str = ""  # the sort value the header's link asks for
    aria_sort: str = ""  # "ascending" / "descending" on the active header
    css: str = ""


@dataclass
class Table:
    page: object
    headers: list[Header]
    sort: str  # the sort in force, as written in the URL ("" = the default)
    page_links: list = field(default_factory=list)  # page numbers; None for an ellipsis

    @property
    def total(self) -> int:
        return self.page.paginator.count


def _flip(name: str) -> str:
    return name[1:] if name.startswith("-") else f"-{name}"


def sorted_table(
    request,
    queryset,
    columns: list[Column],
    *,
    default: str,
    tiebreak: tuple[str, ...] = ("-pk",),
    page_size: int = 50,
) -> Table:
    """Sort ``queryset`` by the whitelisted key in the URL (or ``default``), page it and describe the headers.

    ``default`` is a sort value such as ``"-at"`` naming one of ``columns``, or ``""`` to keep the
    queryset's own order (then no header is marked active until one is chosen).
    """
    by_key = {c.key: c for c in columns if c.sortable}
    raw = (request.GET.get(SORT_PARAM) or "").strip()
    key = raw.removeprefix("-")
    if key not in by_key:
        raw = default
        key = raw.removeprefix("-")
    descending = raw.startswith("-")
    if key in by_key:
        fields = by_key[key].order
        fields = tuple(_flip(f) for f in fields) if descending else fields
        queryset = queryset.order_by(*fields, *tiebreak)
    page = Paginator(queryset, page_size).get_page(request.GET.get(PAGE_PARAM))
    headers = []
    for column in columns:
        if not column.sortable:
            headers.append(Header(str(column.label), False, css=column.css))
            continue
        active = column.key == key
        headers.append(
            Header(
                str(column.label),
                True,
                # A first click sorts ascending; a click on the active header turns it round.
                param=(column.key if descending else f"-{column.key}") if active else column.key,
                aria_sort=("descending" if descending else "ascending") if active else "",
                css=column.css,
            )
        )
    # None stands for the ellipsis between runs of page numbers.
    links = [
        n if isinstance(n, int) else None
        for n in page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
    ]
    return Table(page=page, headers=headers, sort=raw if key in by_key else "", page_links=links)


def ranked(field: str, ranks: dict[str, int]) -> Case:
    """An integer per row: the rank ``ranks`` gives the code in ``field``; codes not listed come last.

    A column of codes (a status, an action) then sorts by what people read, not by the stored English
    code: pass ``choice_ranks(...)`` for the order the choices are declared in (a workflow's order) or
    ``label_ranks(...)`` for the order of the labels themselves.
    """
    by_rank: dict[int, list[str]] = {}
    for code, rank in ranks.items():
        by_rank.setdefault(rank, []).append(code)
    whens = [When(**{f"{field}__in": codes}, then=Value(rank)) for rank, codes in sorted(by_rank.items())]
    return Case(*whens, default=Value(max(by_rank, default=-1) + 1), output_field=IntegerField())


def choice_ranks(choices) -> dict[str, int]:
    """``(code, label)`` pairs ranked as declared."""
    return {code: i for i, (code, _label) in enumerate(choices)}


def label_ranks(choices) -> dict[str, int]:
    """``(code, label)`` pairs ranked by the label as shown (in the active language); equal labels tie."""
    labels = sorted({str(label) for _code, label in choices})
    position = {label: i for i, label in enumerate(labels)}
    return {code: position[str(label)] for code, label in choices}
