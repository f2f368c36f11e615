#include "tools/consul-sim/simlogging.h"

namespace Baton::ConsulSim {

Q_LOGGING_CATEGORY(lcSim, "baton.consulsim", QtInfoMsg)

} // namespace Baton::ConsulSim
