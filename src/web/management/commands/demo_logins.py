"""Print the demo logins that exist in this database (./run calls it once the demo is loaded)."""
from django.core.management.base import BaseCommand

from accounts.models import User

# Shown first, in this order; any other demo account with a known role follows.
FEATURED = ["demo-city", "demo-county-321002", "demo-town-321002001", "demo-town-321002106", "demo-reform-321002",
            "demo-leader-321000", "demo-auditor-321000", "demo-dept-321002", "demo-unit-321002001", "demo-grid-321002001",
            "demo-handler-321002001", "demo-officer-321002001", "demo-leader-321002001", "demo-sysadmin", "demo-secadmin",
            "demo-auditadmin"]


class Command(BaseCommand):
    help = "List the featured demo accounts."

    def handle(self, *args, **options):  # noqa: ANN002, ANN003, ANN201
        users = {u.username: u for u in User.objects.filter(username__in=FEATURED).select_related("division")}
        for name in FEATURED:
            user = users.get(name)
            if user is None:
                continue
            roles = "、".join(user.role_labels()) or ("平台超级用户" if user.is_superuser else "")
            where = user.division.name if user.division else "全平台"
            self.stdout.write(f"  {name:<24} {where:<12} {roles}")
        from sharing.demo import demo_lines

        for line in demo_lines():
            self.stdout.write(line)
        others = User.objects.filter(username__startswith="demo-town-").count()
        self.stdout.write(f"  （另有每个乡镇（街道）的 demo-town-<9位代码> 共 {others} 个，县级 demo-county-/demo-reform-<6位代码>）")
