import factory
from factory.django import DjangoModelFactory
from stdnum.cn import uscc as uscc_std

from fugong.accounts.models import Department, User
from fugong.accounts.roles import Role
from fugong.enterprises.models import Enterprise
from fugong.regions.models import Region, RegionLevel


def make_uscc(n: int) -> str:
    """A valid unified social credit code numbered n (check character computed by python-stdnum)."""
    body = f"91330681{n:09d}"
    return body + uscc_std.calc_check_digit(body)


class RegionFactory(DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"9900{n:05d}")
    name = factory.Sequence(lambda n: f"测试镇{n}")
    level = RegionLevel.TOWN


class EnterpriseFactory(DjangoModelFactory):
    class Meta:
        model = Enterprise

    name = factory.Sequence(lambda n: f"诸暨测试制造有限公司{n:04d}")
    uscc = factory.Sequence(lambda n: make_uscc(n + 1000))
    legal_representative = "张伟"
    address = factory.Sequence(lambda n: f"工业路{n}号")
    town = factory.SubFactory(RegionFactory)
    department = factory.LazyFunction(lambda: Department.objects.get(code="industry"))
    normal_headcount = 120
    normal_daily_output = 35


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    role = Role.TASK_FORCE

    @factory.post_generation
    def password(obj, create, extracted, **kwargs):
        obj.set_password(extracted or "pass-12345")
        if create:
            obj.save(update_fields=["password"])
