# Production image: the application served by gunicorn; the same image runs the worker and beat.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
# Fonts for PDF reports (CJK included) and gettext for compiling message catalogues.
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-noto-cjk fonts-dejavu-core gettext \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY requirements/ requirements/
RUN pip install -c requirements/constraints.txt . && rm -rf /root/.cache
COPY . .
RUN DJANGO_SECRET_KEY=build-only DATABASE_URL=postgres://build@localhost/build \
    python manage.py collectstatic --noinput -v 0

RUN useradd --create-home --uid 1000 app && mkdir -p /data/media && chown -R app /data /app
USER app
ENV MEDIA_ROOT=/data/media PORT=8000
EXPOSE 8000
CMD ["sh", "-c", "python manage.py migrate --noinput && gunicorn resultsframework.wsgi:application --config gunicorn.conf.py --bind 0.0.0.0:${PORT} --access-logfile -"]
