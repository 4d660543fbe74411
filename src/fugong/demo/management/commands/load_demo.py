from django.core.management.base import BaseCommand

from fugong.demo.city import DEMO_PASSWORD, build_city


class Command(BaseCommand):
    help = "Load the deterministic demo city (诸暨市) and print the demo logins."

    def add_arguments(self, parser):
        parser.add_argument("--size", type=int, default=300, help="number of enterprises")
        parser.add_argument("--seed", type=int, default=20200210)
        parser.add_argument(
            "--no-parts", action="store_true", help="skip zones, dorms, routes … inside firms"
        )

    def handle(self, *args, size, seed, no_parts, **options):
        result = build_city(size=size, seed=seed, with_parts=not no_parts)
        self.stdout.write(self.style.SUCCESS(f"演示城市已就绪：诸暨市，企业 {result.firms} 家。"))
        self.stdout.write(f"\n演示账号（密码均为 {DEMO_PASSWORD}）：")
        for username, role, scope in result.users:
            self.stdout.write(f"  {username:<10} {role:<12} {scope}")
