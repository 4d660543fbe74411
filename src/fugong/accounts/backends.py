"""The one authentication backend: Django's username and password check, behind the login throttle."""

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from fugong.accounts import otp, throttle


class ThrottledModelBackend(ModelBackend):
    """Refuses a locked account or address before looking at the password, counts each wrong one and
    clears the account's count on success (``fugong.accounts.throttle``).

    Only calls that carry the request are throttled: the login form, the admin's and the token endpoint
    all pass it; a call without one (a management command, the test client's ``login``) has no address to
    count against and is checked as by ``ModelBackend``. Being the only backend, its failure is the
    login's failure.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return super().authenticate(request, username=username, password=password, **kwargs)
        if username is None:
            username = kwargs.get(self._username_field())
        if username is None or password is None:
            return None
        if throttle.locked_until(request, username) is not None:
            # PermissionDenied stops django.contrib.auth.authenticate at once: no further backend is asked.
            raise PermissionDenied
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            throttle.note_failure(request, username)
        elif not otp.has_device(user):
            # With a second factor the right code ends the run of failures (otp.finish_pending), not the
            # password: else each right password would buy more guesses at the code.
            throttle.note_success(username)
        return user

    @staticmethod
    def _username_field() -> str:
        from django.contrib.auth import get_user_model

        return get_user_model().USERNAME_FIELD
