# rnaclust-dash: gunicorn serving app:server as a non-root user (the web image; the
# Celery worker of docker-compose.yml runs the same image with another command).
# TODO(pin): replace with python:3.11-slim@sha256:<digest> once the registry is reachable
# (`docker buildx imagetools inspect python:3.11-slim`): it was not from the build machine.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    RNACLUST_CACHE_DIR=/data/cache \
    NUMBA_CACHE_DIR=/data/numba-cache \
    PORT=8050

WORKDIR /app
COPY requirements.txt requirements-nodeps.txt ./
RUN pip install --no-cache-dir -r requirements.txt \
    && pip install --no-cache-dir --no-deps -r requirements-nodeps.txt

COPY . .
RUN useradd --create-home --uid 10001 rnaclust \
    && mkdir -p /data/cache /data/numba-cache \
    && chown -R rnaclust:rnaclust /data
USER rnaclust

# UMAP's numba code is compiled into NUMBA_CACHE_DIR by a separate process at start-up
# (app.warm_up_umap); the server never runs numba/OpenMP code itself, so the master can
# preload the app and fork the workers, and the workers fork the UMAP jobs.
EXPOSE 8050
# /healthz writes and reads the store: 503 (unhealthy) when it cannot.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('PORT', '8050') + '/healthz', timeout=4)"]

# Several workers share the store; long jobs run in background processes (or on Celery
# workers with REDIS_URL). gunicorn.conf.py reads PORT and WORKERS, preloads the app and
# recycles workers. Exec form: gunicorn is PID 1, gets SIGTERM and reaps orphaned jobs.
VOLUME ["/data"]
CMD ["gunicorn", "app:server"]
