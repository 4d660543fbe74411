"""export_policy 330681 [--version N] [-o FILE]: a region's policy version as a preset file."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from fugong.policy.loading import export_version
from fugong.policy.models import Policy


class Command(BaseCommand):
    help = "把一个区域的防控政策（某一版本，缺省为最新版）导出为预设文件（YAML）。"

    def add_arguments(self, parser):
        parser.add_argument("region_code")
        parser.add_argument("--version", type=int, dest="number")
        parser.add_argument("-o", "--output")

    def handle(self, *args, region_code, number=None, output=None, **options):
        policy = Policy.objects.filter(region__code=region_code).select_related("region").first()
        if policy is None:
            raise CommandError(f"区域 {region_code} 没有自己的防控政策。")
        versions = policy.versions.order_by("-number")
        version = versions.filter(number=number).first() if number else versions.first()
        if version is None:
            raise CommandError("没有这个版本。")
        text = export_version(version)
        if output:
            Path(output).write_text(text, encoding="utf-8")
        else:
            self.stdout.write(text)
