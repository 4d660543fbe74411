class ChineseFirstMiddleware:
    """Ignore the browser's Accept-Language so that the interface is Chinese unless a person picks
    English with the language switch (which sets the language cookie that LocaleMiddleware reads)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
