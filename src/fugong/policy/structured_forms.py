"""The structured parameters of a policy version as rows of real inputs on the edit page.

A list parameter (review chain, commitments, rounds, vocabularies, plan sections, priority factors)
becomes fields of the version form named ``<parameter>-<row>-<column>``; a mapping (outcomes, page
texts) one field per key, ``<parameter>-<key>``. On submit the rows are put back into the very
structure the file export and the API use, and ``parameters.parse_parameters`` judges them: the
rules and their Chinese messages stay in one place, and each message is put beside the row and input
it names (``ParameterErrors.places``). Participants, documents and scoring bases are chosen from
lists shown in words; codes only appear where the officer names something new.

Rows added, removed or moved in the browser (static/fugong/row_editor.js) are renumbered there, so
the posted row numbers give the order; without JavaScript a spare empty row or two stand in for
"add", and a row emptied of every value is dropped.
"""

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fugong.policy.parameters import (
    EFFICIENCY_VALUES,
    INDUSTRY_DEPARTMENT,
    PRIORITY_FIELD_CHOICES,
    PRIORITY_MEASURE_CHOICES,
    REVIEW_MODE_CHOICES,
    REVIEW_ROLES,
    ErrorPlace,
    Kind,
    ParamSpec,
    participant_label,
)

MAX_ROWS = 100
FAILED = object()  # what ``collect`` answers when an input of the parameter has its own error


class _NoInput(forms.Widget):
    """The parameter's own field draws nothing: its rows are the inputs."""

    def render(self, name, value, attrs=None, renderer=None):
        return ""

    def value_from_datadict(self, data, files, name):
        return None

    def value_omitted_from_data(self, data, files, name):
        return False


class ParameterField(forms.Field):
    """Holds the messages about a structured parameter as a whole (those that name no single row), so
    the error summary lists them under the parameter's label and links to its block (same id)."""

    widget = _NoInput

    def __init__(self, **kwargs):
        super().__init__(required=False, **kwargs)


@dataclass(frozen=True)
class Column:
    name: str
    label: object
    widget: str = "text"  # text, textarea, time, number, select, checkboxes
    content: bool = True  # a value here means the row is meant (a default in a select is not)
    wide: bool = False  # takes the whole width of the row


@dataclass
class Cell:
    field: forms.BoundField
    css: str


@dataclass
class Row:
    index: int
    title: str
    spare: bool
    cells: list


def _text(value) -> str:
    # A textarea sends CRLF; the stored text keeps LF, so an untouched text compares equal.
    return str(value or "").replace("\r\n", "\n").strip()


def _weight(value) -> str:
    try:
        return format(Decimal(str(value)).normalize(), "f")
    except (InvalidOperation, ValueError):
        return str(value)


