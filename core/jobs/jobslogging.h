#pragma once

#include <QLoggingCategory>

Q_DECLARE_LOGGING_CATEGORY(lcJobs)
Q_DECLARE_LOGGING_CATEGORY(lcEvents)
