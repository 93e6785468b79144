import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# Production refuses to serve while demo accounts exist (settings already refused the built-in key).
from accounts.startup import refuse_unsafe_production  # noqa: E402

refuse_unsafe_production()
