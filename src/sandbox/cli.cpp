// `fanout sandbox`: the platform sandbox as a process, for integration tests and manual runs.
#include <pthread.h>
#include <signal.h>

#include <cstdio>

#include "sandbox/json.h"
#include "sandbox/sandbox.h"

namespace fanout::sandbox {

int run_sandbox_cli(const std::string& listen) {
  // Block the signals before any thread starts so every thread inherits the mask and sigwait gets them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  SandboxOptions options;
  if (!listen.empty()) options.listen = listen;
  auto box = Sandbox::start(options);
  if (!box) {
    std::fprintf(stderr, "fanout: sandbox: %s\n", box.error().message.c_str());
    return 1;
  }
  std::string base = (*box)->base_url("");
  base.pop_back();  // no trailing '/'
  std::printf("{\"msg\":\"sandbox_listening\",\"port\":%u,\"base_url\":%s}\n", static_cast<unsigned>((*box)->port()),
              quoted(base).c_str());
  std::fflush(stdout);

  int signal = 0;
  sigwait(&signals, &signal);
  (*box)->stop();
  return 0;
}

}  // namespace fanout::sandbox
