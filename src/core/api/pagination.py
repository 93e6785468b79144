from rest_framework.pagination import PageNumberPagination


class PlatformPagination(PageNumberPagination):
    """`page` and `page_size` (up to 2,000), answering `count` and `results`."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 2000
