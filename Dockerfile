# policy-monitor: the daemon in a small image.
#   docker build -t policy-monitor .
#   docker run -d --name policy-monitor -v pm-data:/data \
#     -v "$PWD/config.toml:/etc/policy-monitor/config.toml:ro" -e SLACK_TOKEN_A=... policy-monitor
FROM python:3.12-slim AS build
WORKDIR /src
COPY pyproject.toml README.md alembic.ini ./
COPY monitor ./monitor
COPY migrations ./migrations
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.12-slim
RUN useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin monitor \
 && mkdir -p /data /etc/policy-monitor && chown monitor /data
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
USER monitor
WORKDIR /data
VOLUME ["/data"]
ENV MONITOR_CONFIG=/etc/policy-monitor/config.toml \
    MONITOR_DATABASE_URL=sqlite:////data/monitor.db \
    PYTHONUNBUFFERED=1
# Migrations run on start; SIGTERM (docker stop) lets checks in flight finish.
STOPSIGNAL SIGTERM
CMD ["policy-monitor", "run"]
