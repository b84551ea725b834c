"""The dashboard's routers. `PAGE_ROUTERS` is every one of them: `create_app` includes them and
the page sweep (tests/dashboard/test_page_sweep.py) walks them."""

from helpline.dashboard.routes.app import router as app_router
from helpline.dashboard.routes.auth import router as auth_router
from helpline.dashboard.routes.files import router as files_router
from helpline.dashboard.routes.reports import router as reports_router
from helpline.dashboard.routes.settings import SETTINGS_ROUTERS
from helpline.helpcentre.routes import router as help_centre_router

# The public help centre (/help/...) is server-rendered pages too, swept with them.
PAGE_ROUTERS = (
    auth_router,
    app_router,
    files_router,
    *SETTINGS_ROUTERS,
    reports_router,
    help_centre_router,
)
