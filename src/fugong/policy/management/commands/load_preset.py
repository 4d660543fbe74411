"""load_preset FILE [--region 330681 --effective-from 2026-12-05]: the one way a preset file enters."""

import datetime as dt
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from fugong.policy.loading import apply_preset, load_preset, preview_against
from fugong.policy.models import Policy, Preset
from fugong.policy.preset_files import read_preset


class Command(BaseCommand):
    help = "载入防控政策预设文件（YAML）：检查格式，登记政策文件、检查清单和预设；可同时应用到一个区域。"

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="预设文件路径（YAML，格式见 README）")
        parser.add_argument("--region", help="应用到的区划代码，例如 330681")
        parser.add_argument("--effective-from", dest="effective_from", help="生效日期 YYYY-MM-DD，缺省为今天")
        parser.add_argument("--check", action="store_true", help="只检查文件并列出与现行政策的差异，不载入")
        parser.add_argument("--list", action="store_true", help="列出已载入的预设")

    def handle(self, *args, file=None, region=None, effective_from=None, check=False, list=False, **options):
        if list:
            for preset in Preset.objects.select_related("notice"):
                self.stdout.write(f"{preset.key}\t{preset.notice.code}\t{preset.name}")
            return
        if not file:
            raise CommandError("请给出预设文件路径。")
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"文件不存在：{file}")
        date = None
        if effective_from:
            try:
                date = dt.date.fromisoformat(effective_from)
            except ValueError as exc:
                raise CommandError(f"生效日期格式应为 YYYY-MM-DD：{effective_from}") from exc
        try:
            preset_file = read_preset(path.read_bytes(), base_dir=path.parent)
            if check:
                policy = Policy.objects.filter(region__code=region).first() if region else None
                for row in preview_against(preset_file, policy):
                    self.stdout.write(f"{row['label']}：{row['before']} → {row['after']}")
                self.stdout.write(self.style.SUCCESS(f"{preset_file.key}：格式正确"))
                return
            preset, outcome = load_preset(preset_file)
            words = {"created": "已载入", "updated": "已更新", "unchanged": "无变化"}[outcome]
            self.stdout.write(self.style.SUCCESS(f"{preset.key}（{preset.name}）：{words}"))
            if region:
                policy = apply_preset(region, preset, effective_from=date)
                latest = policy.latest_version()
                self.stdout.write(
                    self.style.SUCCESS(
                        f"{policy.region.name}（{policy.region.code}）：{policy.name} 第{latest.number}版，"
                        f"{latest.effective_from} 起生效"
                    )
                )
        except ValidationError as exc:
            lines = [m for messages in exc.message_dict.values() for m in messages]
            raise CommandError("预设文件有误：\n" + "\n".join(lines)) from exc
