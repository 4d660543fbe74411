from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from fugong.core import selectors
from fugong.core.context_processors import unread_counter


@login_required
def home(request):
    user = request.user
    context = {
        "summary": selectors.home_summary(user),
        # The menu's badge shows the same unread count: counted once for both.
        "todo": selectors.todo_for(user, unread=unread_counter(request)),
    }
    return render(request, "core/home.html", context)
