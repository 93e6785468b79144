from django.db import connection
from django.http import JsonResponse


def healthz(request):  # noqa: ANN001, ANN201
    """200 when the database answers; used by ./run before it prints the logins."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    from divisions.models import Division

    return JsonResponse({"status": "ok", "divisions": Division.objects.count()})
