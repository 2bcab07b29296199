.PHONY: demo test worker beat lint messages

demo:  ## run the platform with demo data on http://127.0.0.1:8000
	scripts/demo

test:  ## run the whole test suite
	scripts/test

worker:  ## a Celery worker (needs CELERY_BROKER_URL)
	.venv/bin/celery -A config worker --loglevel=INFO

beat:  ## the periodic scheduler (quarantine sweep)
	.venv/bin/celery -A config beat --loglevel=INFO

lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check .

messages:  ## extract and compile translations (needs gettext)
	.venv/bin/python manage.py makemessages -l fr --ignore '.venv/*' --ignore 'static/vendor/*'
	.venv/bin/python manage.py compilemessages --ignore '.venv/*'
