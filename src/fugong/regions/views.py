from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from fugong.accounts.roles import can
from fugong.accounts.views import capability_required
from fugong.regions import selectors, services
from fugong.regions.forms import GridForm


def _rows(user, regions, within):
    counts = selectors.enterprise_counts(user, regions, within)
    return [
        {"region": r, "count": counts[r.pk] if selectors.shows_enterprise_count(r) else None} for r in regions
    ]


@require_GET
@capability_required("region.view")
def tree(request):
    root = selectors.home_region(request.user)
    context = {"root": root}
    if root is not None:
        children = list(selectors.children_of(root))
        context["root_row"] = _rows(request.user, [root], root)[0]
        context["rows"] = _rows(request.user, children, root)
    return render(request, "regions/tree.html", context)


@require_GET
@capability_required("region.view")
def children(request, pk):
    region = selectors.region_in_reach(request.user, pk)
    rows = _rows(request.user, list(selectors.children_of(region)), region)
    return render(request, "regions/_children.html", {"rows": rows, "parent": region})


def _detail_context(request, region, form=None):
    root = selectors.home_region(request.user)
    may_create_grid = (
        region.can_hold_grids
        and can(request.user, "region.grid.create")
        and request.user.region.contains(region)
    )
    return {
        "region": region,
        "row": _rows(request.user, [region], region)[0],
        "rows": _rows(request.user, list(selectors.children_of(region)), region),
        "breadcrumbs": [(r, root.contains(r)) for r in region.ancestors()[:-1]],
        "grid_form": (form or GridForm()) if may_create_grid else None,
    }


@require_GET
@capability_required("region.view")
def detail(request, pk):
    region = selectors.region_in_reach(request.user, pk)
    return render(request, "regions/detail.html", _detail_context(request, region))


@require_POST
@capability_required("region.grid.create")
def grid_create(request, pk):
    region = selectors.region_in_reach(request.user, pk)
    form = GridForm(request.POST)
    if form.is_valid():
        try:
            grid = services.create_grid(request.user, region, form.cleaned_data["name"])
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error("name" if field == "name" else None, errors)
        else:
            messages.success(
                request, _("已创建网格“%(name)s”（编码 %(code)s）。") % {"name": grid.name, "code": grid.code}
            )
            return redirect("regions:detail", pk=region.pk)
    return render(request, "regions/detail.html", _detail_context(request, region, form), status=400)
