"""Production settings for the web benchmark (bench/web.py), with two differences only: static
files are collected into the benchmark's own temporary directory (BENCH_STATIC_ROOT; production
collects into STATIC_ROOT in the checkout), and the URLConf adds one trivial view, the baseline
for what Django itself costs per request (bench/urls.py). Everything else, middleware, the
page cache, WhiteNoise, HTTPS handling, logging, comes from config.settings.production."""

from config.settings.production import *  # noqa: F403
from config.settings.production import env

STATIC_ROOT = env.path("BENCH_STATIC_ROOT")
ROOT_URLCONF = "bench.urls"
