// Compiled as a file of intake (its target links only fanout_ingest). Intake hands events to delivery
// through spool::Accepted and never sees delivery's headers: this must fail with "delivery/engine.h: No
// such file" (the ctest layers.ingest_wrong_way expects exactly that).
#include "delivery/engine.h"
