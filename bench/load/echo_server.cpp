// The machine's ceiling for the load benchmark: the same HTTP server fanout uses (net::HttpServer),
// answering every request at once with a fixed 202, no parsing, no spool, no delivery.
#include <signal.h>

#include <cstdio>

#include "net/http_server.h"

int main(int argc, char** argv) {
  fanout::net::ServerOptions options;
  options.listen = argc > 1 ? argv[1] : "127.0.0.1:0";
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  auto server = fanout::net::HttpServer::start(options, [](fanout::net::Request&&, fanout::net::Respond respond) {
    respond(fanout::net::Response{202, "application/json", R"({"received":"x"})", {}});
  });
  if (!server) return std::fprintf(stderr, "%s\n", server.error().message.c_str()), 1;
  std::printf("{\"port\":%u}\n", (*server)->port());
  std::fflush(stdout);
  int sig = 0;
  sigwait(&set, &sig);
  (*server)->stop(std::chrono::milliseconds(1000));
  return 0;
}
