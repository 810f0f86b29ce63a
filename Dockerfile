# CareNudge: one image for `carenudge run` (and `doctor`, `sandbox`).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HOST=0.0.0.0 \
    PORT=8080

WORKDIR /app
COPY pyproject.toml constraints.txt README.md ./
COPY bot ./bot
COPY adapters ./adapters
COPY nudges ./nudges
COPY scheduler ./scheduler
RUN pip install --no-cache-dir -c constraints.txt . \
 && useradd --create-home --uid 10001 carenudge

USER carenudge
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s \
  CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=3)"
CMD ["carenudge", "run"]
