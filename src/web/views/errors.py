from django.shortcuts import render

from core.api.errors import json_404, json_500


def not_found(request, exception=None):  # noqa: ANN001, ANN201
    if request.path.startswith("/api/"):
        return json_404(request, exception)
    return render(request, "web/error.html", {"title": "页面不存在", "message": "页面不存在，或不在您的管辖范围内。"},
                  status=404)


def server_error(request):  # noqa: ANN001, ANN201
    if request.path.startswith("/api/"):
        return json_500(request)
    return render(request, "web/error.html", {"title": "服务器错误", "message": "服务器内部错误，请稍后再试。"},
                  status=500)
