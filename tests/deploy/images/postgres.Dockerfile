# PostgreSQL from Debian's package, standing in for the official postgres image in the deploy test.
ARG BASE_IMAGE=localhost/cohortcv-base:bookworm
FROM ${BASE_IMAGE}
# No cluster at install time (the entrypoint makes one from POSTGRES_* on first start).
ENV DEBIAN_FRONTEND=noninteractive
RUN mkdir -p /etc/postgresql-common \
    && echo "create_main_cluster = false" > /etc/postgresql-common/createcluster.conf \
    && apt-get update && apt-get install -y --no-install-recommends postgresql \
    && rm -rf /var/lib/apt/lists/*
COPY postgres-entry.sh /usr/local/bin/postgres-entry
RUN chmod +x /usr/local/bin/postgres-entry
STOPSIGNAL SIGINT
CMD ["/usr/local/bin/postgres-entry"]
