# The app image for compose.yaml: one image, the service is chosen by the command.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY jira_sync ./jira_sync
COPY streams ./streams
COPY ingress ./ingress
COPY projections ./projections
COPY stack ./stack
COPY sandbox ./sandbox
RUN pip install . && useradd --uid 10001 --no-create-home jirasync
USER 10001
ENTRYPOINT ["jira-sync"]
CMD ["--help"]
