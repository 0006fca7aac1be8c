# The IWAE service with the shipped model bundles, on port 8000 ($PORT).
#   CPU:  docker build -t iwae . && docker run -p 8000:8000 iwae
#   GPU:  docker build --build-arg BASE=tensorflow/tensorflow:2.21.0-gpu --build-arg EXTRA=gpu -t iwae-gpu .
#         docker run --gpus all -p 8000:8000 iwae-gpu
# `make docker-test` builds this image, runs it read-only as a user and tests it (README, "Deploy").
ARG BASE=python:3.11-slim

# ---- build: a virtual environment holding the service's dependencies and the project ----------------
FROM ${BASE} AS build
# EXTRA names an optional-dependency group of pyproject.toml ("gpu": it replaces tensorflow-cpu).
ARG EXTRA=
ENV PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /srv/iwae
# binutils' strip, for TensorFlow's libraries below (only this stage has it).
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install --yes --no-install-recommends binutils \
    && rm -rf /var/lib/apt/lists/* \
    && python -m venv /opt/venv

# Dependencies first, in a layer of their own that is rebuilt only when pyproject.toml changes. Then
# what serving never loads: TensorFlow's C++ headers (290 MB), its libraries' symbol tables (200 MB;
# TensorFlow's own builds, not patchelf-repaired ones, which strip can break) and libclang (a build
# tool of TensorFlow's).
COPY pyproject.toml deploy/docker/requirements.py ./
RUN python requirements.py pyproject.toml "${EXTRA}" > /tmp/requirements.txt \
    && /opt/venv/bin/pip install --no-cache-dir -r /tmp/requirements.txt \
    && /opt/venv/bin/pip uninstall --yes libclang \
    && rm -rf /opt/venv/lib/python3*/site-packages/tensorflow/include \
    && find /opt/venv/lib/python3*/site-packages/tensorflow -name "*.so*" -type f -exec strip --strip-unneeded {} +

# The code, the shipped bundles and the training configs (the multi-worker training Job runs this image);
# the editable install adds the `iwae` command (no download). Then
# pip and the packaging tools go, and everything is made readable by the service's user (a bundle
# written with a 0600 umask would otherwise be skipped as unreadable).
COPY README.md LICENSE ./
COPY configs ./configs
COPY model ./model
COPY app ./app
COPY templates ./templates
COPY static ./static
RUN /opt/venv/bin/pip install --no-cache-dir --no-deps -e . \
    && /opt/venv/bin/pip uninstall --yes pip setuptools wheel \
    && rm -rf requirements.py ./*.egg-info/SOURCES.txt \
    && find /opt/venv /srv/iwae -name __pycache__ -type d -prune -exec rm -rf {} + \
    && chmod -R a+rX /opt/venv /srv/iwae

# ---- runtime: the base, the environment and the code; no compilers, caches, tests or training tools --
FROM ${BASE} AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    TF_CPP_MIN_LOG_LEVEL=2 \
    PATH=/opt/venv/bin:$PATH \
    PORT=8000
RUN groupadd --gid 10001 iwae \
    && useradd --no-create-home --home-dir /srv/iwae --uid 10001 --gid 10001 iwae
COPY --from=build /opt/venv /opt/venv
COPY --from=build /srv/iwae /srv/iwae
WORKDIR /srv/iwae

USER 10001:10001
EXPOSE 8000
# Healthy once the first model serves (GET /readyz answers 200, listing the models still loading behind
# it, which answer 503 with Retry-After until they serve; slim images have no curl).
HEALTHCHECK --interval=30s --timeout=5s --start-period=180s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ[\"PORT\"]}/readyz', timeout=4)"]
# The port comes from $PORT (docker run -e PORT=…), as platforms that assign one expect.
CMD ["iwae", "serve", "--host", "0.0.0.0"]