class ListEditor:
    """Rows of one list parameter. Subclasses say what a row holds and how it maps to an item."""

    template = "policy/_rows.html"
    columns: tuple[Column, ...] = ()
    row_title = gettext_lazy("第%(n)s条")
    add_label = gettext_lazy("添加一条")
    help = ""
    spec_help = True  # the parameter's own help says what its rows mean (not how a file spells them)
    spare = 1
    key_column = "key"
    key_prefix = "item"
    defaults: dict[str, str] = {}  # a select's value in a new row
    # The parser's name for an item field → the column that shows it.
    parser_fields: dict[str, str] = {}

    def __init__(self, form: forms.Form, spec: ParamSpec, value, context: dict):
        self.form, self.spec, self.context = form, spec, context
        self.prefix = spec.key
        self.too_many = False
        if form.is_bound:
            posted = _posted_indexes(form.data, self.prefix)
            if len(posted) > MAX_ROWS:
                posted, self.too_many = posted[:MAX_ROWS], True
            initial_rows = [None] * len(posted)
        else:
            items = [item.to_json() for item in value or ()]
            posted = list(range(len(items)))
            initial_rows = [self.to_row(item) for item in items]
        nxt = (max(posted) + 1) if posted else 0
        spares = list(range(nxt, nxt + self.spare))
        self.indexes = posted + spares
        self.spares = set(spares)
        self.positions: list[int] = []  # the form row index of each item sent to the parser
        self.field_names = [self.prefix]
        form.fields[self.prefix] = ParameterField(label=spec.label)
        for index, initial in zip(self.indexes, initial_rows + [None] * len(spares), strict=True):
            for column in self.columns:
                name = self.name(index, column.name)
                selected = initial.get(column.name) if initial else None
                if form.is_bound and column.widget == "checkboxes":
                    selected = form.data.getlist(name) if hasattr(form.data, "getlist") else None
                form.fields[name] = self.make_field(column, selected)
                if initial is not None and initial.get(column.name) not in (None, ""):
                    form.initial[name] = initial[column.name]
                elif column.name in self.defaults:
                    form.initial[name] = self.defaults[column.name]
                self.field_names.append(name)

    def name(self, index: int, column: str) -> str:
        return f"{self.prefix}-{index}-{column}"

    def title(self, n) -> str:
        return str(self.row_title) % {"n": n}

    @property
    def title_template(self) -> str:
        return self.title("{n}")

    @property
    def label(self):
        return self.spec.label

    @property
    def parameter_help(self):
        return self.spec.help if self.spec_help else ""

    @property
    def marker(self):
        return self.form[self.prefix]

    @property
    def rows(self) -> list[Row]:
        return [
            Row(
                index,
                self.title(n),
                index in self.spares,
                [
                    Cell(
                        self.form[self.name(index, c.name)],
                        " ".join(x for x in (c.widget, "wide" if c.wide else "") if x),
                    )
                    for c in self.columns
                ],
            )
            for n, index in enumerate(self.indexes, start=1)
        ]

    def make_field(self, column: Column, selected) -> forms.Field:
        common = {"label": column.label, "required": False}
        if column.widget == "textarea":
            return forms.CharField(**common, widget=forms.Textarea(attrs={"rows": 2}))
        if column.widget == "time":
            return forms.CharField(**common, widget=forms.TextInput(attrs={"type": "time"}))
        if column.widget == "number":
            return forms.CharField(
                **common,
                widget=forms.NumberInput(
                    attrs={"step": "0.01", "min": self.spec.min, "max": self.spec.max, "inputmode": "decimal"}
                ),
            )
        if column.widget == "select":
            return forms.ChoiceField(**common, choices=self.choices(column))
        if column.widget == "checkboxes":
            return forms.MultipleChoiceField(
                **common,
                choices=_selected_first(self.choices(column), selected or ()),
                widget=forms.CheckboxSelectMultiple,
            )
        return forms.CharField(**common)

    def choices(self, column: Column):
        raise NotImplementedError

    def to_row(self, item: dict) -> dict:
        return dict(item)

    def to_item(self, row: dict) -> dict:
        raise NotImplementedError

    def collect(self, cleaned: dict):
        """The parameter's value as the parser reads it (None: no rows, not applicable), or
        ``FAILED`` when one of its inputs already has an error of its own."""
        if self.too_many:
            self.form.add_error(
                self.prefix, _("「%(label)s」最多 %(n)d 行。") % {"label": self.spec.label, "n": MAX_ROWS}
            )
            return FAILED
        items, self.positions = [], []
        failed = False
        for index in self.indexes:
            names = {c.name: self.name(index, c.name) for c in self.columns}
            if any(name not in cleaned for name in names.values()):
                failed = True
                continue
            row = {column: cleaned[name] for column, name in names.items()}
            if not any(row[c.name] for c in self.columns if c.content):
                continue  # an empty row: a spare one, or one the officer cleared
            items.append(self.to_item(row))
            self.positions.append(index)
        if failed:
            return FAILED
        self._fill_keys(items)
        return items or None

    def _fill_keys(self, items: list[dict]) -> None:
        """A new row may leave its code empty: it gets one no other row uses (step_3 …)."""
        if not self.key_column:
            return
        used = {item[self.key_column] for item in items if item[self.key_column]}
        for n, item in enumerate(items, start=1):
            if item[self.key_column]:
                continue
            while f"{self.key_prefix}_{n}" in used:
                n += 1
            item[self.key_column] = f"{self.key_prefix}_{n}"
            used.add(item[self.key_column])

    def field_for(self, place: ErrorPlace) -> str | None:
        """The input a parser message belongs beside: the first column it names, in the row it names."""
        if not isinstance(place.row, int) or not 1 <= place.row <= len(self.positions):
            return None
        index = self.positions[place.row - 1]
        columns = [self.parser_fields.get(f, f) for f in place.fields]
        columns = [c for c in columns if any(col.name == c for col in self.columns)]
        if not columns:
            columns = [next(c.name for c in self.columns if c.content)]
        return self.name(index, columns[0])


class ReviewChainEditor(ListEditor):
    columns = (
        Column("name", gettext_lazy("环节名称")),
        Column("key", gettext_lazy("环节代码")),
        Column("mode", gettext_lazy("审核方式"), "select", content=False),
        Column("participants", gettext_lazy("参与方"), "checkboxes", wide=True),
    )
    defaults = {"mode": "any"}
    spec_help = False
    row_title = gettext_lazy("第%(n)s步")
    add_label = gettext_lazy("添加一步")
    help = gettext_lazy(
        "按审批顺序排列。每步勾选参与方：“企业的行业主管部门”按企业所属行业确定；"
        "联合审核须全部参与方通过，顺序不限。环节代码用于记录审批进度，须小写英文字母开头，新环节可留空自动生成。"
    )
    key_prefix = "step"

    def choices(self, column):
        if column.name == "mode":
            return REVIEW_MODE_CHOICES
        return self.context["participants"]

    def to_item(self, row):
        return {
            "key": row["key"],
            "name": row["name"],
            "participants": list(row["participants"]),
            "mode": row["mode"] or "any",
        }


