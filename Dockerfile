# The review server: `postgen review serve` in a container.
#
#   docker build -t postgen-review .
#   docker run -p 8000:8000 -v postgen-review:/data \
#     -e POSTGEN_REVIEW_SECRET=... -e POSTGEN_REVIEW_REPO=git@github.com:acme/social.git \
#     -v ./deploy-key:/keys/deploy:ro postgen-review
#
# Environment (docs/review.md):
#   POSTGEN_REVIEW_SECRET   the key that signs links and sessions (the variable
#                           review.secret_env names; at least 16 characters)
#   POSTGEN_REVIEW_REPO     the calendar repository to clone and push to
#   GIT_SSH_COMMAND         how git reaches it over SSH (a deploy key with write access)
#   SMTP_USER, SMTP_PASSWORD ...  whatever login variables review.mail_channel's channel names
# /data keeps the clone, the built site and the journal of decisions not yet pushed:
# keep it on a volume so a restart loses nothing.
FROM python:3.11-slim

RUN apt-get update \
 && apt-get install -y --no-install-recommends git openssh-client \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --create-home --uid 1000 postgen \
 && mkdir /data && chown postgen /data

COPY . /src
RUN pip install --no-cache-dir /src && rm -rf /src

USER postgen
ENV POSTGEN_REVIEW_STATE=/data \
    POSTGEN_REVIEW_HOST=0.0.0.0 \
    POSTGEN_REVIEW_PORT=8000 \
    GIT_SSH_COMMAND="ssh -i /keys/deploy -o StrictHostKeyChecking=accept-new"
VOLUME /data
EXPOSE 8000
HEALTHCHECK CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/_review/health')"
CMD ["postgen", "review", "serve"]
