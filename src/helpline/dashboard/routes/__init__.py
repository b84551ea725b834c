"""The dashboard's routers. `PAGE_ROUTERS` is every one of them: `create_app` includes them and
the page sweep (tests/dashboard/test_page_sweep.py) walks them."""

from helpline.dashboard.routes.app import router as app_router
from helpline.dashboard.routes.auth import router as auth_router
from helpline.dashboard.routes.files import router as files_router
from helpline.dashboard.routes.settings import SETTINGS_ROUTERS

PAGE_ROUTERS = (auth_router, app_router, files_router, *SETTINGS_ROUTERS)
