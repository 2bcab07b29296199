#!/bin/sh
# Celery worker: one process per core by default; late acks so a killed worker's job is redone.
exec celery -A config worker --loglevel="${LOG_LEVEL:-INFO}" \
  --concurrency="${CELERY_CONCURRENCY:-2}" --max-tasks-per-child=200
