# Production image: gunicorn serving Django with whitenoise; the same image runs the Celery worker and beat.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
# collectstatic needs settings but no secrets: a throwaway key for this build step only.
RUN SECRET_KEY=collectstatic-only DEBUG=0 python manage.py collectstatic --noinput

RUN mkdir -p var/releases var/exports && useradd --create-home her2kb && chown -R her2kb /app
USER her2kb

EXPOSE 8000
# --timeout 300: the first bulk export after an edit writes the dataset to a file (see docker-compose.yml).
CMD ["gunicorn", "her2kb.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "300", "--access-logfile", "-"]
