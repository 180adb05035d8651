// Compiled as a file of the spool (its target links only fanout_spool): its own headers and those of the
// layer below (core) compile, so the failure of spool_wrong_way.cpp is the layer rule, not a broken setup.
#include "core/event.h"
#include "spool/accepted.h"
#include "spool/spool.h"

namespace fanout::spool {

// Something to compile that uses both layers.
inline int64_t first_seq(const Accepted& a) {
  return a.seq;
}

}  // namespace fanout::spool
