from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from fugong.core import selectors


@login_required
def home(request):
    return render(request, "core/home.html", {"summary": selectors.home_summary(request.user)})
