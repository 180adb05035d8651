#pragma once
// How the long-running commands (`serve`, `sandbox`) wait for SIGTERM/SIGINT.
#include <signal.h>

namespace fanout {

// Blocks SIGTERM and SIGINT in the calling thread, so every thread started after this call inherits the
// mask and only the caller's sigwait() on the returned set receives them. Call before starting threads.
sigset_t block_stop_signals();

}  // namespace fanout
