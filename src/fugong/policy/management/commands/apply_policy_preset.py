"""apply_policy_preset <preset key or notice code> <region code> --effective-from YYYY-MM-DD"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from fugong.policy.services import apply_preset


class Command(BaseCommand):
    help = "为一个区域应用通知预设（新建政策第1版，或为已有政策发布新版本）。"

    def add_arguments(self, parser):
        parser.add_argument(
            "preset_key", help="已载入的预设代码，或其政策文件代码（manage.py load_preset --list 列出）"
        )
        parser.add_argument("region_code", help="区划代码，例如 330681")
        parser.add_argument("--effective-from", dest="effective_from", help="生效日期 YYYY-MM-DD，缺省为今天")

    def handle(self, *args, preset_key, region_code, effective_from=None, **options):
        date = None
        if effective_from:
            try:
                date = dt.datetime.strptime(effective_from, "%Y-%m-%d").date()
            except ValueError as exc:
                raise CommandError(f"生效日期格式应为 YYYY-MM-DD：{effective_from}") from exc
        try:
            policy = apply_preset(region_code, preset_key, actor=None, effective_from=date)
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from exc
        latest = policy.latest_version()
        self.stdout.write(
            self.style.SUCCESS(
                f"{policy.region.name}（{policy.region.code}）：{policy.name} 第{latest.number}版，"
                f"{latest.effective_from} 起生效，预设 {latest.preset_key or '—'}"
            )
        )