class CommitmentsEditor(ListEditor):
    columns = (
        Column("code", gettext_lazy("编号")),
        Column("group", gettext_lazy("分组（可空）")),
        Column("text", gettext_lazy("承诺内容"), "textarea", wide=True),
    )
    help = gettext_lazy("企业须逐条承诺的事项。编号为字母、数字、点或横线，新条目可留空自动生成。")
    spare = 2
    key_column = "code"
    key_prefix = "commitment"

    def to_item(self, row):
        return {"code": row["code"], "group": row["group"], "text": _text(row["text"])}


class RoundsEditor(ListEditor):
    columns = (
        Column("name", gettext_lazy("名称")),
        Column("opens", gettext_lazy("开始时间"), "time"),
        Column("due", gettext_lazy("截止时间"), "time"),
    )
    row_title = gettext_lazy("第%(n)s轮")
    add_label = gettext_lazy("添加一轮")
    key_column = ""

    def to_item(self, row):
        # A browser may send seconds (06:00:00); the policy counts in minutes.
        def minutes(value):
            value = (value or "").strip()
            return value[:5] if re.fullmatch(r"\d\d:\d\d:00", value) else value

        return {"name": row["name"], "opens": minutes(row["opens"]), "due": minutes(row["due"])}


class VocabularyEditor(ListEditor):
    columns = (
        Column("name", gettext_lazy("名称")),
        Column("key", gettext_lazy("代码")),
    )
    help = gettext_lazy(
        "代码为英文字母开头的字母、数字、横线或下划线，新条目可留空自动生成；已有条目的代码不要改动。"
    )
    spare = 2

    def to_item(self, row):
        return {"key": row["key"], "name": row["name"]}


class PlanSectionsEditor(ListEditor):
    columns = (
        Column("name", gettext_lazy("章节名称")),
        Column("key", gettext_lazy("代码")),
        Column("documents", gettext_lazy("所属材料"), "checkboxes", wide=True),
    )
    row_title = gettext_lazy("第%(n)s章")
    add_label = gettext_lazy("添加一章")
    help = gettext_lazy("所属材料取自本版本的“复工申请材料种类”；新增材料种类须先保存一次，才能在此勾选。")
    key_prefix = "section"

    def choices(self, column):
        return self.context["documents"]

    def to_item(self, row):
        return {"key": row["key"], "name": row["name"], "documents": list(row["documents"])}


class FactorsEditor(ListEditor):
    columns = (
        Column("name", gettext_lazy("名称")),
        Column("key", gettext_lazy("代码")),
        Column("weight", gettext_lazy("权重"), "number"),
        Column("basis", gettext_lazy("计分依据"), "select"),
        Column("equals", gettext_lazy("亩均效益分类（按亩均效益计分时）"), "select"),
        Column("tag", gettext_lazy("企业标签（按标签计分时）")),
    )
    row_title = gettext_lazy("第%(n)s项")
    add_label = gettext_lazy("添加一项")
    help = gettext_lazy(
        "每项按一个依据计分：计算所得的指标、企业档案中的类别，或镇乡给企业加的标签；权重 0–100。"
        "代码新项可留空自动生成。"
    )
    key_prefix = "factor"
    spec_help = False
    parser_fields = {"measure": "basis", "field": "basis"}

    def choices(self, column):
        if column.name == "equals":
            return (("", _("不适用")), *((v, _("%(v)s类") % {"v": v}) for v in EFFICIENCY_VALUES))
        return (
            ("", _("请选择")),
            (_("计算所得"), [(f"measure:{k}", label) for k, label in PRIORITY_MEASURE_CHOICES]),
            (_("企业档案"), [(f"field:{k}", label) for k, label in PRIORITY_FIELD_CHOICES]),
            ("tag", _("企业标签（填写标签名）")),
        )

    def to_row(self, item):
        if item.get("measure"):
            basis = f"measure:{item['measure']}"
        elif item.get("field"):
            basis = f"field:{item['field']}"
        else:
            basis = "tag"
        return {
            "key": item["key"],
            "name": item["name"],
            "weight": _weight(item["weight"]),
            "basis": basis,
            "equals": item.get("equals", ""),
            "tag": item.get("tag", ""),
        }

    def to_item(self, row):
        item = {"key": row["key"], "name": row["name"], "weight": row["weight"]}
        kind, _sep, what = row["basis"].partition(":")
        if kind in ("measure", "field"):
            item[kind] = what
        for optional in ("equals", "tag"):
            if row[optional]:
                item[optional] = row[optional]
        return item


