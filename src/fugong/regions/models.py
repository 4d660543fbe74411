from django.db import models
from django.utils.translation import gettext_lazy as _


class RegionLevel(models.IntegerChoices):
    PROVINCE = 1, _("省")
    CITY = 2, _("市")
    COUNTY = 3, _("区县")
    TOWN = 4, _("镇乡街道")
    VILLAGE = 5, _("村社区")
    GRID = 6, _("网格")


class RegionQuerySet(models.QuerySet):
    def within(self, region: "Region") -> "RegionQuerySet":
        """The region and everything under it."""
        return self.filter(path__startswith=region.path)

    def towns(self) -> "RegionQuerySet":
        return self.filter(level=RegionLevel.TOWN)


class Region(models.Model):
    """A node of the administrative tree, keyed by its national division code.

    ``path`` holds the codes from the root down (``33/3306/330681/``) so that a whole subtree is one
    indexed prefix query, which every scope filter relies on.
    """

    code = models.CharField(_("区划代码"), max_length=20, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    level = models.PositiveSmallIntegerField(_("层级"), choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(max_length=255, unique=True, editable=False)

    objects = RegionQuerySet.as_manager()

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["path"]
        indexes = [models.Index(fields=["level", "path"])]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.path = (self.parent.path if self.parent_id else "") + f"{self.code}/"
        super().save(*args, **kwargs)

    def contains(self, other: "Region | None") -> bool:
        return other is not None and other.path.startswith(self.path)

    def ancestors(self) -> list["Region"]:
        """From the root down to this region, inclusive."""
        codes = [c for c in self.path.split("/") if c]
        by_code = {r.code: r for r in Region.objects.filter(code__in=codes)}
        return [by_code[c] for c in codes if c in by_code]

    @property
    def full_name(self) -> str:
        return "".join(r.name for r in self.ancestors() if r.level >= RegionLevel.CITY)
