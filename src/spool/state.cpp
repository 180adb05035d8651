#include "spool/spool.h"

namespace fanout::spool {

const char* state_name(State s) {
  switch (s) {
    case State::pending:
      return "pending";
    case State::delivered:
      return "delivered";
    case State::failed:
      return "failed";
    case State::skipped:
      return "skipped";
  }
  return "pending";
}

}  // namespace fanout::spool
