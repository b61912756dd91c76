FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
RUN apt-get update && apt-get install -y --no-install-recommends gettext && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
# The build needs a key to load the settings (DEBUG=false refuses the built-in one); the running container gets its own.
RUN export DEBUG=false SECRET_KEY=build-only-not-a-secret-build-only-not-a-secret-0123456789 \
    && python manage.py compilemessages -v0 && python manage.py collectstatic --noinput -v0
EXPOSE 8000
CMD ["gunicorn", "kepu.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
