from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _seed_shipped_presets(sender, using="default", **kwargs):
    """Shipped preset files edited in a new release reach the database on the next migrate."""
    from fugong.policy.models import ChecklistDefinition, ChecklistItem, Notice, Preset
    from fugong.policy.seeding import seed_shipped_presets

    seed_shipped_presets(Notice, Preset, ChecklistDefinition, ChecklistItem)


class PolicyConfig(AppConfig):
    name = "fugong.policy"
    verbose_name = "防控政策"

    def ready(self):
        post_migrate.connect(_seed_shipped_presets, sender=self, dispatch_uid="fugong.policy.seed_presets")
