"""The public certificate check anyone reaches by scanning a certificate's QR code (SPEC §4).

No login, no writes (it may be hit hard at checkpoints), and it shows only the firm's name, the kind,
the status and the validity dates with the certificate number — never the credit code, people or
anything else from the firm's file.
"""

import re

from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from fugong.resumption import certificates
from fugong.resumption.models import Certificate

# Verify tokens are URL-safe random strings; anything else cannot match one, so it is answered
# without touching the database.
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{8,128}")

# The only columns this page reads; ``only`` keeps the rest of the row (and the firm's file) out of
# memory and out of reach of the template.
PUBLIC_FIELDS = ("number", "kind", "status", "valid_from", "valid_until", "enterprise__name")


def _public(response):
    # Verification pages are reached through QR codes, never by search: keep them out of indexes.
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def find_by_token(token: str):
    """The certificate with this verify token, or None.

    Deliberately not ``visible_to(user)``: the visitor is anonymous, and holding the unguessable token
    (printed only on the certificate) is the permission. What may be shown is limited by
    ``PUBLIC_FIELDS`` instead of by scope.
    """
    if not TOKEN_PATTERN.fullmatch(token):
        return None
    return (
        Certificate.objects.select_related("enterprise")
        .only(*PUBLIC_FIELDS)
        .filter(verify_token=token)
        .first()
    )


@require_safe
def verify_index(request):
    """Explains how to verify; there is no search by number, which would let anyone list firms."""
    return _public(render(request, "resumption/verify_index.html"))


# never_cache: a revocation must show at the next scan, not after a proxy's cache expires.
@never_cache
@require_safe
def verify(request, token: str):
    certificate = find_by_token(token)
    if certificate is None:
        return _public(render(request, "resumption/verify_not_found.html", status=404))
    context = {
        "firm_name": certificate.enterprise.name,
        "kind": certificates.kind_label(certificate),
        "number": certificate.number,
        "valid_from": certificate.valid_from,
        "valid_until": certificate.valid_until,
        "status": certificates.public_status(certificate),
        "checked_at": timezone.localtime(),
    }
    return _public(render(request, "resumption/verify.html", context))
