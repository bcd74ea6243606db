# rnaclust-dash: gunicorn serving app:server as a non-root user.
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
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('PORT', '8050') + '/healthz', timeout=4)" || exit 1

# Several workers share the on-disk store; long jobs run in background processes. The app
# is imported once, in the master (--preload); exec: gunicorn gets the container's signals.
CMD ["sh", "-c", "exec gunicorn app:server --preload --bind 0.0.0.0:${PORT} --workers ${WORKERS:-3} --timeout 120"]
