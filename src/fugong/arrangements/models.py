"""Who lives, eats, rides and works where, day by day: dated assignments to dorm rooms, canteen
sittings, shuttle seats, car pools and grid units. Dated, so that a contact search can ask who shared a
room, a seat or a sitting on a given day (SPEC §8)."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fugong.core.scoping import Scope, ScopedQuerySet
from fugong.enterprises.models import EnterprisePart


class Carpool(EnterprisePart):
    """A private car that brings staff to work; the policy may cap the people per car (``max_people_per_car``)."""

    plate = models.CharField(_("车牌号"), max_length=12)
    driver = models.ForeignKey(
        "workforce.Employee",
        verbose_name=_("驾驶员"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    seats = models.PositiveSmallIntegerField(_("核定座位数（含驾驶员）"), validators=[MinValueValidator(1)])

    class Meta:
        verbose_name = _("通勤私家车")
        verbose_name_plural = _("通勤私家车")
        ordering = ["enterprise", "plate"]
        default_related_name = "carpools"
        constraints = [models.UniqueConstraint(fields=["enterprise", "plate"], name="carpool_unique_plate")]

    def __str__(self) -> str:
        return self.plate


class AssignmentKind(models.TextChoices):
    GRID = "grid", _("网格单元")
    DORM = "dorm", _("宿舍")
    CANTEEN = "canteen", _("就餐批次")
    SHUTTLE = "shuttle", _("通勤班车")
    CARPOOL = "carpool", _("私家车通勤")


# The target field each kind points to; exactly that one is set.
TARGET_FIELD = {
    AssignmentKind.GRID: "grid_unit",
    AssignmentKind.DORM: "dorm_room",
    AssignmentKind.CANTEEN: "canteen_sitting",
    AssignmentKind.SHUTTLE: "shuttle_route",
    AssignmentKind.CARPOOL: "carpool",
}


class Assignment(models.Model):
    """One person in one place of one kind from ``starts_on`` to ``ends_on`` (inclusive; open while
    None). A person has at most one open assignment of each kind; moving them ends the old one the day
    before the new one starts."""

    scope = Scope(
        region_path="enterprise__town__path",
        department="enterprise__department",
        enterprise="enterprise",
        person_user="employee__user",
    )

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", verbose_name=_("企业"), on_delete=models.CASCADE, related_name="+"
    )
    employee = models.ForeignKey(
        "workforce.Employee", verbose_name=_("员工"), on_delete=models.CASCADE, related_name="assignments"
    )
    kind = models.CharField(_("类型"), max_length=10, choices=AssignmentKind.choices)
    grid_unit = models.ForeignKey(
        "enterprises.GridUnit",
        verbose_name=_("网格单元"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="assignments",
    )
    dorm_room = models.ForeignKey(
        "enterprises.DormRoom",
        verbose_name=_("宿舍"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="assignments",
    )
    canteen_sitting = models.ForeignKey(
        "enterprises.CanteenSitting",
        verbose_name=_("就餐批次"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="assignments",
    )
    shuttle_route = models.ForeignKey(
        "enterprises.ShuttleRoute",
        verbose_name=_("通勤线路"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="assignments",
    )
    carpool = models.ForeignKey(
        Carpool,
        verbose_name=_("私家车"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="assignments",
    )
    # A bed, a bus seat or a table: what a contact search narrows to when it is known.
    seat = models.CharField(_("床位/座位/桌号"), max_length=10, blank=True)
    starts_on = models.DateField(_("起始日期"))
    ends_on = models.DateField(_("截止日期（含当日）"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("安排人"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("安排时间"), default=timezone.now, editable=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("人员安排")
        verbose_name_plural = _("人员安排")
        ordering = ["enterprise", "kind", "-starts_on", "id"]
        indexes = [
            models.Index(fields=["enterprise", "kind", "starts_on"]),
            models.Index(fields=["employee", "kind", "starts_on"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["employee", "kind"],
                condition=Q(ends_on__isnull=True),
                name="assignment_one_open_per_kind",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="assignment_ends_after_start",
            ),
            models.CheckConstraint(
                condition=(
                    Q(
                        kind="grid",
                        grid_unit__isnull=False,
                        dorm_room__isnull=True,
                        canteen_sitting__isnull=True,
                        shuttle_route__isnull=True,
                        carpool__isnull=True,
                    )
                    | Q(
                        kind="dorm",
                        grid_unit__isnull=True,
                        dorm_room__isnull=False,
                        canteen_sitting__isnull=True,
                        shuttle_route__isnull=True,
                        carpool__isnull=True,
                    )
                    | Q(
                        kind="canteen",
                        grid_unit__isnull=True,
                        dorm_room__isnull=True,
                        canteen_sitting__isnull=False,
                        shuttle_route__isnull=True,
                        carpool__isnull=True,
                    )
                    | Q(
                        kind="shuttle",
                        grid_unit__isnull=True,
                        dorm_room__isnull=True,
                        canteen_sitting__isnull=True,
                        shuttle_route__isnull=False,
                        carpool__isnull=True,
                    )
                    | Q(
                        kind="carpool",
                        grid_unit__isnull=True,
                        dorm_room__isnull=True,
                        canteen_sitting__isnull=True,
                        shuttle_route__isnull=True,
                        carpool__isnull=False,
                    )
                ),
                name="assignment_one_target_of_its_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.target}"

    @property
    def target(self):
        return getattr(self, TARGET_FIELD[self.kind])

    def covers(self, day) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)
