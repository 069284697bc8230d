# One image for the gateway, the Locust master and its workers (see docs/ci.md).
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY loadspec ./loadspec
COPY locustfiles ./locustfiles
COPY specs ./specs
COPY swagger ./swagger
RUN pip install --no-cache-dir .
ENTRYPOINT []
CMD ["locust", "-f", "locustfiles/messages.py", "--headless", "-u", "20", "-r", "10", "-t", "1m"]
