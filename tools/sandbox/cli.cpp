// `fanout sandbox`: the platform sandbox as a process, for integration tests and manual runs.
#include <cstdio>

#include "core/stop_signals.h"
#include "sandbox/json.h"
#include "sandbox/sandbox.h"

namespace fanout::sandbox {

int run_sandbox_cli(const std::string& listen) {
  sigset_t signals = block_stop_signals();  // before any thread starts

  SandboxOptions options;
  if (!listen.empty()) options.listen = listen;
  auto box = Sandbox::start(options);
  if (!box) {
    std::fprintf(stderr, "fanout: sandbox: %s\n", box.error().message.c_str());
    return 1;
  }
  std::string base = (*box)->base_url("");
  base.pop_back();  // no trailing '/'
  JsonOut line;
  line.begin_object().field("msg", "sandbox_listening").field("port", static_cast<unsigned>((*box)->port()));
  line.field("base_url", base).end_object();
  std::printf("%s\n", line.take().c_str());
  std::fflush(stdout);

  int signal = 0;
  sigwait(&signals, &signal);
  (*box)->stop();
  return 0;
}

}  // namespace fanout::sandbox