class MappingEditor:
    """One input per key of a fixed set (outcomes per health-code colour, a text per page)."""

    template = "policy/_mapping.html"

    def __init__(self, form: forms.Form, spec: ParamSpec, value, context: dict):
        self.form, self.spec = form, spec
        self.prefix = spec.key
        self.field_names = [self.prefix]
        form.fields[self.prefix] = ParameterField(label=spec.label)
        for key, label in spec.choices:
            name = self.name(key)
            form.fields[name] = self.make_field(label)
            if value and value.get(key):
                form.initial[name] = value[key]
            self.field_names.append(name)

    help = ""

    def name(self, key: str) -> str:
        return f"{self.prefix}-{key}"

    @property
    def label(self):
        return self.spec.label

    @property
    def parameter_help(self):
        return self.spec.help

    @property
    def marker(self):
        return self.form[self.prefix]

    @property
    def fields(self) -> list[forms.BoundField]:
        return [self.form[self.name(key)] for key, _label in self.spec.choices]

    def make_field(self, label) -> forms.Field:
        raise NotImplementedError

    def collect(self, cleaned: dict):
        names = {key: self.name(key) for key, _label in self.spec.choices}
        if any(name not in cleaned for name in names.values()):
            return FAILED
        out = {key: _text(cleaned[name]) for key, name in names.items()}
        return {key: value for key, value in out.items() if value} or None

    def field_for(self, place: ErrorPlace) -> str | None:
        return self.name(place.row) if place.row in dict(self.spec.choices) else None


class OutcomesEditor(MappingEditor):
    help = gettext_lazy("选“不适用”表示通知对此情形未作规定。")

    def make_field(self, label):
        return forms.ChoiceField(
            label=label, required=False, choices=(("", _("不适用")), *self.spec.answer_choices())
        )


class TextsEditor(MappingEditor):
    help = gettext_lazy("留空的页面不显示政策原文。")

    def make_field(self, label):
        return forms.CharField(label=label, required=False, widget=forms.Textarea(attrs={"rows": 3}))


EDITORS = {
    Kind.REVIEW_CHAIN: ReviewChainEditor,
    Kind.COMMITMENTS: CommitmentsEditor,
    Kind.ROUNDS: RoundsEditor,
    Kind.VOCABULARY: VocabularyEditor,
    Kind.PLAN_SECTIONS: PlanSectionsEditor,
    Kind.FACTORS: FactorsEditor,
    Kind.OUTCOMES: OutcomesEditor,
    Kind.TEXTS: TextsEditor,
}


def editor_for(form, spec: ParamSpec, value, context: dict):
    return EDITORS[spec.kind](form, spec, value, context)


def participant_choices(chains) -> tuple:
    """The roles and departments a review step may name, in words; a participant of the edited chain
    that no longer exists (a department since removed) stays listed, so that keeping it is a choice."""
    from fugong.accounts.models import Department

    choices = [(str(role), participant_label(str(role))) for role in REVIEW_ROLES]
    choices.append((INDUSTRY_DEPARTMENT, participant_label(INDUSTRY_DEPARTMENT)))
    choices += [(f"dept:{code}", name) for code, name in Department.objects.values_list("code", "name")]
    known = {token for token, _label in choices}
    for step in chains or ():
        for token in step.participants:
            if token not in known:
                label = (
                    _("已不存在的部门（%(code)s）") % {"code": token[5:]}
                    if token.startswith("dept:")
                    else token
                )
                choices.append((token, label))
                known.add(token)
    return tuple(choices)


def posted_terms(data, prefix: str) -> list[tuple[str, str]]:
    """The (key, name) rows a vocabulary posts, for choices that draw on it in the same form."""
    out = []
    for index in _posted_indexes(data, prefix)[:MAX_ROWS]:
        key = str(data.get(f"{prefix}-{index}-key") or "").strip()
        name = str(data.get(f"{prefix}-{index}-name") or "").strip()
        if key:
            out.append((key, name or key))
    return out


def _posted_indexes(data, prefix: str) -> list[int]:
    pattern = re.compile(rf"{re.escape(prefix)}-(\d{{1,4}})-[a-z_]+")
    found = {int(m.group(1)) for name in data for m in [pattern.fullmatch(name)] if m}
    return sorted(found)


def _selected_first(choices, selected) -> list:
    """The chosen options first, in the stored order (which the saved value keeps), then the others."""
    by_value = dict(choices)
    first = [(v, by_value[v]) for v in selected if v in by_value]
    chosen = {v for v, _label in first}
    return first + [(v, label) for v, label in choices if v not in chosen]
