// Compiled as a file of the spool (its target links only fanout_spool). The spool sits below delivery,
// so delivery's headers are not on its include path: this must fail with "delivery/engine.h: No such
// file" (the ctest layers.spool_wrong_way expects exactly that). The allowed directions are the layer
// table in docs/design.md.
#include "delivery/engine.h"
