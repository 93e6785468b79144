from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("account/", views.security, name="security"),
    path("account/otp/", views.otp, name="otp"),
    path("account/password/", views.password_change, name="password-change"),
    path("account/tokens/revoke/", views.tokens_revoke, name="tokens-revoke"),
]
