"""The environment of a real `helpline serve` for these tests: the test's database and secret
key (so the world's tokens work), jobs in the web process, and the test jobs importable."""

import json
from pathlib import Path

from helpline.core.runtime import Runtime
from tests.fixtures import jobs as test_jobs


def serve_env(runtime: Runtime, data_dir: Path, **extra: str) -> dict[str, str]:
    module = test_jobs.__name__
    import_root = Path(test_jobs.__file__).resolve().parents[module.count(".")]
    settings = runtime.settings
    return {
        "PYTHONPATH": str(import_root),
        "HELPLINE_ENVIRONMENT": "testing",
        "HELPLINE_DATA_DIR": str(data_dir),
        "HELPLINE_DATABASE_URL": settings.resolved_database_url,
        "HELPLINE_SECRET_KEY": settings.secret_key.get_secret_value(),
        "HELPLINE_ARGON2_TIME_COST": "1",
        "HELPLINE_ARGON2_MEMORY_KIB": "1024",
        "HELPLINE_RUN_JOBS_IN_WEB": "true",
        "HELPLINE_EXTRA_TASK_MODULES": json.dumps([module]),
        "HELPLINE_JOB_POLL_INTERVAL": "0.1",
        "HELPLINE_LOG_LEVEL": "INFO",
        **extra,
    }
