// fanout: the command line (docs/operations.md, "Running"). Exceptions are for startup only and are caught here once.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>

#include "app/commands.h"

// jemalloc's options, read once when it starts (the binary links jemalloc when the build machine has it;
// without it this string is unused). Free pages go back to the system after about a second unused instead
// of jemalloc's default ten: when a backlog drains after a burst, RSS follows within seconds rather than
// holding the peak (bench/README.md, peak RSS). MALLOC_CONF in the environment still overrides it.
extern "C" {
const char* malloc_conf = "dirty_decay_ms:1000";
}

int main(int argc, char** argv) {
  CLI::App cli{"fanout: a server-side conversion gateway (Meta, GA4, Google Ads, Microsoft Ads, TikTok)"};
  cli.require_subcommand(0, 1);
  cli.set_version_flag("--version", std::string("fanout ") + FANOUT_VERSION);
  std::string config, env_file;

  auto* serve = cli.add_subcommand("serve", "run the gateway until SIGTERM/SIGINT; SIGHUP reloads the config");
  serve->add_option("--config", config, "config file (default $FANOUT_CONFIG, else ./fanout.toml)");

  auto* check = cli.add_subcommand("check-config", "validate a config file and the secrets it names");
  check->add_option("--config", config, "config file");
  for (auto* sub : {serve, check})
    sub->add_option("--env-file", env_file, "KEY=value file of secrets, read before the environment (and on reload)");

  std::string event_file;
  auto* preview = cli.add_subcommand("preview", "print what each destination would receive for one event");
  preview->add_option("--config", config, "config file");
  preview->add_option("event", event_file, "event JSON file, or - for standard input");

  std::string url, secret_env = "CRM_WEBHOOK_SECRET", signature_header = "X-CRM-Signature";
  auto* send = cli.add_subcommand("send", "sign an event with the webhook secret and post it");
  send->add_option("--url", url, "fanout URL, e.g. http://127.0.0.1:8080/v1/events")->required();
  send->add_option("--secret-env", secret_env, "environment variable holding the webhook secret");
  send->add_option("--signature-header", signature_header, "signature header name");
  send->add_option("event", event_file, "event JSON file, or - for standard input");

  bool keep_running = false;
  auto* demo = cli.add_subcommand("demo", "run fanout against built-in sandbox platforms and show the results");
  demo->add_flag("--keep-running", keep_running, "keep the gateway and sandbox running after the table");

  std::string destination, event_id;
  auto* dlq = cli.add_subcommand("dlq", "inspect and re-queue dead-lettered deliveries");
  dlq->require_subcommand(1);
  auto* dlq_list = dlq->add_subcommand("list", "list dead-lettered deliveries (one JSON object per line)");
  auto* dlq_replay = dlq->add_subcommand("replay", "re-queue dead-lettered deliveries");
  for (auto* sub : {dlq_list, dlq_replay}) {
    sub->add_option("--config", config, "config file");
    sub->add_option("--destination", destination, "only this destination");
    sub->add_option("--event-id", event_id, "only this event");
  }

  std::string listen = "127.0.0.1:9900";
  auto* sandbox = cli.add_subcommand("sandbox", "run the loopback fake of the five platforms");
  sandbox->add_option("--listen", listen, "host:port");

  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = cli.exit(e);
    return code == 0 ? 0 : 2;
  }
  try {
    using namespace fanout::app;
    if (serve->parsed()) return cmd_serve(config, env_file);
    if (check->parsed()) return cmd_check_config(config, env_file);
    if (preview->parsed()) return cmd_preview(config, event_file);
    if (send->parsed()) return cmd_send(url, secret_env, event_file, signature_header);
    if (demo->parsed()) return cmd_demo(keep_running);
    if (dlq_list->parsed()) return cmd_dlq_list(config, destination, event_id);
    if (dlq_replay->parsed()) return cmd_dlq_replay(config, destination, event_id);
    if (sandbox->parsed()) return cmd_sandbox(listen);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fanout: %s\n", e.what());
    return 1;
  }
  std::fputs(cli.help().c_str(), stderr);
  return 2;
}
