from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from fugong.accounts.roles import ENTERPRISE_ROLES, REGION_ROLES, Role
from fugong.core.fields import EncryptedCharField


class Department(models.Model):
    """A government department (行业主管部门, 卫健局 …), kept as data.

    ``cross_sector`` departments (health, development, emergency) review every firm in their region;
    the others see only the firms whose industry department they are (块抓条保).
    """

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=100, unique=True)
    cross_sector = models.BooleanField(_("跨行业审核"), default=False)
    is_industry = models.BooleanField(_("可作为行业主管部门"), default=True)

    class Meta:
        verbose_name = _("部门")
        verbose_name_plural = _("部门")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person with exactly one role and one scope (SPEC §1)."""

    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    full_name = models.CharField(_("姓名"), max_length=50, blank=True)
    phone = EncryptedCharField(_("手机号"), max_length=20, blank=True)
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("管辖区域"), null=True, blank=True, on_delete=models.PROTECT
    )
    department = models.ForeignKey(
        Department, verbose_name=_("部门"), null=True, blank=True, on_delete=models.PROTECT
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("所属企业"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    assigned_enterprises = models.ManyToManyField(
        "enterprises.Enterprise", verbose_name=_("包联企业"), blank=True, related_name="assigned_workers"
    )

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def display_name(self) -> str:
        return self.full_name or self.username

    def clean(self):
        super().clean()
        if self.is_superuser and not self.role:
            return
        if self.role in REGION_ROLES and not self.region_id:
            raise ValidationError({"region": _("该角色必须指定管辖区域。")})
        if self.role == Role.DEPARTMENT and not self.department_id:
            raise ValidationError({"department": _("部门人员必须指定所属部门。")})
        if self.role in ENTERPRISE_ROLES and not self.enterprise_id:
            raise ValidationError({"enterprise": _("企业角色必须指定所属企业。")})

    @property
    def scope_label(self) -> str:
        if self.role == Role.DEPARTMENT:
            return f"{self.region} · {self.department}"
        if self.role in REGION_ROLES:
            return str(self.region or "")
        if self.role == Role.GRID_WORKER:
            return f"{self.region or ''} · {_('包联企业')}"
        if self.role in ENTERPRISE_ROLES:
            return str(self.enterprise or "")
        return ""
