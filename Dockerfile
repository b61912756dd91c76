FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
RUN apt-get update && apt-get install -y --no-install-recommends gettext && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
RUN DEBUG=false python manage.py compilemessages -v0 && DEBUG=false python manage.py collectstatic --noinput -v0
EXPOSE 8000
CMD ["gunicorn", "kepu.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
