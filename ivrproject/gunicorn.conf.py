"""gunicorn settings for production: `gunicorn -c ivrproject/gunicorn.conf.py`.

Each value can be overridden with an environment variable (GUNICORN_*).
"""

import multiprocessing
import os
import shutil
import tempfile

wsgi_app = "ivrproject.wsgi"
bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "sync")
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# Django's logging writes the app's lines; gunicorn's access log would double
# every webhook line.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None

# Prometheus: every worker keeps its metrics in files in this directory, and
# /metrics adds them up across workers.
os.environ.setdefault(
    "PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="ivr-prometheus-")
)


def on_starting(server):
    # Counts from an earlier run of the server must not be added to this one.
    directory = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    shutil.rmtree(directory, ignore_errors=True)
    os.makedirs(directory, exist_ok=True)


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
