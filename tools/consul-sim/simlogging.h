#pragma once

#include <QLoggingCategory>

namespace Baton::ConsulSim {

Q_DECLARE_LOGGING_CATEGORY(lcSim)

} // namespace Baton::ConsulSim
