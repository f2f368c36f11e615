#include "core/consul/consullogging.h"

namespace Baton {
Q_LOGGING_CATEGORY(lcConsul, "baton.consul", QtInfoMsg)
} // namespace Baton
