# Redis from Debian's package, standing in for the official redis image in the deploy test.
ARG BASE_IMAGE=localhost/cohortcv-base:bookworm
FROM ${BASE_IMAGE}
ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update && apt-get install -y --no-install-recommends redis-server \
    && rm -rf /var/lib/apt/lists/* && mkdir -p /data
# The official image turns protected mode off: other containers reach it on the compose network.
RUN printf '#!/bin/sh\nif [ "$1" = redis-server ]; then shift; exec redis-server --protected-mode no "$@"; fi\nexec "$@"\n' \
    > /usr/local/bin/redis-entry && chmod +x /usr/local/bin/redis-entry
WORKDIR /data
ENTRYPOINT ["/usr/local/bin/redis-entry"]
CMD ["redis-server"]
