"""Checks for a person's identifiers, shared by forms, the API and the roster import.

Each check returns the normalised value or raises ValidationError with a Chinese message that names the
rule, so a roster row can say exactly what is wrong.
"""

import datetime as dt
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum import exceptions as stdnum_errors
from stdnum.cn import ric

from fugong.core import crypto

MOBILE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")


@dataclass(frozen=True)
class ResidentId:
    number: str
    birth_date: dt.date
    gender: str  # "male" / "female", from the 17th digit
    area_code: str  # the 6-digit county code of first registration

    @property
    def masked(self) -> str:
        return mask_id_number(self.number)

    @property
    def index(self) -> str:
        return crypto.blind_index(self.number)

    def encrypted(self) -> str:
        return crypto.encrypt(self.number)

    def stored_fields(self) -> dict[str, str]:
        """How every model that keeps an ID number stores it (employee, checkpoint arrival, visitor):
        encrypted for the audited reveal, a blind index for look-ups, the masked form for display."""
        return {
            "id_number_encrypted": self.encrypted(),
            "id_number_index": self.index,
            "id_number_masked": self.masked,
        }


def mask_id_number(number: str) -> str:
    """3301**********1234: the province/city and the last four, as people expect on printed lists."""
    return number[:4] + "*" * (len(number) - 8) + number[-4:] if len(number) > 8 else "*" * len(number)


def parse_id_number(value) -> ResidentId:
    """Validate a resident ID number: 18 characters, check character, real birth date, area code."""
    raw = re.sub(r"\s", "", str(value or "")).upper()
    if not raw:
        raise ValidationError(_("身份证号不能为空"))
    if not re.fullmatch(r"\d{17}[\dX]", raw):
        raise ValidationError(_("身份证号应为18位，前17位为数字，最后一位为数字或X"))
    # python-stdnum's validate() also demands that the area code existed in the birth year according to
    # its own table, which refuses real people (e.g. 330681 before it became a county-level city in
    # 1989): numbers are never reissued when counties are renamed, so only check digit and date count.
    if raw[-1] != ric.calc_check_digit(raw):
        raise ValidationError(_("身份证号校验位错误，请核对最后一位"))
    try:
        ric.get_birth_date(raw)
    except stdnum_errors.ValidationError:
        raise ValidationError(_("身份证号中的出生日期无效")) from None
    birth = ric.get_birth_date(raw)
    if birth > dt.date.today() or birth.year < 1900:
        raise ValidationError(_("身份证号中的出生日期无效"))
    if raw[:2] not in _PROVINCE_CODES:
        raise ValidationError(_("身份证号前两位不是有效的省级行政区划代码"))
    gender = "male" if int(raw[16]) % 2 else "female"
    return ResidentId(raw, birth, gender, raw[:6])


def normalize_phone(value) -> str:
    phone = re.sub(r"[\s()（）]", "", str(value or ""))
    if phone.startswith("+86"):
        phone = phone[3:]
    if not (MOBILE.fullmatch(phone) or LANDLINE.fullmatch(phone)):
        raise ValidationError(_("电话应为11位手机号（1开头）或带区号的固定电话"))
    return phone


# GB/T 2260 province-level codes (the first two digits of every resident ID number).
_PROVINCE_CODES = {
    "11",
    "12",
    "13",
    "14",
    "15",
    "21",
    "22",
    "23",
    "31",
    "32",
    "33",
    "34",
    "35",
    "36",
    "37",
    "41",
    "42",
    "43",
    "44",
    "45",
    "46",
    "50",
    "51",
    "52",
    "53",
    "54",
    "61",
    "62",
    "63",
    "64",
    "65",
    "71",
    "81",
    "82",
}
