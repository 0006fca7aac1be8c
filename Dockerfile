# The IWAE service with the shipped model bundles, on port 8000.
#   CPU:  docker build -t iwae . && docker run -p 8000:8000 iwae
#   GPU:  docker build --build-arg BASE=tensorflow/tensorflow:2.21.0-gpu --build-arg EXTRA=gpu -t iwae-gpu .
#         docker run --gpus all -p 8000:8000 iwae-gpu
ARG BASE=python:3.11-slim
FROM ${BASE}

# EXTRA names an optional-dependency group of pyproject.toml ("gpu"): it replaces tensorflow-cpu.
ARG EXTRA=
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    TF_CPP_MIN_LOG_LEVEL=2
WORKDIR /srv/iwae

# Dependencies first, in a layer of their own that is rebuilt only when pyproject.toml changes: the
# list `pip install -e .` would install (with EXTRA: its group instead of tensorflow-cpu).
COPY pyproject.toml ./
RUN python -c "import os, tomllib; p = tomllib.load(open('pyproject.toml', 'rb'))['project']; extra = os.environ.get('EXTRA'); deps = [d for d in p['dependencies'] if not (extra and d.startswith('tensorflow-cpu'))] + (p['optional-dependencies'][extra] if extra else []); open('/tmp/requirements.txt', 'w').write('\n'.join(deps))" \
    && pip install --no-cache-dir -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

# The code and the shipped bundles; the editable install adds the `iwae` command (no download).
COPY README.md ./
COPY model ./model
COPY app ./app
COPY templates ./templates
COPY static ./static
RUN pip install --no-cache-dir --no-deps -e . \
    && groupadd --gid 10001 iwae \
    && useradd --create-home --uid 10001 --gid 10001 iwae

USER 10001:10001
EXPOSE 8000
# Ready once every bundle is loaded and warmed up (GET /readyz answers 200; slim images have no curl).
HEALTHCHECK --interval=30s --timeout=5s --start-period=180s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=4)"]
CMD ["iwae", "serve", "--host", "0.0.0.0", "--port", "8000"]
