#pragma once

#include <QLoggingCategory>

namespace Baton {
Q_DECLARE_LOGGING_CATEGORY(lcConsul)
} // namespace Baton
