# workerd config for the Worker reconstruction (worker.js), used by bench/load/worker_vs_fanout.sh:
#   workerd serve config.capnp config -s http=127.0.0.1:PORT
# One Worker; every binding comes from the environment of the workerd process (the script sets them), so no
# secret or address is written here. Outbound fetch may reach loopback and private addresses only (the sandbox
# platforms on 127.0.0.1), not the internet.
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "worker", worker = .worker),
    (name = "internet", network = (allow = ["private", "local"])),
  ],
  sockets = [(name = "http", address = "127.0.0.1:0", http = (), service = "worker")],
);

const worker :Workerd.Worker = (
  modules = [(name = "worker", esModule = embed "worker.js")],
  compatibilityDate = "2026-11-01",
  globalOutbound = "internet",
  bindings = [
    (name = "WEBHOOK_SECRET", fromEnvironment = "WEBHOOK_SECRET"),
    (name = "SIGNATURE_HEADER", fromEnvironment = "SIGNATURE_HEADER"),
    (name = "DEFAULT_COUNTRY_CODE", fromEnvironment = "DEFAULT_COUNTRY_CODE"),
    (name = "META_BASE_URL", fromEnvironment = "META_BASE_URL"),
    (name = "META_PIXEL_ID", fromEnvironment = "META_PIXEL_ID"),
    (name = "META_ACCESS_TOKEN", fromEnvironment = "META_ACCESS_TOKEN"),
    (name = "GA4_BASE_URL", fromEnvironment = "GA4_BASE_URL"),
    (name = "GA4_MEASUREMENT_ID", fromEnvironment = "GA4_MEASUREMENT_ID"),
    (name = "GA_SECRET_KEY", fromEnvironment = "GA_SECRET_KEY"),
    (name = "GA4_CLIENT_ID_FALLBACK", fromEnvironment = "GA4_CLIENT_ID_FALLBACK"),
    (name = "GADS_BASE_URL", fromEnvironment = "GADS_BASE_URL"),
    (name = "GADS_ACCESS_TOKEN", fromEnvironment = "GADS_ACCESS_TOKEN"),
    (name = "GADS_LABELS", fromEnvironment = "GADS_LABELS"),
    (name = "MS_BASE_URL", fromEnvironment = "MS_BASE_URL"),
    (name = "MS_TAG_ID", fromEnvironment = "MS_TAG_ID"),
    (name = "MS_CAPI_TOKEN", fromEnvironment = "MS_CAPI_TOKEN"),
    (name = "TIKTOK_BASE_URL", fromEnvironment = "TIKTOK_BASE_URL"),
    (name = "TIKTOK_PIXEL_CODE", fromEnvironment = "TIKTOK_PIXEL_CODE"),
    (name = "TIKTOK_ACCESS_TOKEN", fromEnvironment = "TIKTOK_ACCESS_TOKEN"),
  ],
);
