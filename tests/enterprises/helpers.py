"""Shared by the enterprise-register tests: valid input data and reading the Excel files we produce."""

from io import BytesIO

from openpyxl import Workbook, load_workbook

from fugong.accounts.models import Department
from tests.factories import make_uscc


def firm_data(town, n: int = 1, **overrides) -> dict:
    data = {
        "name": f"诸暨测试新建机械有限公司{n}",
        "uscc": make_uscc(500 + n),
        "legal_representative": "赵敏",
        "address": f"测试路{n}号",
        "town": town,
        "department": Department.objects.get(code="industry"),
        "normal_headcount": 80,
    }
    data.update(overrides)
    return data


def read_xlsx(content: bytes, sheet: str | None = None) -> list[dict]:
    workbook = load_workbook(BytesIO(content), read_only=True)
    ws = workbook[sheet] if sheet else workbook.worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    header = rows[0]
    return [dict(zip(header, row, strict=False)) for row in rows[1:]]


def headers(content: bytes) -> list:
    workbook = load_workbook(BytesIO(content), read_only=True)
    return list(next(workbook.worksheets[0].iter_rows(values_only=True)))


IMPORT_HEADERS = [
    "单位名称",
    "统一社会信用代码",
    "所属乡镇",
    "单位地址",
    "法定代表人",
    "行业主管部门",
    "职工人数",
    "所属大类",
    "企业规模",
    "重点外贸企业",
]


def import_row(n: int, town: str = "暨阳街道", **overrides) -> dict:
    row = {
        "单位名称": f"诸暨导入测试纺织有限公司{n}",
        "统一社会信用代码": make_uscc(700 + n),
        "所属乡镇": town,
        "单位地址": f"导入路{n}号",
        "法定代表人": "钱多",
        "行业主管部门": "经济和信息化局",
        "职工人数": 50 + n,
        "所属大类": "17 纺织业",
        "企业规模": "规上",
        "重点外贸企业": "是",
    }
    row.update(overrides)
    return row


def make_xlsx(rows: list[dict], header: list[str] = IMPORT_HEADERS) -> BytesIO:
    workbook = Workbook()
    ws = workbook.active
    ws.title = "企业名录"
    ws.append(header)
    for row in rows:
        ws.append([row.get(h) for h in header])
    buffer = BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    buffer.name = "企业名录.xlsx"
    return buffer
